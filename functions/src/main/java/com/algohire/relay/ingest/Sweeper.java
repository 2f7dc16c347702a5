package com.algohire.relay.ingest;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.EventItems;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Finds events stored but never queued (the request that stored them failed to send and its caller never retried)
 * through the sparse pendingEnqueue index, and queues them (docs/architecture.md, "Idempotency and the enqueue").
 */
final class Sweeper {
    /** Events handled per run: a backlog is worked off over several scheduled runs, never one unbounded one. */
    static final int MAX_PER_RUN = 200;

    /** What one run did, for its log line and for tests. */
    record Result(int found, int queued, int skipped, int failed, int discarded) {
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
        int discarded = 0;
        for (int shard = 0; shard < EventItems.PENDING_SHARDS && found < MAX_PER_RUN; shard++) {
            int budget = MAX_PER_RUN - found;
            String shardName = EventItems.pendingShard(shard);
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
                try {
                    if (!namedByItsKey(item)) {
                        discarded += discard(eventId) ? 1 : 0;
                        continue;
                    }
                    // The claim re-checks status and lease on the base table: the index may lag behind it.
                    if (!pending.claim(eventId)) {
                        skipped++;
                        continue;
                    }
                    pending.enqueue(eventId, item.get(RelaySchema.EVENT_TYPE).s());
                    queued++;
                } catch (RuntimeException e) {
                    // One event's trouble does not stop the run; the next run tries it again.
                    failed++;
                }
            }
        }
        return new Result(found, queued, skipped, failed, discarded);
    }

    /**
     * Whether the event's idempotency key still names it. The key is written before the event and released only
     * when ingest read the event back after a failed write and found it absent; an event whose key names another
     * (or nothing) is a write that landed after that read. Its caller was told it failed and has since retried
     * under a new eventId, so queueing this one would deliver the event twice.
     */
    private boolean namedByItsKey(Map<String, AttributeValue> event) {
        AttributeValue idempotencyKey = event.get(EventItems.IDEMPOTENCY_KEY);
        if (idempotencyKey == null) {
            // The pendingEnqueue index projects the key (RelaySchema): without it there is nothing to check.
            throw new IllegalStateException("pending index entry without " + EventItems.IDEMPOTENCY_KEY);
        }
        Map<String, AttributeValue> key = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.keyPk(idempotencyKey.s())),
                        RelaySchema.SK, AttributeValue.fromS(EventItems.KEY_SK)))).item();
        return key != null && key.containsKey(EventItems.EVENT_ID)
                && event.get(EventItems.EVENT_ID).s().equals(key.get(EventItems.EVENT_ID).s());
    }

    /** Deletes an event its key disowns, if it is still unqueued; its payload object expires with the bucket's rule. */
    private boolean discard(String eventId) {
        try {
            dynamoDb.deleteItem(r -> r.tableName(table)
                    .key(Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                            RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK)))
                    .conditionExpression("#status IN (:pending, :failed)")
                    .expressionAttributeNames(Map.of("#status", EventItems.STATUS))
                    .expressionAttributeValues(Map.of(
                            ":pending", AttributeValue.fromS(EventItems.STATUS_PENDING),
                            ":failed", AttributeValue.fromS(EventItems.STATUS_ENQUEUE_FAILED))));
            return true;
        } catch (ConditionalCheckFailedException alreadyQueued) {
            return false;
        }
    }
}
