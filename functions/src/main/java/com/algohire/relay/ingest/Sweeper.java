package com.algohire.relay.ingest;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.EventItems;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Finds events stored but never queued (the request that stored them failed to send and its caller never retried)
 * through the sparse pendingEnqueue index, and queues them.
 */
final class Sweeper {
    /** Events handled per run: a backlog is worked off over several scheduled runs, never one unbounded one. */
    static final int MAX_PER_RUN = 200;

    /** What one run did, for its log line and for tests. */
    record Result(int found, int queued, int skipped, int failed) {
    }

    private final DynamoDbClient dynamoDb;
    private final PendingEvents pending;
    private final String table;
    private final Duration grace;
    private final Clock clock;

    Sweeper(DynamoDbClient dynamoDb, PendingEvents pending, String table, Duration grace, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.pending = pending;
        this.table = table;
        this.grace = grace;
        this.clock = clock;
    }

    Result run() {
        // Events younger than the grace period are most likely still in their own request; leave them be.
        String cutoff = EventItems.timestamp(clock.instant().minus(grace)) + "#~";
        int found = 0;
        int queued = 0;
        int skipped = 0;
        int failed = 0;
        for (int shard = 0; shard < EventItems.PENDING_SHARDS && found < MAX_PER_RUN; shard++) {
            int budget = MAX_PER_RUN - found;
            String shardName = "P" + shard;
            QueryResponse page = dynamoDb.query(r -> r.tableName(table).indexName(RelaySchema.INDEX_PENDING)
                    .keyConditionExpression("#shard = :shard AND #sort <= :cutoff")
                    .expressionAttributeNames(Map.of("#shard", RelaySchema.PENDING_SHARD,
                            "#sort", RelaySchema.RECEIVED_SORT))
                    .expressionAttributeValues(Map.of(":shard", AttributeValue.fromS(shardName),
                            ":cutoff", AttributeValue.fromS(cutoff)))
                    .limit(budget));
            for (Map<String, AttributeValue> item : page.items()) {
                found++;
                String eventId = item.get(EventItems.EVENT_ID).s();
                // The claim re-checks status and lease on the base table: the index may lag behind it.
                if (!pending.claim(eventId)) {
                    skipped++;
                    continue;
                }
                try {
                    pending.enqueue(eventId, item.get(RelaySchema.EVENT_TYPE).s());
                    queued++;
                } catch (RuntimeException e) {
                    failed++;
                }
            }
        }
        return new Result(found, queued, skipped, failed);
    }
}
