package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.isolation.AttemptOutcome;
import com.algohire.relay.isolation.HealthPolicy;
import com.algohire.relay.isolation.HealthTracker;
import com.algohire.relay.isolation.Notifier;
import com.algohire.relay.isolation.StateTransitions;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.testing.WireCounter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Two delivery batches of one subscriber race on its health (a conditional write on the health version): the one
 * that loses re-folds its outcomes on the subscription as the refusal returned it
 * ({@code ReturnValuesOnConditionCheckFailure.ALL_OLD}), not on a second read of the subscription. Counted on the wire,
 * through moto_server.
 */
@ExtendWith(SharedAwsBackend.class)
class HealthWriteRaceIntegrationTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private record Setup(DeliveryTestEnvironment env, RelayConfig config, WireCounter wire, SubscriptionStore store,
                         HealthPolicy policy, HealthTracker tracker) {
    }

    private static Setup setup(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(TestResources.WITHOUT_SLOW_LANE);
        WireCounter wire = new WireCounter();
        DynamoDbClient counted = wire.dynamoDb(backend, backend.dynamoDbEndpoint());
        SubscriptionStore store = new SubscriptionStore(counted, config.subscriptionsTable());
        Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
        HealthPolicy policy = new HealthPolicy(config.isolation());
        Metrics metrics = new Metrics(config.metricsStack(), line -> { }, clock);
        StateTransitions transitions = new StateTransitions(policy, store, Notifier.logOnly(env.log),
                new DeliveryLanes(config.deliveryQueueUrl(), config.deliverySlowQueueUrl()), env.resources.sqs,
                clock, env.log, metrics);
        return new Setup(env, config, wire, store, policy,
                new HealthTracker(policy, store, transitions, Duration.ofSeconds(10), clock, env.log));
    }

    private static String subscribe(Setup s) {
        String id = Subscription.newId();
        s.store().create(new Subscription(id, "https://hooks.example.com/race", List.of("*"), null, true,
                List.of(new Subscription.SigningSecret(SECRET, null)), T0, T0, null, false, null));
        return id;
    }

    private static AttemptOutcome failure() {
        return AttemptOutcome.of(T0, 503, null, 12, "busy", false);
    }

    @Test
    void flush_whenAnotherBatchWroteHealthSinceTheRead_refoldsOnTheRefusalsItemWithoutReadingAgain(
            AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s);
        Subscription read = s.store().find(id).orElseThrow(); // health version 0, as this batch's attempt read it
        // Another batch's flush lands after that read: one failure of its own (not the one this batch saw, or the
        // refusal would look like this batch's own write landing), version 1.
        SubscriptionHealth other = s.policy().fold(SubscriptionHealth.INITIAL,
                List.of(AttemptOutcome.of(T0, null, "TIMEOUT", 10_000, null, false)), T0);
        assertThat(s.store().writeHealth(id, other, 0)).isPresent();
        HealthTracker.Batch batch = s.tracker().batch();
        batch.record(read, failure());
        s.wire().reset();

        batch.flush();

        // Refused at version 0, then written at version 1 on what the refusal returned: no GetItem between.
        assertThat(s.wire().requests()).containsExactly("DynamoDb.UpdateItem", "DynamoDb.UpdateItem");
        SubscriptionHealth stored = s.store().find(id).orElseThrow().health();
        assertThat(stored.version()).isEqualTo(2);
        assertThat(stored.consecutiveFailures()).isEqualTo(2); // both batches' failures, neither lost nor doubled
        assertThat(stored.lastFailure()).isEqualTo("HTTP 503");
    }

    @Test
    void tryWriteHealth_whenTheVersionMovedOn_returnsTheSubscriptionAsStored(AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s);
        SubscriptionHealth first = s.policy().fold(SubscriptionHealth.INITIAL, List.of(failure()), T0);
        assertThat(s.store().writeHealth(id, first, 0)).isPresent();
        s.wire().reset();

        SubscriptionStore.HealthWrite refused = s.store().tryWriteHealth(id, first, 0);

        assertThat(refused.written()).isFalse();
        assertThat(refused.seen()).isNotNull();
        assertThat(refused.seen().subscriptionId()).isEqualTo(id);
        assertThat(refused.seen().health()).isEqualTo(first.withVersion(1));
        assertThat(s.wire().requests()).containsExactly("DynamoDb.UpdateItem");
    }

    @Test
    void tryWriteHealth_whenTheSubscriptionIsGone_isRefusedWithNothingSeen(AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s);
        assertThat(s.store().delete(id)).isTrue();

        SubscriptionStore.HealthWrite refused = s.store().tryWriteHealth(id,
                s.policy().fold(SubscriptionHealth.INITIAL, List.of(failure()), T0), 0);

        assertThat(refused.written()).isFalse();
        assertThat(refused.seen()).isNull();
        assertThat(s.store().find(id)).isEmpty(); // the refused write created nothing
    }
}
