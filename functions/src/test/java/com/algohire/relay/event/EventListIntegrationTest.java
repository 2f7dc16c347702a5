package com.algohire.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.ingest.IngestRequest;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.testing.TestResources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The event list and its indexes on a real DynamoDB-protocol server, events stored by ingestion. */
@ExtendWith(SharedAwsBackend.class)
class EventListIntegrationTest {
    private static final Instant NOW = Instant.parse("2024-01-12T10:00:00Z");

    private TestResources aws;
    private RelayConfig config;
    private MutableClock clock;
    private EventIngestion ingestion;

    @BeforeEach
    void setUp(AwsBackend backend) {
        aws = TestResources.create(backend);
        config = aws.config();
        clock = new MutableClock(NOW);
        ingestion = EventIngestion.create(aws.dynamoDb, aws.sqs, aws.s3, config, clock,
                new StructuredLog(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), clock));
    }

    @Test
    void listIndexes_whenEventStored_holdItsKeysAndSummaryButNeverThePayload() {
        String id = ingestion.accept(new IngestRequest("k-0", "job.created", "{\"n\":0}", "hash-k-0")).eventId();
        // The event is queued by now, so it has left the sparse pending index: put it back there to look.
        aws.dynamoDb.updateItem(r -> r.tableName(config.eventsTable())
                .key(Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(id)),
                        RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK)))
                .updateExpression("SET #shard = :shard")
                .expressionAttributeNames(Map.of("#shard", RelaySchema.PENDING_SHARD))
                .expressionAttributeValues(Map.of(":shard", AttributeValue.fromS(EventItems.pendingShard(id)))));
        Map<String, String> partitions = Map.of(
                RelaySchema.INDEX_BY_DAY, EventItems.day(NOW),
                RelaySchema.INDEX_BY_TYPE, "job.created",
                RelaySchema.INDEX_PENDING, EventItems.pendingShard(id));

        for (RelaySchema.Index index : RelaySchema.EVENTS.indexes()) {
            List<Map<String, AttributeValue>> entries = aws.dynamoDb.query(r -> r.tableName(config.eventsTable())
                    .indexName(index.name())
                    .keyConditionExpression("#p = :p")
                    .expressionAttributeNames(Map.of("#p", index.partitionKey().name()))
                    .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(partitions.get(index.name())))))
                    .items();
            assertThat(entries).as(index.name()).hasSize(1);
            Set<String> expected = new HashSet<>(List.of(RelaySchema.PK, RelaySchema.SK,
                    index.partitionKey().name(), index.sortKey().name()));
            expected.addAll(index.projected());
            assertThat(entries.get(0).keySet()).as(index.name()).containsExactlyInAnyOrderElementsOf(expected)
                    .doesNotContain(EventItems.PAYLOAD);
        }
    }
}
