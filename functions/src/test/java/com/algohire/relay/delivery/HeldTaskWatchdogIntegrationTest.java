package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.ingest.SweeperHandler;
import com.algohire.relay.isolation.HeldTaskWatchdog;
import com.algohire.relay.isolation.HoldStore;
import com.algohire.relay.isolation.Notifier;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.testing.WireCounter;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Held deliveries move on only when a DRAIN or a PROBE message says so; when that message is lost (a send that
 * failed after the write that decided it), the sweeper's watchdog sends it again, so nothing stays held for good.
 * Through ElasticMQ and moto_server.
 */
@ExtendWith(SharedAwsBackend.class)
class HeldTaskWatchdogIntegrationTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private record Setup(DeliveryTestEnvironment env, RelayConfig config, MutableClock clock, SubscriptionStore store,
                         HoldStore holds, HeldTaskWatchdog watchdog) {
    }

    private static Setup setup(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(TestResources.WITHOUT_SLOW_LANE);
        MutableClock clock = new MutableClock(T0);
        SubscriptionStore store = new SubscriptionStore(env.resources.dynamoDb, config.subscriptionsTable());
        HoldStore holds = new HoldStore(env.resources.dynamoDb, config.eventsTable(), config.retention());
        return new Setup(env, config, clock, store, holds, new HeldTaskWatchdog(store, holds,
                new TaskQueue(env.resources.sqs, config.deliveryQueueUrl()), clock, env.log));
    }

    private static String subscribe(Setup s, String url, boolean paused) {
        return subscribe(s, url, paused, true);
    }

    private static String subscribe(Setup s, String url, boolean paused, boolean active) {
        String id = Subscription.newId();
        s.store().create(new Subscription(id, url, List.of("*"), null, active,
                List.of(new Subscription.SigningSecret(SECRET, null)), T0, T0, active ? null : "HTTP 410", paused,
                null));
        return id;
    }

    /** Removes every marker of a holding subscription, as before markers existed. */
    private static void forgetMarkers(Setup s) {
        DynamoDbClient dynamoDb = s.env().resources.dynamoDb;
        dynamoDb.scan(r -> r.tableName(s.config().eventsTable()).filterExpression("begins_with(#pk, :holding)")
                        .expressionAttributeNames(Map.of("#pk", RelaySchema.PK))
                        .expressionAttributeValues(Map.of(":holding",
                                AttributeValue.fromS(RelaySchema.HOLDING_PK_PREFIX))))
                .items().forEach(item -> dynamoDb.deleteItem(r -> r.tableName(s.config().eventsTable())
                        .key(Map.of(RelaySchema.PK, item.get(RelaySchema.PK), RelaySchema.SK,
                                item.get(RelaySchema.SK)))));
    }

    /** Holds a DELIVER of a new event for {@code subscriptionId}, as of {@code heldAt}. */
    private static String hold(Setup s, String subscriptionId, Instant heldAt) {
        String eventId = s.env().putEvent(s.config(), "job.created", "{\"n\":1}");
        s.holds().hold(DeliveryTask.deliver(eventId, "job.created", subscriptionId,
                WebhookIds.of(eventId, subscriptionId)), heldAt);
        return eventId;
    }

    private static void openBreaker(Setup s, String id, Instant retryAt) {
        SubscriptionHealth open = new SubscriptionHealth(SubscriptionHealth.State.FAILING,
                SubscriptionHealth.Breaker.OPEN, 10, T0.minus(Duration.ofHours(1)), null, T0, "HTTP 503", null,
                List.of(), 100L, T0.minus(Duration.ofMinutes(10)), retryAt, null, 30, 0);
        assertThat(s.store().writeHealth(id, open, 0)).isPresent();
    }

    private static List<DeliveryTask> queued(Setup s) {
        return s.env().receiveAll().stream().map(Message::body).map(TaskQueue::fromJson).toList();
    }

    @Test
    void run_whenADeliverableSubscriptionsTasksWaitedPastTheGrace_queuesADrainThatDeliversThem(AwsBackend backend) {
        Setup s = setup(backend);
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            String id = subscribe(s, receiver.url(), false);
            String eventId = hold(s, id, T0); // its breaker closed at T0 and the DRAIN that should follow was lost
            s.clock().advance(Duration.ofMinutes(3));

            HeldTaskWatchdog.Result result = s.watchdog().run();

            assertThat(result.drains()).isEqualTo(1);
            assertThat(result.probes()).isZero();
            List<Message> drain = s.env().receiveBatch(1, Duration.ofSeconds(5));
            assertThat(drain).extracting(m -> TaskQueue.fromJson(m.body()).kind())
                    .containsExactly(DeliveryTask.Kind.DRAIN);
            DeliveryHandler handler = new DeliveryHandler(s.config(), s.env().resources.dynamoDb,
                    s.env().resources.sqs, s.env().eventStore(s.config()), Notifier.logOnly(s.env().log), s.clock(),
                    s.env().log);
            s.env().handleAndSettle(handler, drain);
            s.env().poll(handler, 2); // the re-queued DELIVER
            assertThat(receiver.requests()).hasSize(1);
            assertThat(receiver.requests().get(0).headers().get("webhook-id"))
                    .isEqualTo(WebhookIds.of(eventId, id));
            assertThat(s.holds().oldest(id, 10).items()).isEmpty();
        }
    }

    @Test
    void run_whenTheTasksAreFreshOrThePauseIsTheOperators_queuesNothing(AwsBackend backend) {
        Setup s = setup(backend);
        String fresh = subscribe(s, "https://hooks.example.com/fresh", false);
        hold(s, fresh, T0.minusSeconds(30)); // its DRAIN is still on its way
        String paused = subscribe(s, "https://hooks.example.com/paused", true);
        hold(s, paused, T0.minus(Duration.ofHours(2))); // held on purpose
        subscribe(s, "https://hooks.example.com/nothing-held", false);

        HeldTaskWatchdog.Result result = s.watchdog().run();

        assertThat(result.drains()).isZero();
        assertThat(result.probes()).isZero();
        // the one holding nothing is not even looked at; the paused one is, and left alone
        assertThat(result.checked()).isEqualTo(2);
        assertThat(queued(s)).isEmpty();
    }

    @Test
    void run_whenAnOpenBreakersProbeIsOverdue_queuesTheProbeOfThatOpening(AwsBackend backend) {
        Setup s = setup(backend);
        String overdue = subscribe(s, "https://hooks.example.com/overdue", false);
        Instant retryAt = T0.minus(Duration.ofMinutes(5)); // its PROBE (delayed to retryAt) never came
        openBreaker(s, overdue, retryAt);
        hold(s, overdue, T0.minus(Duration.ofMinutes(8)));
        String coolingDown = subscribe(s, "https://hooks.example.com/cooling", false);
        openBreaker(s, coolingDown, T0.plusSeconds(20));
        hold(s, coolingDown, T0.minus(Duration.ofMinutes(8)));

        HeldTaskWatchdog.Result result = s.watchdog().run();

        assertThat(result.probes()).isEqualTo(1);
        assertThat(result.drains()).isZero();
        assertThat(queued(s)).containsExactly(DeliveryTask.probe(overdue, retryAt.toString()));
    }

    @Test
    void sweepOnce_runsTheWatchdogAndCountsWhatItQueued(AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s, "https://hooks.example.com/x", false);
        hold(s, id, Instant.now().minus(Duration.ofMinutes(10)));

        Map<String, Integer> counts = new SweeperHandler(s.config(), s.env().resources.clients).sweepOnce();

        assertThat(counts).containsEntry("drainsRequeued", 1).containsEntry("probesRequeued", 0);
        assertThat(queued(s)).containsExactly(DeliveryTask.drain(id));
    }

    @Test
    void run_whenTwoOfThreeHundredSubscriptionsHoldTasks_makesCallsInProportionToTheTwo(AwsBackend backend) {
        Setup s = setup(backend);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add(subscribe(s, "https://hooks.example.com/" + i, false));
        }
        String first = ids.get(17);
        String second = ids.get(230);
        hold(s, first, T0.minus(Duration.ofMinutes(10))); // their DRAINs were lost
        hold(s, second, T0.minus(Duration.ofMinutes(10)));
        WireCounter wire = new WireCounter();
        DynamoDbClient counted = wire.dynamoDb(backend, backend.dynamoDbEndpoint());
        HeldTaskWatchdog watchdog = new HeldTaskWatchdog(
                new SubscriptionStore(counted, s.config().subscriptionsTable()),
                new HoldStore(counted, s.config().eventsTable(), s.config().retention()),
                new TaskQueue(wire.sqs(backend, backend.sqsEndpoint()), s.config().deliveryQueueUrl()), s.clock(),
                s.env().log);
        // The first run on a table also looks once through every subscription for holds written before holding
        // subscriptions were recorded (an upgrade); from then on a run costs what is held.
        watchdog.run();
        queued(s);
        s.clock().advance(Duration.ofMinutes(1));
        wire.reset();

        HeldTaskWatchdog.Result result = watchdog.run();

        assertThat(result.drains()).isEqualTo(2);
        assertThat(queued(s)).containsExactlyInAnyOrder(DeliveryTask.drain(first), DeliveryTask.drain(second));
        List<String> dynamoDbCalls = wire.requests().stream().filter(r -> r.startsWith("DynamoDb.")).toList();
        assertThat(dynamoDbCalls).doesNotContain("DynamoDb.Scan");
        // A few fixed calls (where the last run stopped, the record's partitions) and two per holding subscription
        // (its item, its oldest hold): nothing for the 298 that hold nothing.
        assertThat(dynamoDbCalls).hasSizeLessThanOrEqualTo(8 + 2 * 2);
        assertThat(wire.requests()).filteredOn("Sqs.SendMessage"::equals).hasSize(2);
    }

    @Test
    void handleRequest_whenTheSweepHasNoTimeLeftForTheWatchdog_stopsAndTheNextRunsCarryOnFromThere(
            AwsBackend backend) {
        Setup s = setup(backend);
        Set<DeliveryTask> due = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            String id = subscribe(s, "https://hooks.example.com/" + i, false);
            hold(s, id, Instant.now().minus(Duration.ofMinutes(10)));
            due.add(DeliveryTask.drain(id));
        }
        SweeperHandler sweeper = new SweeperHandler(s.config(), s.env().resources.clients);

        // One second left: less than a check's calls may take, so each run looks at one subscription and stops.
        List<DeliveryTask> drains = new ArrayList<>();
        for (int run = 1; run <= 3; run++) {
            sweeper.handleRequest(new ScheduledEvent(), RemainingTimeContext.of(Duration.ofSeconds(1)));
            List<DeliveryTask> queued = queued(s);
            assertThat(queued).as("run %d", run).hasSize(1);
            drains.addAll(queued);
        }

        assertThat(drains).containsExactlyInAnyOrderElementsOf(due);
    }

    @Test
    void run_whenADisabledSubscriptionIsReEnabledAndItsDrainIsLost_stillFindsItsHolds(AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s, "https://hooks.example.com/gone", false, false);
        hold(s, id, T0.minus(Duration.ofHours(1))); // held while disabled, on purpose

        assertThat(s.watchdog().run().drains()).isZero();
        s.clock().advance(Duration.ofHours(1)); // long past any quiet time: the marker must stay all the same
        assertThat(s.watchdog().run().drains()).isZero();
        assertThat(queued(s)).isEmpty();
        Subscription disabled = s.store().find(id).orElseThrow();
        assertThat(s.store().replace(new Subscription(id, disabled.url(), disabled.eventTypes(), null, true,
                disabled.secrets(), disabled.createdAt(), s.clock().instant(), null, false, null),
                disabled.updatedAt())).isTrue(); // re-enabled; the DRAIN it queues is lost

        HeldTaskWatchdog.Result result = s.watchdog().run();

        assertThat(result.drains()).isEqualTo(1);
        assertThat(queued(s)).containsExactly(DeliveryTask.drain(id));
    }

    @Test
    void run_whenHoldsPredateTheMarkers_findsThemByOneLookThroughEverySubscription(AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s, "https://hooks.example.com/upgraded", false);
        hold(s, id, T0.minus(Duration.ofMinutes(10)));
        subscribe(s, "https://hooks.example.com/nothing-held", false);
        forgetMarkers(s); // held by a version that wrote no markers

        s.watchdog().run(); // finds no marker, then looks through the subscriptions and marks the holding one
        s.clock().advance(Duration.ofMinutes(1));
        HeldTaskWatchdog.Result result = s.watchdog().run();

        assertThat(result.drains()).isEqualTo(1);
        assertThat(result.checked()).isEqualTo(1);
        assertThat(queued(s)).containsExactly(DeliveryTask.drain(id));
    }

    @Test
    void run_whenADrainedSubscriptionsMarkerIsQuiet_removesItAndLooksAtItNoMore(AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s, "https://hooks.example.com/drained", false);
        HoldStore.Held held = s.holds().hold(DeliveryTask.deliver("evt_1", "job.created", id,
                WebhookIds.of("evt_1", id)), T0);
        s.holds().delete(held); // the drain re-queued it

        assertThat(s.watchdog().run().released()).isZero(); // just held: a hold may be on its way
        s.clock().advance(Duration.ofMinutes(11));
        HeldTaskWatchdog.Result quiet = s.watchdog().run();
        s.clock().advance(Duration.ofMinutes(1));
        HeldTaskWatchdog.Result after = s.watchdog().run();

        assertThat(quiet.checked()).isEqualTo(1);
        assertThat(quiet.released()).isEqualTo(1);
        assertThat(after.checked()).isZero();
        assertThat(queued(s)).isEmpty();
    }
}
