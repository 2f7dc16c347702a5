package com.algohire.relay.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.testing.WireCounter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The markers of subscriptions that hold tasks: what a hold costs on the wire beside its own item, and that a
 * marker's removal never wins against a hold written after it was read. Through moto_server.
 */
@ExtendWith(SharedAwsBackend.class)
class HoldStoreIntegrationTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private static DeliveryTask task(String subscriptionId, int n) {
        String eventId = "evt_" + n;
        return DeliveryTask.deliver(eventId, "job.created", subscriptionId, WebhookIds.of(eventId, subscriptionId));
    }

    private static List<String> marked(HoldStore holds, String subscriptionId) {
        return holds.markers(HoldStore.shard(subscriptionId), null, 100).items().stream()
                .map(HoldStore.Marker::subscriptionId).filter(subscriptionId::equals).toList();
    }

    @Test
    void hold_whenTheStoreMarkedTheSubscriptionWithinAMinute_writesOnlyTheHold(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        RelayConfig config = aws.config();
        WireCounter wire = new WireCounter();
        HoldStore holds = new HoldStore(wire.dynamoDb(backend, backend.dynamoDbEndpoint()), config.eventsTable(),
                config.retention());
        String id = Subscription.newId();

        holds.hold(task(id, 1), T0);
        holds.hold(task(id, 2), T0.plusSeconds(30));
        holds.hold(task(id, 3), T0.plusSeconds(59));
        List<String> withinTheMinute = wire.requests();
        wire.reset();
        holds.hold(task(id, 4), T0.plusSeconds(61));

        assertThat(withinTheMinute).containsExactly("DynamoDb.UpdateItem", "DynamoDb.PutItem", "DynamoDb.PutItem",
                "DynamoDb.PutItem");
        assertThat(wire.requests()).containsExactly("DynamoDb.UpdateItem", "DynamoDb.PutItem");
        assertThat(marked(holds, id)).containsExactly(id);
    }

    @Test
    void release_whenAHoldWroteTheMarkerAgainSinceItWasRead_keepsIt(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        RelayConfig config = aws.config();
        String id = Subscription.newId();
        new HoldStore(aws.dynamoDb, config.eventsTable(), config.retention()).hold(task(id, 1), T0);
        HoldStore watchdogs = new HoldStore(aws.dynamoDb, config.eventsTable(), config.retention());
        HoldStore.Marker read = watchdogs.markers(HoldStore.shard(id), null, 100).items().stream()
                .filter(m -> m.subscriptionId().equals(id)).findFirst().orElseThrow();

        // Another container holds a task between the watchdog's read and its removal.
        new HoldStore(aws.dynamoDb, config.eventsTable(), config.retention())
                .hold(task(id, 2), T0.plus(Duration.ofMinutes(30)));

        assertThat(watchdogs.release(read)).isFalse();
        assertThat(marked(watchdogs, id)).containsExactly(id);
        HoldStore.Marker again = watchdogs.markers(HoldStore.shard(id), null, 100).items().stream()
                .filter(m -> m.subscriptionId().equals(id)).findFirst().orElseThrow();
        assertThat(watchdogs.release(again)).isTrue();
        assertThat(marked(watchdogs, id)).isEmpty();
    }
}
