package com.algohire.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.config.ResourceProvisioner;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.local.LocalRelay;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.AwsBackends;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The counter on real servers (moto_server, ElasticMQ): what it counts for calls whose bill is known. */
class CallCounterIntegrationTest {
    private static AwsBackend backend;
    private static ResourceProvisioner.Resources resources;

    @BeforeAll
    static void start() {
        backend = AwsBackends.start();
        AwsClients clients = LocalRelay.clients(backend);
        try (var dynamoDb = clients.dynamoDb(); var s3 = clients.s3(); var sqs = clients.sqs()) {
            resources = new ResourceProvisioner(dynamoDb, s3, sqs).provision("cc-" + UUID.randomUUID()
                    .toString().substring(0, 8));
        }
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    void counts_aPendingEventPutThenItsPendingMarkRemoved_asTheItemsKbAndTheIndexEntries() {
        Map<String, CallCounter.Totals> totals = CallCounter.newTotals();
        AwsClients plain = LocalRelay.clients(backend);
        try (var sideReads = plain.dynamoDb()) {
            CallCounter counter = new CallCounter("function", sideReads,
                    Map.of(resources.eventsTable(), RelaySchema.EVENTS), totals);
            try (var dynamoDb = plain.withInterceptors(List.of(counter)).dynamoDb();
                 var sqs = plain.withInterceptors(List.of(counter)).sqs()) {
                Map<String, AttributeValue> item = new HashMap<>();
                item.put(RelaySchema.PK, AttributeValue.fromS("EVENT#evt_1"));
                item.put(RelaySchema.SK, AttributeValue.fromS("EVENT"));
                item.put(RelaySchema.EVENT_ID, AttributeValue.fromS("evt_1"));
                item.put(RelaySchema.TYPE_SHARD, AttributeValue.fromS("job.created#1"));
                item.put(RelaySchema.DAY_SHARD, AttributeValue.fromS("2026-11-28#1"));
                item.put(RelaySchema.RECEIVED_SORT, AttributeValue.fromS("2026-11-28T13:00:00Z#evt_1"));
                item.put(RelaySchema.PENDING_SHARD, AttributeValue.fromS("1"));
                item.put("payload", AttributeValue.fromS("x".repeat(2500)));
                dynamoDb.putItem(r -> r.tableName(resources.eventsTable()).item(item));
                dynamoDb.updateItem(r -> r.tableName(resources.eventsTable())
                        .key(Map.of(RelaySchema.PK, item.get(RelaySchema.PK), RelaySchema.SK,
                                item.get(RelaySchema.SK)))
                        .updateExpression("REMOVE " + RelaySchema.PENDING_SHARD));
                dynamoDb.getItem(r -> r.tableName(resources.eventsTable()).consistentRead(true)
                        .key(Map.of(RelaySchema.PK, item.get(RelaySchema.PK), RelaySchema.SK,
                                item.get(RelaySchema.SK))));
                // 70 KB in one message: two 64 KB chunks
                sqs.sendMessage(r -> r.queueUrl(resources.deliveryQueue().queueUrl()).messageBody("y".repeat(
                        70 * 1024)));
            }
        }

        CallCounter.Totals put = totals.get("function|DynamoDb|PutItem Events EVENT#/EVENT");
        CallCounter.Totals update = totals.get("function|DynamoDb|UpdateItem Events EVENT#/EVENT");
        CallCounter.Totals get = totals.get("function|DynamoDb|GetItem Events EVENT#/EVENT");
        CallCounter.Totals send = totals.get("function|Sqs|SendMessage");
        // about 2.6 KB: 3 units, and one entry in each of the three indexes
        assertThat(put.calls.sum()).isEqualTo(1);
        assertThat(put.tableWriteUnits.sum()).isEqualTo(3);
        assertThat(put.indexWriteUnits.sum()).isEqualTo(3);
        assertThat(put.requestBytes.sum()).isGreaterThan(2500);
        // the update is billed at the whole item's size, and leaves the sparse pending index only
        assertThat(update.tableWriteUnits.sum()).isEqualTo(3);
        assertThat(update.indexWriteUnits.sum()).isEqualTo(1);
        // a strongly consistent read of under 4 KB: 1 unit
        assertThat(get.readUnits.sum()).isEqualTo(1.0);
        assertThat(send.sqsRequests.sum()).isEqualTo(2);
    }
}
