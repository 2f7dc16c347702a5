package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.testing.MutableClock;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * The attempt budget is counted in the task: exactly MAX_RETRY_ATTEMPTS + 1 HTTP attempts, whatever SQS's receive
 * count says; receives that make no attempt (throttling, a notBefore deferral) spend nothing; a poison message
 * still ends in the DLQ through the queue's redrive policy; a redriven task starts a fresh budget.
 */
@ExtendWith(SharedAwsBackend.class)
class DeliveryBudgetIntegrationTest {

    private record Setup(DeliveryTestEnvironment env, RelayConfig config, DeliveryHandler handler,
                         ManagementApiHandler management) {
        DeliveryHandler handler(SqsClient sqs, Clock clock) {
            return new DeliveryHandler(config, env.resources.dynamoDb, sqs, env.eventStore(config), clock, env.log);
        }
    }

    private static Setup setup(AwsBackend backend, Map<String, String> overrides, Clock clock) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        // One queue: a subscription failing three times in a row is DEGRADED and would retry on the slow lane;
        // the budget is the same on either (DeliveryHandlerIntegrationTest follows a task across both).
        Map<String, String> settings = new java.util.HashMap<>(TestResources.WITHOUT_SLOW_LANE);
        settings.putAll(overrides);
        RelayConfig config = env.config(settings);
        DeliveryHandler handler = new DeliveryHandler(config, env.resources.dynamoDb, env.resources.sqs,
                env.eventStore(config), clock, env.log);
        return new Setup(env, config, handler, new ManagementApiHandler(config, env.resources.clients));
    }

    private static Setup setup(AwsBackend backend, Map<String, String> overrides) {
        return setup(backend, overrides, Clock.systemUTC());
    }

    private static JsonNode call(Setup s, String method, String path, String body) throws Exception {
        APIGatewayProxyResponseEvent response = s.management().handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod(method).withPath(path).withHeaders(Map.of("Content-Type", "application/json"))
                .withBody(body), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isLessThan(300);
        return Json.mapper().readTree(response.getBody());
    }

    private static String subscribe(Setup s, String url) throws Exception {
        return call(s, "POST", "/api/v1/subscriptions", "{\"url\":\"" + url + "\",\"eventTypes\":[\"*\"]}")
                .get("subscription").get("subscriptionId").asText();
    }

    /** An event and its FAN_OUT, already fanned out: the queue holds its one DELIVER task. */
    private static String publishAndFanOut(Setup s) {
        String eventId = s.env().putEvent(s.config(), "job.created", "{\"jobId\":\"j-1\"}");
        s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl)
                .messageBody(TaskQueue.toJson(DeliveryTask.fanOut(eventId, "job.created"))));
        assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty();
        return eventId;
    }

    private static List<DeliveryLogEntry> logs(Setup s, String eventId) {
        return s.env().eventStore(s.config()).deliveryLogs(eventId);
    }

    /** Polls until the DLQ holds a message (or {@code polls} polls were made); returns the polls made. */
    private static int pollUntilDeadLettered(Setup s, DeliveryHandler handler, int polls) {
        int made = 0;
        while (made < polls && s.env().depth(s.env().dlqUrl) == 0) {
            s.env().poll(handler, 1);
            made++;
        }
        return made;
    }

    private static List<Message> dlqMessages(Setup s) {
        return s.env().resources.sqs.receiveMessage(r -> r.queueUrl(s.env().dlqUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(1).visibilityTimeout(0)).messages();
    }

    @Test
    void deliver_whenReceiverAlwaysFails_makesExactlyMaxRetryAttemptsPlusOneThenParksTheTaskWithLastError(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "3"));
        try (WebhookReceiver receiver = WebhookReceiver.answering(503)) {
            String subscriptionId = subscribe(s, receiver.url());
            String eventId = publishAndFanOut(s);

            pollUntilDeadLettered(s, s.handler(), 10);

            assertThat(receiver.requests()).hasSize(4);
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::outcome)
                    .containsExactly(tuple(1, "RETRYING"), tuple(2, "RETRYING"), tuple(3, "RETRYING"),
                            tuple(4, "FAILED"));
            List<Message> parked = dlqMessages(s);
            assertThat(parked).hasSize(1);
            DeliveryTask task = TaskQueue.fromJson(parked.getFirst().body());
            assertThat(task.kind()).isEqualTo(DeliveryTask.Kind.DELIVER);
            assertThat(task.webhookId()).isEqualTo(WebhookIds.of(eventId, subscriptionId));
            assertThat(task.lastError()).isEqualTo("HTTP 503: answer 503");
            assertThat(task.attempts()).as("a redrive starts a fresh budget").isNull();
            assertThat(task.notBefore()).isNull();
            assertThat(s.env().depth(s.env().queueUrl)).isZero();
        }
    }

    /**
     * A 503 whose body holds what SQS's message text may not (U+FFFF, U+FFFE, NUL), bytes that are not UTF-8 (a
     * stray continuation byte, an over-long form, a lone surrogate encoded as CESU-8 does), each once.
     */
    static byte[] hostileBody() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("bad:".getBytes(StandardCharsets.UTF_8));
        out.writeBytes("\uFFFF|\uFFFE|\u0000|".getBytes(StandardCharsets.UTF_8));
        out.writeBytes(new byte[] {(byte) 0x80, '|', (byte) 0xC0, (byte) 0xAF, '|', (byte) 0xED, (byte) 0xA0,
                (byte) 0x80, '|', (byte) 0xFF});
        out.writeBytes(":end".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void deliver_whenErrorBodyHoldsCharactersSqsRefuses_numbersAttemptsOneToBudgetThenParksExactlyOneTask(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "3"));
        try (WebhookReceiver receiver = new WebhookReceiver(n -> new WebhookReceiver.Answer(503, 0, Map.of(),
                hostileBody()))) {
            String subscriptionId = subscribe(s, receiver.url());
            String eventId = publishAndFanOut(s);

            pollUntilDeadLettered(s, s.handler(), 10);

            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::outcome)
                    .containsExactly(tuple(1, "RETRYING"), tuple(2, "RETRYING"), tuple(3, "RETRYING"),
                            tuple(4, "FAILED"));
            assertThat(receiver.requests()).hasSize(4);
            List<Message> parked = dlqMessages(s);
            assertThat(parked).hasSize(1);
            String lastError = TaskQueue.fromJson(parked.getFirst().body()).lastError();
            assertThat(lastError).startsWith("HTTP 503: bad:").endsWith(":end").contains("\uFFFD")
                    .doesNotContain("\uFFFF", "\uFFFE", "\u0000");
            String body = lastError.substring("HTTP 503: ".length());
            assertThat(logs(s, eventId).getFirst().responseBody()).isEqualTo(body);
            String snippet = new SubscriptionStore(s.env().resources.dynamoDb,
                    s.config().subscriptionsTable()).find(subscriptionId).orElseThrow().health().lastResponseSnippet();
            assertThat(snippet).isEqualTo(body);
            assertThat(s.env().depth(s.env().queueUrl)).isZero();
            assertThat(s.env().depth(s.env().dlqUrl)).as("one parked copy, no more").isEqualTo(1);
        }
    }

    @Test
    void deliver_whenLambdaWasThrottledSeveralTimes_stillMakesAttemptOneAndTheFullBudget(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "2"));
        try (WebhookReceiver receiver = WebhookReceiver.answering(500)) {
            subscribe(s, receiver.url());
            String eventId = publishAndFanOut(s);
            // Throttled invocations: the event source received the batch, the function never ran, the messages'
            // visibility lapsed. Five receives, no attempt.
            for (int i = 0; i < 5; i++) {
                assertThat(s.env().resources.sqs.receiveMessage(r -> r.queueUrl(s.env().queueUrl)
                        .waitTimeSeconds(1).visibilityTimeout(0)).messages()).hasSize(1);
            }
            List<Message> batch = s.env().receiveBatch(1, Duration.ofSeconds(5));
            assertThat(batch.getFirst().attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .isEqualTo("6");

            assertThat(s.handler().handleRequest(s.env().batchOf(batch), null).getBatchItemFailures()).isEmpty();
            s.env().resources.sqs.deleteMessage(r -> r.queueUrl(s.env().queueUrl)
                    .receiptHandle(batch.getFirst().receiptHandle()));
            pollUntilDeadLettered(s, s.handler(), 10);

            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::outcome)
                    .containsExactly(tuple(1, "RETRYING"), tuple(2, "RETRYING"), tuple(3, "FAILED"));
            assertThat(receiver.requests()).hasSize(3);
            assertThat(s.env().depth(s.env().dlqUrl)).isEqualTo(1);
        }
    }

    @Test
    void deliver_whenTaskArrivesBeforeItsNotBefore_defersItWithoutAnAttemptAndAttemptsItWhenDue(AwsBackend backend)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        Setup s = setup(backend, Map.of(), clock);
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            String subscriptionId = subscribe(s, receiver.url());
            String eventId = s.env().putEvent(s.config(), "job.created", "{}");
            // Attempt 1 failed with a one-hour backoff: SQS delayed the message 15 minutes, so it arrives early.
            DeliveryTask early = DeliveryTask.deliver(eventId, "job.created", subscriptionId,
                    WebhookIds.of(eventId, subscriptionId))
                    .afterAttempt(EventItems.timestamp(clock.instant().plus(Duration.ofHours(1))), "HTTP 503");
            s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl).messageBody(TaskQueue.toJson(early)));
            List<Message> batch = s.env().receiveBatch(1, Duration.ofSeconds(5));

            SQSBatchResponse response = s.handler().handleRequest(s.env().batchOf(batch), null);

            assertThat(response.getBatchItemFailures()).hasSize(1);
            assertThat(receiver.requests()).isEmpty();
            assertThat(logs(s, eventId)).isEmpty();
            assertThat(s.env().logText()).contains("delivery deferred until its notBefore")
                    .contains("\"deferSeconds\":3600");
            assertThat(s.env().pollReceived(s.handler(), 1)).as("hidden until its notBefore").isZero();

            // An hour later (the test moves the clock and makes the message visible rather than waiting).
            clock.advance(Duration.ofHours(1));
            s.env().resources.sqs.changeMessageVisibility(r -> r.queueUrl(s.env().queueUrl)
                    .receiptHandle(batch.getFirst().receiptHandle()).visibilityTimeout(0));
            assertThat(s.env().poll(s.handler(), 2).getBatchItemFailures()).isEmpty();

            assertThat(receiver.requests()).hasSize(1);
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::outcome)
                    .as("the deferral spent no attempt: this is attempt 2").containsExactly(tuple(2, "DELIVERED"));
        }
    }

    @Test
    void deliver_whenNotBeforeIsBeyondTheReceiveWindow_defersOnlyAsFarAsSqsAllows(AwsBackend backend)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        Setup s = setup(backend, Map.of(), clock);
        String eventId = s.env().putEvent(s.config(), "job.created", "{}");
        DeliveryTask farOff = DeliveryTask.deliver(eventId, "job.created", "sub_x", "msg_x")
                .afterAttempt(EventItems.timestamp(clock.instant().plus(Duration.ofDays(2))), "TIMEOUT");
        s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl).messageBody(TaskQueue.toJson(farOff)));

        assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).hasSize(1);

        long window = RetryPolicy.MAX_VISIBILITY.minus(RetryPolicy.RECEIVE_MARGIN).toSeconds();
        assertThat(s.env().logText()).contains("\"deferSeconds\":" + window);
        assertThat(s.env().depth(s.env().queueUrl)).isEqualTo(1);
    }

    @Test
    void handleRequest_whenMessageIsPoison_failsOnEveryReceiveUntilTheRedrivePolicyMovesItToTheDlq(
            AwsBackend backend) {
        Setup s = setup(backend, Map.of());
        s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl).messageBody("{\"kind\":"));
        int handled = 0;
        for (int i = 0; i < RelaySchema.DELIVERY.maxReceiveCount() + 5 && s.env().depth(s.env().dlqUrl) == 0; i++) {
            List<Message> batch = s.env().resources.sqs.receiveMessage(r -> r.queueUrl(s.env().queueUrl)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (batch.isEmpty()) {
                continue;
            }
            handled++;
            assertThat(s.handler().handleRequest(s.env().batchOf(batch), null).getBatchItemFailures()).hasSize(1);
            // The crash's visibility timeout passing, without the test waiting 180 s for it.
            s.env().resources.sqs.changeMessageVisibility(r -> r.queueUrl(s.env().queueUrl)
                    .receiptHandle(batch.getFirst().receiptHandle()).visibilityTimeout(0));
        }

        assertThat(handled).isEqualTo(RelaySchema.DELIVERY_MAX_RECEIVE_COUNT);
        assertThat(s.env().depth(s.env().dlqUrl)).isEqualTo(1);
        assertThat(s.env().depth(s.env().queueUrl)).isZero();
        assertThat(dlqMessages(s).getFirst().body()).isEqualTo("{\"kind\":");
    }

    @Test
    void redrive_whenTaskSpentItsBudget_givesItAFullBudgetAgain(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "1"));
        try (WebhookReceiver receiver = WebhookReceiver.answering(502)) {
            subscribe(s, receiver.url());
            String eventId = publishAndFanOut(s);
            pollUntilDeadLettered(s, s.handler(), 6);
            assertThat(receiver.requests()).hasSize(2);

            call(s, "POST", "/api/v1/dlq/redrive", null);
            long deadline = System.currentTimeMillis() + 10_000;
            while (s.env().depth(s.env().queueUrl) == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(s.env().depth(s.env().dlqUrl)).isZero();
            pollUntilDeadLettered(s, s.handler(), 6);

            assertThat(receiver.requests()).as("two attempts before the redrive, two after").hasSize(4);
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::outcome)
                    .containsExactly(tuple(1, "RETRYING"), tuple(2, "FAILED"), tuple(1, "RETRYING"),
                            tuple(2, "FAILED"));
            assertThat(TaskQueue.fromJson(dlqMessages(s).getFirst().body()).lastError())
                    .isEqualTo("HTTP 502: answer 502");
        }
    }

    @Test
    void deliver_mockitoInjectedSqsFault_whenTheRetrysSendFails_keepsTheMessageAndMakesTheSendWhenItComesBack(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        SqsClient sqs = spy(s.env().resources.sqs);
        // SQS refusing the one call a server will not fail on cue, once: the re-queue of the failed attempt's task.
        doThrow(SdkClientException.create("injected")).doCallRealMethod().when(sqs).sendMessage(
                argThat((SendMessageRequest r) -> r != null && r.messageBody().contains("\"attempts\":1")));
        DeliveryHandler handler = s.handler(sqs, Clock.systemUTC());
        try (WebhookReceiver receiver = new WebhookReceiver(n -> WebhookReceiver.Answer.status(n == 1 ? 500 : 200))) {
            subscribe(s, receiver.url());
            String eventId = publishAndFanOut(s);

            assertThat(s.env().poll(handler, 1).getBatchItemFailures()).as("kept by its visibility").hasSize(1);
            assertThat(s.env().logText()).contains("re-queue failed");
            // Back: it makes the re-queue it owes, not attempt 1 again; the re-queued task is attempt 2.
            assertThat(s.env().poll(handler, 2).getBatchItemFailures()).isEmpty();
            assertThat(receiver.requests()).hasSize(1);
            assertThat(s.env().logText()).contains("its owed send made now, without a second attempt");
            assertThat(s.env().poll(handler, 2).getBatchItemFailures()).isEmpty();

            // Neither fewer attempts than the budget nor more: attempt 1, then 2 (same webhook-id).
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::outcome)
                    .containsExactly(tuple(1, "RETRYING"), tuple(2, "DELIVERED"));
            assertThat(receiver.requests()).extracting(r -> r.headers().get("webhook-id")).hasSize(2)
                    .containsOnly(receiver.requests().getFirst().headers().get("webhook-id"));
        }
    }

    @Test
    void deliver_mockitoInjectedSqsFault_whenTheDlqSendFails_keepsTheTaskOnTheQueue(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "0"));
        SqsClient sqs = spy(s.env().resources.sqs);
        doThrow(SdkClientException.create("injected")).when(sqs).sendMessage(argThat((SendMessageRequest r) ->
                r != null && s.env().dlqUrl.equals(r.queueUrl())));
        DeliveryHandler handler = s.handler(sqs, Clock.systemUTC());
        try (WebhookReceiver receiver = WebhookReceiver.answering(500)) {
            subscribe(s, receiver.url());
            String eventId = publishAndFanOut(s);

            assertThat(s.env().poll(handler, 1).getBatchItemFailures()).hasSize(1);

            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::outcome).containsExactly("FAILED");
            assertThat(s.env().logText()).contains("the DLQ send failed; the task is kept");
            assertThat(s.env().depth(s.env().queueUrl)).isEqualTo(1);
            assertThat(s.env().depth(s.env().dlqUrl)).isZero();
        }
    }

    /** Polls until the queue and the DLQ are still (nothing visible, in flight or delayed on the queue). */
    private static void pumpUntilQuiet(Setup s, DeliveryHandler handler, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (s.env().depth(s.env().queueUrl) > 0) {
            assertThat(System.nanoTime()).as("the queue emptied in time").isLessThan(deadline);
            s.env().poll(handler, 1);
        }
    }

    @Test
    void deliver_mockitoInjectedSqsFault_whenARetrysSendIsStoredButItsReplyLost_stillMakesTheBudgetAndParksOneCopy(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "3", EnvVars.DELIVERY_TIMEOUT_MS, "2000"));
        SqsClient sqs = spy(s.env().resources.sqs);
        // The re-queue of attempt 1's task is stored, and then its reply is lost: the delivery sees a failure,
        // keeps the received message, and two copies of the task now exist.
        doAnswer(invocation -> {
            invocation.callRealMethod();
            throw SdkClientException.create("injected: reply lost after the message was stored");
        }).when(sqs).sendMessage(argThat((SendMessageRequest r) -> r != null
                && r.messageBody().contains("\"attempts\":1,")));
        DeliveryHandler handler = s.handler(sqs, Clock.systemUTC());
        try (WebhookReceiver receiver = WebhookReceiver.answering(503)) {
            String subscriptionId = subscribe(s, receiver.url());
            String eventId = publishAndFanOut(s);

            pumpUntilQuiet(s, handler, Duration.ofSeconds(60));

            assertThat(receiver.requests()).as("MAX_RETRY_ATTEMPTS + 1 attempts, not two chains of them").hasSize(4);
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt).containsExactlyInAnyOrder(1, 2, 3, 4);
            List<Message> parked = dlqMessages(s);
            assertThat(parked).hasSize(1);
            assertThat(TaskQueue.fromJson(parked.getFirst().body()).webhookId())
                    .isEqualTo(WebhookIds.of(eventId, subscriptionId));
            assertThat(s.env().logText()).contains("delivery copy superseded");
        }
    }

    @Test
    void deliver_whenTheSameTaskIsQueuedTwice_makesNoMoreThanTheBudgetOfAttemptsAndParksOneCopy(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "2", EnvVars.DELIVERY_TIMEOUT_MS, "2000"));
        try (WebhookReceiver receiver = WebhookReceiver.answering(500)) {
            String subscriptionId = subscribe(s, receiver.url());
            String eventId = s.env().putEvent(s.config(), "job.created", "{}");
            // SQS's at-least-once, a fan-out retried whole, a recover of an event still retrying: two copies.
            String task = TaskQueue.toJson(DeliveryTask.deliver(eventId, "job.created", subscriptionId,
                    WebhookIds.of(eventId, subscriptionId)));
            for (int i = 0; i < 2; i++) {
                s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl).messageBody(task));
            }

            pumpUntilQuiet(s, s.handler(), Duration.ofSeconds(60));

            assertThat(receiver.requests()).hasSize(3);
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(dlqMessages(s)).hasSize(1);
        }
    }
}
