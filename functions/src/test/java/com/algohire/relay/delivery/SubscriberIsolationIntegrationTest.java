package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.isolation.Notifier;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.SqsEventRecords;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.testing.ReplyLosingProxy;
import com.algohire.relay.testing.TestResources;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Subscriber isolation end to end on ElasticMQ and moto: the breaker holds (never drops) a failing subscriber's
 * tasks and a probe re-opens or closes it, held tasks drain and survive a pause and a disable, auto-disable is
 * notified over a real SNS topic, health costs one write per subscription per batch, and a slow subscriber's
 * deliveries move to the slow lane so that a healthy one's batch never waits on them.
 */
@ExtendWith(SharedAwsBackend.class)
class SubscriberIsolationIntegrationTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /** One test's relay: its resources, a hand-moved clock, and the handler built on them. */
    private record Relay(DeliveryTestEnvironment env, RelayConfig config, MutableClock clock, DeliveryHandler handler,
                         String slowQueueUrl, String slowQueueArn) {
        SubscriptionStore store() {
            return new SubscriptionStore(env.resources.dynamoDb, config.subscriptionsTable());
        }

        Subscription subscription(String id) {
            return store().find(id).orElseThrow();
        }
    }

    private static Relay relay(AwsBackend backend, Map<String, String> overrides) {
        return relay(backend, overrides, false, null, null);
    }

    private static Relay relay(AwsBackend backend, Map<String, String> overrides, boolean slowLane,
                               DynamoDbClient dynamoDb, Function<StructuredLog, Notifier> notifier) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        Map<String, String> settings = new HashMap<>(overrides);
        String slowUrl = null;
        String slowArn = null;
        if (slowLane) {
            // The slow lane's queue, made here as a second ElasticMQ queue: the config points the relay at it.
            String name = "t-slow-" + UUID.randomUUID().toString().substring(0, 8);
            slowUrl = env.resources.sqs.createQueue(r -> r.queueName(name)).queueUrl();
            String url = slowUrl;
            slowArn = env.resources.sqs.getQueueAttributes(r -> r.queueUrl(url)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
            settings.put(EnvVars.DELIVERY_SLOW_QUEUE_URL, slowUrl);
        } else {
            // One queue for everything, so that a test of the breaker or the hold sees every task on it.
            settings.putAll(TestResources.WITHOUT_SLOW_LANE);
        }
        RelayConfig config = env.config(settings);
        MutableClock clock = new MutableClock(T0);
        DeliveryHandler handler = new DeliveryHandler(config, dynamoDb == null ? env.resources.dynamoDb : dynamoDb,
                env.resources.sqs, env.eventStore(config),
                notifier == null ? Notifier.logOnly(env.log) : notifier.apply(env.log), clock, env.log);
        return new Relay(env, config, clock, handler, slowUrl, slowArn);
    }

    private static String subscribe(Relay r, String url) {
        String id = Subscription.newId();
        r.store().create(new Subscription(id, url, List.of("*"), null, true,
                List.of(new Subscription.SigningSecret(SECRET, null)), T0, T0, null, false, null));
        return id;
    }

    private static String publish(Relay r, String eventType) {
        String eventId = r.env().putEvent(r.config(), eventType, "{\"n\":1}");
        r.env().resources.sqs.sendMessage(m -> m.queueUrl(r.env().queueUrl)
                .messageBody(TaskQueue.toJson(DeliveryTask.fanOut(eventId, eventType))));
        return eventId;
    }

    /** One event-source poll of {@code queueUrl}: receive, invoke with that queue's ARN, delete what succeeded. */
    private static int poll(Relay r, String queueUrl, String queueArn, int waitSeconds) {
        List<Message> messages = r.env().resources.sqs.receiveMessage(m -> m.queueUrl(queueUrl)
                .maxNumberOfMessages(10).waitTimeSeconds(waitSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
        if (messages.isEmpty()) {
            return 0;
        }
        SQSBatchResponse response = r.handler().handleRequest(SqsEventRecords.batch(messages, queueArn,
                r.env().resources.clients.region().id()), null);
        Set<String> failed = response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).collect(Collectors.toSet());
        for (Message m : messages) {
            if (!failed.contains(m.messageId())) {
                r.env().resources.sqs.deleteMessage(d -> d.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
        return messages.size();
    }

    private static int pollMain(Relay r, int waitSeconds) {
        return poll(r, r.env().queueUrl, r.env().resources.names.deliveryQueue().queueArn(), waitSeconds);
    }

    /** Polls the main lane until it stays empty for one long poll. */
    private static void pumpMain(Relay r) {
        while (pollMain(r, 1) > 0) {
            // keep going
        }
    }

    private static List<Map<String, AttributeValue>> held(Relay r, String subscriptionId) {
        return r.env().resources.dynamoDb.query(q -> q.tableName(r.config().eventsTable())
                .keyConditionExpression("pk = :pk").consistentRead(true)
                .expressionAttributeValues(Map.of(":pk",
                        AttributeValue.fromS(RelaySchema.HOLD_PK_PREFIX + subscriptionId)))).items();
    }

    private static List<String> delivered(Relay r, String eventId) {
        return r.env().eventStore(r.config()).deliveryLogs(eventId).stream().map(DeliveryLogEntry::outcome).toList();
    }

    @Test
    void breaker_opensAfterConsecutiveFailures_holdsLaterTasksWithoutAttempts_thenProbeClosesAndHeldTasksDrain(
            AwsBackend backend) {
        Relay r = relay(backend, Map.of(EnvVars.BREAKER_CONSECUTIVE_FAILURES, "3",
                EnvVars.BREAKER_COOLDOWN_SECONDS, "1"));
        AtomicBoolean fixed = new AtomicBoolean();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> WebhookReceiver.Answer.status(
                fixed.get() ? 200 : 503))) {
            String id = subscribe(r, receiver.url());
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                events.add(publish(r, "job.created"));
            }
            pollMain(r, 1); // three fan-outs
            List<Message> deliveries = r.env().receiveBatch(3, Duration.ofSeconds(5));
            assertThat(deliveries).hasSize(3);
            r.env().handleAndSettle(r.handler(), deliveries); // three 503s in one batch

            SubscriptionHealth health = r.subscription(id).health();
            assertThat(health.breaker()).isEqualTo(SubscriptionHealth.Breaker.OPEN);
            assertThat(health.state()).isEqualTo(SubscriptionHealth.State.FAILING);
            assertThat(health.consecutiveFailures()).isEqualTo(3);
            assertThat(health.lastFailure()).isEqualTo("HTTP 503");
            assertThat(r.env().logText()).contains("\"change\":\"BREAKER_OPENED\"")
                    .contains("3 consecutive failures");

            // Later events, and the three retries, are held: no HTTP attempt while the breaker is open.
            for (int i = 0; i < 2; i++) {
                events.add(publish(r, "job.created"));
            }
            fixed.set(true); // the receiver is back, but nobody may know until the probe
            for (int i = 0; i < 4; i++) {
                pollMain(r, 0);
            }
            assertThat(receiver.requests()).hasSize(3);
            assertThat(held(r, id)).hasSize(5);
            assertThat(delivered(r, events.get(4))).isEmpty();

            // The cool-down passes; the PROBE (queued with a 1 s delay) attempts the oldest held task, closes the
            // breaker, and the DRAIN re-queues the rest.
            r.clock().advance(Duration.ofSeconds(2));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!held(r, id).isEmpty() || r.env().depth(r.env().queueUrl) > 0) {
                assertThat(System.nanoTime()).as("held tasks drained in time").isLessThan(deadline);
                pollMain(r, 1);
            }
            assertThat(receiver.requests()).hasSize(3 + 5);
            assertThat(receiver.requests().subList(3, 8).stream().map(q -> q.headers().get("webhook-id"))
                    .distinct()).hasSize(5);
            for (String eventId : events) {
                assertThat(delivered(r, eventId)).contains("DELIVERED");
            }
            assertThat(r.subscription(id).health().breaker()).isEqualTo(SubscriptionHealth.Breaker.CLOSED);
            assertThat(r.env().depth(r.env().dlqUrl)).isZero();
            assertThat(r.env().logText()).contains("\"change\":\"BREAKER_HALF_OPEN\"")
                    .contains("\"change\":\"BREAKER_CLOSED\"");
        }
    }

    @Test
    void probe_whenItFails_reopensWithADoubledCooldownAndKeepsTheTaskHeld(AwsBackend backend) {
        Relay r = relay(backend, Map.of(EnvVars.BREAKER_CONSECUTIVE_FAILURES, "2",
                EnvVars.BREAKER_COOLDOWN_SECONDS, "1", EnvVars.BREAKER_MAX_COOLDOWN_SECONDS, "600"));
        try (WebhookReceiver receiver = WebhookReceiver.answering(500)) {
            String id = subscribe(r, receiver.url());
            publish(r, "job.created");
            publish(r, "job.created");
            pollMain(r, 1);
            r.env().handleAndSettle(r.handler(), r.env().receiveBatch(2, Duration.ofSeconds(5)));
            SubscriptionHealth opened = r.subscription(id).health();
            assertThat(opened.breaker()).isEqualTo(SubscriptionHealth.Breaker.OPEN);
            pollMain(r, 0); // the two retries: held
            assertThat(held(r, id)).hasSize(2);

            r.clock().advance(Duration.ofSeconds(2));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (receiver.requests().size() < 3) {
                assertThat(System.nanoTime()).as("probe attempted in time").isLessThan(deadline);
                pollMain(r, 1);
            }
            SubscriptionHealth reopened = r.subscription(id).health();
            assertThat(reopened.breaker()).isEqualTo(SubscriptionHealth.Breaker.OPEN);
            assertThat(reopened.cooldownSeconds()).isEqualTo(2);
            assertThat(reopened.retryAt()).isEqualTo(r.clock().instant().plusSeconds(2));
            assertThat(r.env().logText()).contains("probe failed (HTTP 500); next probe in 2 s");

            // The probed task was a real attempt, re-queued for its retry; it comes back and is held again.
            pollMain(r, 1);
            pollMain(r, 0);
            assertThat(receiver.requests()).hasSize(3);
            assertThat(held(r, id)).hasSize(2);
            assertThat(r.env().depth(r.env().dlqUrl)).isZero();

            // A PROBE of the first opening that turns up late is told apart by its notBefore, and dropped.
            r.env().resources.sqs.sendMessage(m -> m.queueUrl(r.env().queueUrl).messageBody(TaskQueue.toJson(
                    DeliveryTask.probe(id, opened.retryAt().toString()))));
            pollMain(r, 1);
            assertThat(r.env().logText()).contains("stale probe dropped");
            assertThat(receiver.requests()).hasSize(3);
        }
    }

    @Test
    void heldTasks_surviveAPauseAndADisable_andDrainWhenDeliveryMayResume(AwsBackend backend) {
        Relay r = relay(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(204)) {
            String id = subscribe(r, receiver.url());
            // Paused (the operator's flag on the item): its tasks are held, not attempted, not dropped.
            setPaused(r, id, true);
            String whilePaused = publish(r, "job.created");
            pumpMain(r);
            assertThat(receiver.requests()).isEmpty();
            assertThat(held(r, id)).hasSize(1);
            assertThat(r.env().logText()).contains("\"reason\":\"paused\"");

            // Disabled while a task is in flight (fanned out while active): held too.
            setPaused(r, id, false);
            String whileDisabled = publish(r, "job.created");
            pollMain(r, 1); // fan-out
            assertThat(r.store().disable(r.subscription(id), "operator test", r.clock().instant())).isTrue();
            pumpMain(r);
            assertThat(receiver.requests()).isEmpty();
            assertThat(held(r, id)).hasSize(2);
            assertThat(r.env().logText()).contains("\"reason\":\"disabled\"");

            // A DRAIN while still disabled moves nothing.
            r.env().resources.sqs.sendMessage(m -> m.queueUrl(r.env().queueUrl)
                    .messageBody(TaskQueue.toJson(DeliveryTask.drain(id))));
            pumpMain(r);
            assertThat(held(r, id)).hasSize(2);

            // Re-enabled: the DRAIN (what resume / re-enable queue) delivers both, oldest first.
            r.env().resources.dynamoDb.updateItem(u -> u.tableName(r.config().subscriptionsTable())
                    .key(Map.of(RelaySchema.SUBSCRIPTION_ID, AttributeValue.fromS(id)))
                    .updateExpression("SET active = :t REMOVE disabledReason")
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true))));
            r.env().resources.sqs.sendMessage(m -> m.queueUrl(r.env().queueUrl)
                    .messageBody(TaskQueue.toJson(DeliveryTask.drain(id))));
            pumpMain(r);
            assertThat(held(r, id)).isEmpty();
            assertThat(receiver.requests()).hasSize(2);
            assertThat(delivered(r, whilePaused)).containsExactly("DELIVERED");
            assertThat(delivered(r, whileDisabled)).containsExactly("DELIVERED");
            assertThat(r.env().depth(r.env().dlqUrl)).isZero();
        }
    }

    @Test
    void drain_whenResumedWhileTheBreakerIsOpen_handsOverToAProbeThatClosesItAndDrains(AwsBackend backend) {
        Relay r = relay(backend, Map.of(EnvVars.BREAKER_CONSECUTIVE_FAILURES, "2",
                EnvVars.BREAKER_COOLDOWN_SECONDS, "1"));
        AtomicBoolean fixed = new AtomicBoolean();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> WebhookReceiver.Answer.status(
                fixed.get() ? 200 : 503))) {
            String id = subscribe(r, receiver.url());
            publish(r, "job.created");
            publish(r, "job.created");
            pollMain(r, 1);
            r.env().handleAndSettle(r.handler(), r.env().receiveBatch(2, Duration.ofSeconds(5)));
            assertThat(r.subscription(id).health().breaker()).isEqualTo(SubscriptionHealth.Breaker.OPEN);

            // Paused while open: the PROBE finds it paused and stops; everything stays held.
            setPaused(r, id, true);
            r.clock().advance(Duration.ofSeconds(5));
            for (int i = 0; i < 3; i++) {
                pollMain(r, 1);
            }
            assertThat(receiver.requests()).hasSize(2);
            assertThat(held(r, id)).hasSize(2);
            assertThat(r.env().depth(r.env().queueUrl)).isZero();

            // Resumed: its DRAIN hands over to a probe, whose success closes the breaker and drains the rest.
            fixed.set(true);
            setPaused(r, id, false);
            r.env().resources.sqs.sendMessage(m -> m.queueUrl(r.env().queueUrl)
                    .messageBody(TaskQueue.toJson(DeliveryTask.drain(id))));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!held(r, id).isEmpty() || r.env().depth(r.env().queueUrl) > 0) {
                assertThat(System.nanoTime()).as("drained in time").isLessThan(deadline);
                pollMain(r, 1);
            }
            assertThat(receiver.requests()).hasSize(4);
            assertThat(r.subscription(id).health().breaker()).isEqualTo(SubscriptionHealth.Breaker.CLOSED);
            assertThat(r.env().logText()).contains("drain handed to the breaker's probe");
        }
    }

    private static void setPaused(Relay r, String id, boolean paused) {
        r.env().resources.dynamoDb.updateItem(u -> u.tableName(r.config().subscriptionsTable())
                .key(Map.of(RelaySchema.SUBSCRIPTION_ID, AttributeValue.fromS(id)))
                .updateExpression("SET paused = :p").expressionAttributeValues(Map.of(":p",
                        AttributeValue.fromBool(paused))));
    }

    @Test
    void autoDisable_afterDisableAfterOfContinuousFailure_disablesWithReasonAndNotifiesTheSnsTopic(
            AwsBackend backend) throws Exception {
        SnsClient sns = TestResources.clients(backend).sns();
        try (WebhookReceiver failing = WebhookReceiver.answering(503);
             WebhookReceiver operator = WebhookReceiver.answering(200)) {
            String topicArn = sns.createTopic(t -> t.name("t-notify-" + UUID.randomUUID().toString()
                    .substring(0, 8))).topicArn();
            // moto delivers an HTTP subscription's messages to its endpoint: the operator's inbox here.
            sns.subscribe(s -> s.topicArn(topicArn).protocol("http").endpoint(operator.url()));
            Relay notifying = relay(backend, Map.of(EnvVars.DISABLE_AFTER_HOURS, "1",
                    EnvVars.BREAKER_CONSECUTIVE_FAILURES, "100"), false, null,
                    log -> new Notifier(sns, topicArn, log));
            String id = subscribe(notifying, failing.url());
            publish(notifying, "job.created");
            pollMain(notifying, 1); // fan-out
            pollMain(notifying, 1); // 503 at T0: failing since T0
            assertThat(notifying.subscription(id).health().failingSince()).isEqualTo(T0);
            assertThat(notifying.subscription(id).active()).isTrue();

            notifying.clock().advance(Duration.ofMinutes(61));
            pollMain(notifying, 1); // the retry: 503 again, 61 min after the first failure
            Subscription disabled = notifying.subscription(id);
            assertThat(disabled.active()).isFalse();
            assertThat(disabled.disabledReason()).isEqualTo("failing continuously since " + T0 + " (1 h)");

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (operator.requests().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(operator.requests()).hasSize(1);
            JsonNode envelope = Json.mapper().readTree(operator.requests().get(0).body());
            JsonNode notice = Json.mapper().readTree(envelope.get("Message").asText());
            assertThat(notice.get("subscriptionId").asText()).isEqualTo(id);
            assertThat(notice.get("change").asText()).isEqualTo("DISABLED");
            assertThat(notice.get("to").asText()).isEqualTo("disabled");
            assertThat(notice.get("lastStatus").asText()).isEqualTo("HTTP 503");
            assertThat(notice.get("lastResponse").asText()).isEqualTo("answer 503");
            assertThat(notice.get("actor").asText()).isEqualTo("relay");

            // Its retry is held for recover / re-enable, not dropped.
            pumpMain(notifying);
            assertThat(held(notifying, id)).hasSize(1);
            assertThat(failing.requests()).hasSize(2);
        }
    }

    @Test
    void autoDisable_thenDaysOfEvents_areHeld_andReEnablingDeliversThemAllWithoutARecover(AwsBackend backend)
            throws Exception {
        Relay r = relay(backend, Map.of(EnvVars.DISABLE_AFTER_HOURS, "1", EnvVars.BREAKER_CONSECUTIVE_FAILURES,
                "100"));
        AtomicBoolean back = new AtomicBoolean();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> WebhookReceiver.Answer.status(
                back.get() ? 200 : 503))) {
            String id = subscribe(r, receiver.url());
            String first = publish(r, "job.created");
            pollMain(r, 1); // fan-out
            pollMain(r, 1); // 503 at T0
            r.clock().advance(Duration.ofMinutes(61));
            pollMain(r, 1); // the retry: 503 again, disabled
            pumpMain(r); // its next retry is held
            assertThat(r.subscription(id).active()).isFalse();
            // Five days of events while the receiver is down and the subscription disabled.
            List<String> meanwhile = new ArrayList<>();
            for (int day = 1; day <= 5; day++) {
                r.clock().advance(Duration.ofDays(1));
                meanwhile.add(publish(r, "job.created"));
                pumpMain(r);
            }
            assertThat(receiver.requests()).hasSize(2);
            assertThat(held(r, id)).hasSize(6);

            back.set(true);
            patch(r, id, "{\"active\":true}");
            pumpMain(r);
            assertThat(held(r, id)).isEmpty();
            List<String> expected = new ArrayList<>(List.of(first, first, first));
            expected.addAll(meanwhile);
            assertThat(receiver.requests()).extracting(SubscriberIsolationIntegrationTest::eventIdOf)
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(r.env().depth(r.env().dlqUrl)).isZero();
        }
    }

    @Test
    void deliver_when410_disablesAtOnceThroughTheTransitionPath_andHoldsTheNextTask(AwsBackend backend)
            throws Exception {
        Relay r = relay(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(410)) {
            String id = subscribe(r, receiver.url());
            String eventId = publish(r, "job.created");
            pollMain(r, 1); // fan-out
            pollMain(r, 1); // 410
            assertThat(r.subscription(id).active()).isFalse();
            assertThat(delivered(r, eventId)).containsExactly("DISABLED");
            JsonNode notice = r.env().logText().lines().map(SubscriberIsolationIntegrationTest::json)
                    .filter(line -> "DISABLED".equals(line.path("change").asText())).findFirst().orElseThrow();
            assertThat(notice.get("subscriptionId").asText()).isEqualTo(id);
            assertThat(notice.get("reason").asText()).isEqualTo("receiver answered 410 Gone");
            assertThat(notice.get("lastStatus").asText()).isEqualTo("HTTP 410");
            assertThat(notice.get("lastResponse").asText()).isEqualTo("answer 410");
            assertThat(notice.get("from").asText()).isEqualTo("healthy");
            assertThat(notice.get("actor").asText()).isEqualTo("relay");

            r.env().resources.sqs.sendMessage(m -> m.queueUrl(r.env().queueUrl).messageBody(TaskQueue.toJson(
                    DeliveryTask.deliver(eventId, "job.created", id, "msg_after_410"))));
            pumpMain(r);
            assertThat(receiver.requests()).hasSize(1);
            // The task that got the 410 is held too (with that attempt counted), not deleted.
            assertThat(held(r, id)).hasSize(2);
        }
    }

    @Test
    void fanOut_whileDisabledByAnOperator_holdsEveryMatchingEvent_andReEnablingDeliversThemOldestFirst(
            AwsBackend backend) throws Exception {
        Relay r = relay(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(204)) {
            String id = subscribe(r, receiver.url());
            patch(r, id, "{\"active\":false}");
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                events.add(publish(r, "job.created"));
                r.clock().advance(Duration.ofSeconds(1));
                pumpMain(r);
            }
            assertThat(receiver.requests()).isEmpty();
            // Held oldest first, the order in which the drain re-queues them.
            assertThat(held(r, id)).extracting(item -> TaskQueue.fromJson(item.get("task").s()).eventId())
                    .containsExactlyElementsOf(events);
            for (String eventId : events) {
                assertThat(state(r, eventId)).isEqualTo("held");
            }

            patch(r, id, "{\"active\":true}"); // queues the DRAIN
            pumpMain(r);
            assertThat(held(r, id)).isEmpty();
            assertThat(receiver.requests()).extracting(SubscriberIsolationIntegrationTest::eventIdOf)
                    .containsExactlyInAnyOrderElementsOf(events);
            assertThat(r.env().depth(r.env().dlqUrl)).isZero();
        }
    }

    @Test
    void deliver_when410_holdsThatTaskAndEveryLaterEvent_andReEnablingDeliversThemAllOldestFirst(AwsBackend backend)
            throws Exception {
        Relay r = relay(backend, Map.of());
        AtomicBoolean back = new AtomicBoolean();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> WebhookReceiver.Answer.status(
                back.get() ? 200 : 410))) {
            String id = subscribe(r, receiver.url());
            String gone = publish(r, "job.created");
            pumpMain(r); // fan-out, then the 410
            assertThat(r.subscription(id).active()).isFalse();
            r.clock().advance(Duration.ofSeconds(1));
            String later = publish(r, "job.created");
            pumpMain(r);
            assertThat(receiver.requests()).hasSize(1);
            assertThat(held(r, id)).extracting(item -> TaskQueue.fromJson(item.get("task").s()).eventId())
                    .containsExactly(gone, later);
            assertThat(state(r, gone)).isEqualTo("held");

            back.set(true);
            patch(r, id, "{\"active\":true}");
            pumpMain(r);
            assertThat(held(r, id)).isEmpty();
            assertThat(receiver.requests()).extracting(SubscriberIsolationIntegrationTest::eventIdOf)
                    .containsExactlyInAnyOrder(gone, gone, later);
            assertThat(delivered(r, gone)).containsExactly("DISABLED", "DELIVERED");
            assertThat(delivered(r, later)).containsExactly("DELIVERED");
            // The 410 was attempt 1; the delivery after the re-enable is attempt 2 of the same webhook.
            assertThat(r.env().eventStore(r.config()).deliveryLogs(gone)).extracting(DeliveryLogEntry::attempt)
                    .containsExactly(1, 2);
        }
    }

    private static String state(Relay r, String eventId) {
        return new com.algohire.relay.event.DeliveryStates(r.env().resources.dynamoDb, r.config().eventsTable(),
                r.config().retention(), r.env().log).find(eventId).state();
    }

    private static String eventIdOf(WebhookReceiver.Received request) {
        return json(request.body()).get("id").asText();
    }

    /** PATCH /api/v1/subscriptions/{id} through the management API, as an operator re-enables or disables. */
    private static void patch(Relay r, String id, String body) throws Exception {
        com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent response =
                new com.algohire.relay.api.ManagementApiHandler(r.config(), r.env().resources.clients).handleRequest(
                        new com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent()
                                .withHttpMethod("PATCH").withPath("/api/v1/subscriptions/" + id)
                                .withPathParameters(Map.of("subscriptionId", id))
                                .withHeaders(Map.of("Content-Type", "application/json")).withBody(body), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
    }

    private static JsonNode json(String line) {
        try {
            return Json.mapper().readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void healthWrite_whoseReplyIsLostAfterItCommitted_countsTheBatchOnce(AwsBackend backend) {
        // The proxy lets moto commit the end-of-batch health write and drops its reply: the SDK retries it, the
        // retry is refused (the version moved), and the tracker must recognise its own write, not fold again.
        try (ReplyLosingProxy proxy = ReplyLosingProxy.to(backend.dynamoDbEndpoint())
                .loseReply("DynamoDB_20120810.UpdateItem", body -> body.contains("healthVersion"), 1)) {
            DynamoDbClient throughProxy = new AwsClients(backend.region(), backend.credentials(),
                    backend.sqsEndpoint(), proxy.endpoint(), backend.s3Endpoint()).dynamoDb();
            Relay r = relay(backend, Map.of(), false, throughProxy, null);
            try (WebhookReceiver receiver = WebhookReceiver.answering(503)) {
                String id = subscribe(r, receiver.url());
                for (int i = 0; i < 2; i++) {
                    publish(r, "job.created");
                }
                pumpFanOuts(r, 2);
                r.env().handleAndSettle(r.handler(), r.env().receiveBatch(2, Duration.ofSeconds(5)));

                assertThat(proxy.seen()).filteredOn(ReplyLosingProxy.Seen::replyLost).hasSize(1);
                SubscriptionHealth health = r.subscription(id).health();
                assertThat(receiver.requests()).hasSize(2);
                assertThat(health.consecutiveFailures()).isEqualTo(2); // not 4
                assertThat(health.windowAttempts()).isEqualTo(2);
                assertThat(health.version()).isEqualTo(1);
            }
        }
    }

    @Test
    void healthWrites_atMostOnePerSubscriptionPerBatch_countedOnTheWire(AwsBackend backend) {
        AtomicInteger subscriptionUpdates = new AtomicInteger();
        List<String> tables = new ArrayList<>();
        ExecutionInterceptor counter = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof UpdateItemRequest update && tables.contains(update.tableName())) {
                    subscriptionUpdates.incrementAndGet();
                }
            }
        };
        DynamoDbClient counted = DynamoDbClient.builder().region(backend.region())
                .credentialsProvider(backend.credentials()).endpointOverride(backend.dynamoDbEndpoint())
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.addExecutionInterceptor(counter)).build();
        Relay r = relay(backend, Map.of(), false, counted, null);
        tables.add(r.config().subscriptionsTable());
        try (WebhookReceiver ok = WebhookReceiver.answering(200);
             WebhookReceiver flaky = new WebhookReceiver(n -> WebhookReceiver.Answer.status(n % 2 == 0 ? 200 : 500))) {
            String a = subscribe(r, ok.url());
            String b = subscribe(r, flaky.url());
            for (int i = 0; i < 5; i++) {
                publish(r, "job.created");
            }
            pumpFanOuts(r, 5);
            List<Message> batch = r.env().receiveBatch(10, Duration.ofSeconds(5));
            assertThat(batch).hasSize(10);
            subscriptionUpdates.set(0);
            r.handler().handleRequest(r.env().batchOf(batch), null);

            assertThat(ok.requests()).hasSize(5);
            assertThat(flaky.requests()).hasSize(5);
            assertThat(subscriptionUpdates.get()).isEqualTo(2); // one health write each, not one per attempt
            assertThat(r.subscription(a).health().version()).isEqualTo(1);
            assertThat(r.subscription(a).health().windowAttempts()).isEqualTo(5);
            assertThat(r.subscription(b).health().version()).isEqualTo(1);
            assertThat(r.subscription(b).health().windowAttempts()).isEqualTo(5);
            assertThat(r.subscription(b).health().lastFailure()).isEqualTo("HTTP 500");
            // The operator's version is untouched by health writes.
            assertThat(r.subscription(a).updatedAt()).isEqualTo(T0);
        }
    }

    @Test
    void healthWrite_whenAnotherWriterBumpedTheVersionMidBatch_reReadsAndReFoldsInsteadOfOverwriting(
            AwsBackend backend) {
        AtomicBoolean bumped = new AtomicBoolean();
        Relay[] relay = new Relay[1];
        String[] id = new String[1];
        try (WebhookReceiver receiver = new WebhookReceiver(n -> {
            // Another writer (e.g. a concurrent batch) stores health version 1 while this attempt is in flight.
            relay[0].env().resources.dynamoDb.updateItem(u -> u.tableName(relay[0].config().subscriptionsTable())
                    .key(Map.of(RelaySchema.SUBSCRIPTION_ID, AttributeValue.fromS(id[0])))
                    .updateExpression("SET healthVersion = :one, health = :h")
                    .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                            ":h", com.algohire.relay.subscription.SubscriptionHealthItems.toAttribute(
                                    new SubscriptionHealth(SubscriptionHealth.State.HEALTHY,
                                            SubscriptionHealth.Breaker.CLOSED, 0, null, T0, null, null, null,
                                            List.of(new SubscriptionHealth.Bucket(T0.getEpochSecond(), 7, 0)),
                                            50L, null, null, null, 0, 1)))));
            bumped.set(true);
            return WebhookReceiver.Answer.status(503);
        })) {
            relay[0] = relay(backend, Map.of());
            Relay r = relay[0];
            id[0] = subscribe(r, receiver.url());
            publish(r, "job.created");
            pollMain(r, 1);
            pollMain(r, 1);

            assertThat(bumped).isTrue();
            SubscriptionHealth h = r.subscription(id[0]).health();
            assertThat(h.version()).isEqualTo(2); // written on top of the other writer's version 1
            assertThat(h.window()).containsExactly(new SubscriptionHealth.Bucket(T0.getEpochSecond(), 7, 1));
            assertThat(h.lastSuccessAt()).isEqualTo(T0); // the other writer's facts kept
            assertThat(h.lastFailure()).isEqualTo("HTTP 503"); // and this batch's folded in
        }
    }

    @Test
    void healthWrite_mockitoInjectedDynamoDbFault_isLoggedAndNeverFailsTheBatch(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        DynamoDbClient dynamoDb = org.mockito.Mockito.spy(env.resources.dynamoDb);
        // The one write a server will not fail on cue: the end-of-batch health write.
        org.mockito.Mockito.doThrow(software.amazon.awssdk.core.exception.SdkClientException.create("injected"))
                .when(dynamoDb).updateItem(org.mockito.ArgumentMatchers.<UpdateItemRequest>argThat(u -> u != null
                        && u.updateExpression().contains("#health")));
        RelayConfig config = env.config(TestResources.WITHOUT_SLOW_LANE);
        MutableClock clock = new MutableClock(T0);
        Relay r = new Relay(env, config, clock, new DeliveryHandler(config, dynamoDb, env.resources.sqs,
                env.eventStore(config), Notifier.logOnly(env.log), clock, env.log), null, null);
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            String id = subscribe(r, receiver.url());
            String eventId = publish(r, "job.created");
            pollMain(r, 1);
            List<Message> batch = r.env().receiveBatch(1, Duration.ofSeconds(5));
            assertThat(r.handler().handleRequest(r.env().batchOf(batch), null).getBatchItemFailures()).isEmpty();
            assertThat(delivered(r, eventId)).containsExactly("DELIVERED");
            assertThat(r.subscription(id).health().version()).isZero();
            assertThat(r.env().logText()).contains("subscription health update failed");
        }
    }

    @Test
    void drain_ofMoreThanOnePage_requeuesAPageAtATimeAndQueuesTheNextDrain(AwsBackend backend) {
        Relay r = relay(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            String id = subscribe(r, receiver.url());
            setPaused(r, id, true);
            for (int i = 0; i < 30; i++) {
                publish(r, "job.created");
            }
            pumpMain(r);
            assertThat(held(r, id)).hasSize(30);
            assertThat(receiver.requests()).isEmpty();

            setPaused(r, id, false);
            r.env().resources.sqs.sendMessage(m -> m.queueUrl(r.env().queueUrl)
                    .messageBody(TaskQueue.toJson(DeliveryTask.drain(id))));
            List<Message> drain = r.env().receiveBatch(1, Duration.ofSeconds(5));
            r.handler().handleRequest(r.env().batchOf(drain), null);
            r.env().resources.sqs.deleteMessage(d -> d.queueUrl(r.env().queueUrl)
                    .receiptHandle(drain.get(0).receiptHandle()));
            assertThat(held(r, id)).hasSize(30 - 25); // one page re-queued ...
            assertThat(r.env().depth(r.env().queueUrl) - r.env().delayed(r.env().queueUrl)).isEqualTo(25);
            assertThat(r.env().delayed(r.env().queueUrl)).isEqualTo(1); // ... and the next DRAIN, delayed

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (receiver.requests().size() < 30) {
                assertThat(System.nanoTime()).as("all held tasks delivered in time").isLessThan(deadline);
                pollMain(r, 1);
            }
            assertThat(held(r, id)).isEmpty();
            assertThat(receiver.requests().stream().map(q -> q.headers().get("webhook-id")).distinct()).hasSize(30);
        }
    }

    /** Runs the fan-outs of {@code count} events (which the first receives may return only some of). */
    private static void pumpFanOuts(Relay r, int count) {
        List<Message> fanOuts = r.env().receiveBatch(count, Duration.ofSeconds(5));
        assertThat(fanOuts).hasSize(count);
        r.handler().handleRequest(r.env().batchOf(fanOuts), null);
        fanOuts.forEach(m -> r.env().resources.sqs.deleteMessage(d -> d.queueUrl(r.env().queueUrl)
                .receiptHandle(m.receiptHandle())));
    }

    @Test
    void slowSubscriber_becomesDegradedAndMovesToTheSlowLane_soAHealthyBatchNeverWaitsOnIt(AwsBackend backend) {
        Relay r = relay(backend, Map.of(EnvVars.SLOW_LATENCY_MS, "300"), true, null, null);
        try (WebhookReceiver fast = WebhookReceiver.answering(200);
             WebhookReceiver slow = new WebhookReceiver(n -> new WebhookReceiver.Answer(200, 1500, Map.of()))) {
            String fastId = subscribe(r, fast.url());
            String slowId = subscribe(r, slow.url());

            // Both healthy: one batch holds both, and lasts as long as the slow one.
            publish(r, "job.created");
            pollMain(r, 1);
            pollMain(r, 1);
            assertThat(r.subscription(slowId).health().state()).isEqualTo(SubscriptionHealth.State.DEGRADED);
            assertThat(r.subscription(fastId).health().state()).isEqualTo(SubscriptionHealth.State.HEALTHY);
            assertThat(r.env().logText()).contains("\"change\":\"DEGRADED\"");

            // Now the fan-out sends the slow subscriber's tasks to the slow lane.
            for (int i = 0; i < 3; i++) {
                publish(r, "job.created");
            }
            pumpFanOuts(r, 3);
            List<Message> mainBatch = r.env().receiveBatch(3, Duration.ofSeconds(5));
            assertThat(mainBatch).extracting(m -> TaskQueue.fromJson(m.body()).subscriptionId())
                    .containsOnly(fastId).hasSize(3);
            // The healthy batch holds no slow-lane task, so it waits on no slow receiver (structurally, not by a
            // timing that a loaded machine could break: the bench measures the latency).
            int slowBefore = slow.requests().size();
            r.handler().handleRequest(r.env().batchOf(mainBatch), null);
            assertThat(slow.requests()).as("the slow receiver was not called by the healthy batch")
                    .hasSize(slowBefore);
            assertThat(fast.requests()).hasSize(4);
            assertThat(r.env().depth(r.slowQueueUrl())).isEqualTo(3);

            // A task of the slow subscriber that still arrives on the main lane is forwarded, unattempted.
            r.env().resources.sqs.sendMessage(m -> m.queueUrl(r.env().queueUrl).messageBody(TaskQueue.toJson(
                    DeliveryTask.deliver("evt_x", "job.created", slowId, "msg_forwarded"))));
            pumpMain(r);
            assertThat(slow.requests()).hasSize(1);
            assertThat(r.env().depth(r.slowQueueUrl())).isEqualTo(4);
            assertThat(r.env().logText()).contains("delivery forwarded to the slow lane");

            // The slow lane delivers them (the forwarded one names no stored event: dropped there).
            while (poll(r, r.slowQueueUrl(), r.slowQueueArn(), 1) > 0) {
                // keep going
            }
            assertThat(slow.requests()).hasSize(4);
        }
    }
}
