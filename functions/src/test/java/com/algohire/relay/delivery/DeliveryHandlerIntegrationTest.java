package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryLogItems;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.verifier.WebhookVerifier;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.ArgumentMatchers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

@ExtendWith(SharedAwsBackend.class)
class DeliveryHandlerIntegrationTest {

    private record Setup(DeliveryTestEnvironment env, RelayConfig config, DeliveryHandler handler,
                         ManagementApiHandler management) {
    }

    private static Setup setup(AwsBackend backend, Map<String, String> overrides) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(overrides);
        DeliveryHandler handler = new DeliveryHandler(config, env.resources.dynamoDb, env.resources.sqs,
                env.eventStore(config), Clock.systemUTC(), env.log);
        return new Setup(env, config, handler, new ManagementApiHandler(config, env.resources.clients));
    }

    private static JsonNode call(ManagementApiHandler management, String method, String path,
            String body) throws Exception {
        APIGatewayProxyRequestEvent request = new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path)
                .withHeaders(Map.of("Content-Type", "application/json")).withBody(body);
        APIGatewayProxyResponseEvent response = management.handleRequest(request, null);
        JsonNode json = Json.mapper().readTree(response.getBody());
        assertThat(response.getStatusCode()).as(response.getBody()).isLessThan(300);
        return json;
    }

    private static JsonNode subscribe(Setup s, String url, String eventTypes) throws Exception {
        return call(s.management(), "POST", "/api/v1/subscriptions",
                "{\"url\":\"" + url + "\",\"eventTypes\":" + eventTypes + ",\"description\":\"test\"}")
                        .get("subscription");
    }

    private static String publish(Setup s, String eventType, String payload) {
        String eventId = s.env().putEvent(s.config(), eventType, payload);
        s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl)
                .messageBody(TaskQueue.toJson(DeliveryTask.fanOut(eventId, eventType))));
        return eventId;
    }

    private static List<DeliveryLogEntry> logs(Setup s, String eventId) {
        return s.env().eventStore(s.config()).deliveryLogs(eventId);
    }

    @Test
    void deliver_whenReceiverFailsThenSucceeds_deliversSignedOnAttempt2AndLogsBoth(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = new WebhookReceiver(n -> WebhookReceiver.Answer.status(n == 1 ? 500 : 200))) {
            JsonNode subscription = subscribe(s, receiver.url(), "[\"job.*\"]");
            String secret = subscription.get("secret").asText();
            String eventId = publish(s, "job.created", "{\"jobId\":\"j-1\",\"title\":\"Engineer\"}");

            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty(); // fan-out
            // 500: the task is re-queued as a new message carrying its attempt, and the received one deleted
            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty();
            assertThat(s.env().poll(s.handler(), 2).getBatchItemFailures()).isEmpty(); // 200 on attempt 2

            assertThat(receiver.requests()).hasSize(2);
            WebhookReceiver.Received last = receiver.requests().get(1);
            assertThat(last.headers().get("webhook-id")).isEqualTo(receiver.requests().get(0).headers()
                    .get("webhook-id"));
            assertThat(last.headers().get("user-agent")).isEqualTo("AlgoHire-Webhook-Relay/1.0");
            assertThat(last.headers().get("content-type")).isEqualTo("application/json");
            assertThat(last.headers()).doesNotContainKey("accept-encoding");
            assertThatCode(() -> new WebhookVerifier(secret).verify(last.body(), last.headers()))
                    .doesNotThrowAnyException();
            JsonNode body = Json.mapper().readTree(last.body());
            assertThat(body.get("id").asText()).isEqualTo(eventId);
            assertThat(body.get("type").asText()).isEqualTo("job.created");
            assertThat(body.get("data").get("jobId").asText()).isEqualTo("j-1");

            List<DeliveryLogEntry> logs = logs(s, eventId);
            assertThat(logs).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::statusCode,
                    DeliveryLogEntry::outcome)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 500, "RETRYING"),
                            org.assertj.core.groups.Tuple.tuple(2, 200, "DELIVERED"));
            assertThat(logs.get(0).errorKind()).isEqualTo("HTTP_STATUS");
            assertThat(logs.get(0).responseBody()).isEqualTo("answer 500");
            assertThat(logs.get(0).subscriptionId()).isEqualTo(subscription.get("subscriptionId").asText());
            assertThat(s.env().logText()).doesNotContain(secret).doesNotContain("Engineer");
        }
    }

    @Test
    void handleRequest_whenSubscriptionCreatedAfterAnEarlierFanOut_deliversTheNextEventToIt(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(204)) {
            publish(s, "job.created", "{\"jobId\":\"before\"}");
            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty(); // fan-out to nobody

            subscribe(s, receiver.url(), "[\"job.*\"]");
            String eventId = publish(s, "job.created", "{\"jobId\":\"after\"}");
            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty(); // fan-out, same handler
            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty(); // delivery

            assertThat(receiver.requests()).hasSize(1);
            assertThat(receiver.requests().get(0).body()).contains("after");
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::outcome).containsExactly("DELIVERED");
        }
    }

    @Test
    void deliver_mockitoInjectedDeliveryLogWriteFault_stillAcknowledgesTheDeliveredWebhook(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend, Map.of());
        DynamoDbClient dynamoDb = spy(s.env().resources.dynamoDb);
        // DynamoDB throttles exactly the attempt record's write.
        doThrow(ProvisionedThroughputExceededException.builder().message("injected").build())
                .when(dynamoDb).putItem(ArgumentMatchers.<PutItemRequest>argThat(r -> r != null
                        && r.item().get("sk") != null && r.item().get("sk").s()
                                .startsWith(DeliveryLogItems.SK_PREFIX)));
        DeliveryHandler handler = new DeliveryHandler(s.config(), dynamoDb, s.env().resources.sqs,
                s.env().eventStore(s.config()), Clock.systemUTC(), s.env().log);
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            subscribe(s, receiver.url(), "[\"job.*\"]");
            publish(s, "job.created", "{\"jobId\":\"j-log\"}");
            assertThat(s.env().poll(handler, 1).getBatchItemFailures()).isEmpty(); // fan-out

            assertThat(s.env().poll(handler, 1).getBatchItemFailures()).isEmpty();
            assertThat(s.env().pollReceived(handler, 1)).isZero();

            assertThat(receiver.requests()).hasSize(1);
            assertThat(s.env().logText()).contains("delivery log entry could not be written");
        }
    }

    @Test
    void deliver_whenReceiverAlwaysFails_landsInDlqAfterBudgetAndRedriveReturnsIt(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "3"));
        java.util.concurrent.atomic.AtomicBoolean fixed = new java.util.concurrent.atomic.AtomicBoolean();
        try (WebhookReceiver receiver = new WebhookReceiver(
                n -> WebhookReceiver.Answer.status(fixed.get() ? 200 : 503))) {
            subscribe(s, receiver.url(), "[\"*\"]");
            String eventId = publish(s, "candidate.applied", "{\"candidateId\":\"c-1\"}");
            s.env().poll(s.handler(), 1); // fan-out
            // After three failures in a row the subscription is DEGRADED and its retries move to the slow lane.
            for (int i = 0; i < 6 && s.env().depth(s.env().dlqUrl) == 0; i++) {
                s.env().poll(s.handler(), 1);
                s.env().pollSlowLane(s.handler(), 0);
            }
            assertThat(receiver.requests()).hasSize(4); // 1 + MAX_RETRY_ATTEMPTS
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::outcome)
                    .containsExactly("RETRYING", "RETRYING", "RETRYING", "FAILED");
            assertThat(s.env().depth(s.env().dlqUrl)).isEqualTo(1);
            assertThat(s.env().depth(s.env().queueUrl)).isZero();

            JsonNode dlq = call(s.management(), "GET", "/api/v1/dlq", null);
            assertThat(dlq.get("approximateDepth").asInt()).isEqualTo(1);
            assertThat(dlq.get("messages").get(0).get("task").get("eventId").asText()).isEqualTo(eventId);
            assertThat(dlq.get("messages").get(0).get("task").get("kind").asText()).isEqualTo("DELIVER");
            assertThat(dlq.get("messages").get(0).get("task").get("lastError").asText())
                    .isEqualTo("HTTP 503: answer 503");

            JsonNode redrive = call(s.management(), "POST", "/api/v1/dlq/redrive", null);
            assertThat(redrive.get("taskHandle").asText()).isNotBlank();
            long deadline = System.currentTimeMillis() + 10_000;
            while (s.env().depth(s.env().queueUrl) == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(s.env().depth(s.env().queueUrl)).isEqualTo(1);
            assertThat(s.env().depth(s.env().dlqUrl)).isZero();

            // The operator's story: the receiver is fixed, the redriven task is delivered, signed as before.
            // Redriven to the main lane, it is forwarded to the slow lane (the subscription is still DEGRADED)
            // without an attempt, and delivered there.
            fixed.set(true);
            assertThat(s.env().poll(s.handler(), 2).getBatchItemFailures()).isEmpty();
            assertThat(receiver.requests()).hasSize(4);
            assertThat(s.env().pollSlowLane(s.handler(), 2).getBatchItemFailures()).isEmpty();
            assertThat(receiver.requests()).hasSize(5);
            assertThat(receiver.requests().get(4).headers().get("webhook-id"))
                    .isEqualTo(receiver.requests().get(0).headers().get("webhook-id"));
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::outcome).last().isEqualTo("DELIVERED");
            assertThat(s.env().depth(s.env().queueUrl)).isZero();
        }
    }

    @Test
    void deliver_whenReceiverAnswers410_disablesSubscriptionWithoutRetry(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(410)) {
            String id = subscribe(s, receiver.url(), "[\"job.created\"]").get("subscriptionId").asText();
            String eventId = publish(s, "job.created", "{}");
            s.env().poll(s.handler(), 1);
            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty();
            assertThat(s.env().pollReceived(s.handler(), 1)).isZero();

            assertThat(receiver.requests()).hasSize(1);
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::outcome).containsExactly("DISABLED");
            JsonNode view = call(s.management(), "GET", "/api/v1/subscriptions/" + id, null).get("subscription");
            assertThat(view.get("active").asBoolean()).isFalse();
            assertThat(view.get("disabledReason").asText()).contains("410");

            // A task still in flight for it (here: a DELIVER queued before the disable) re-reads it and is held
            // without an attempt, kept for recover / re-enable rather than dropped.
            s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl).messageBody(TaskQueue.toJson(
                    DeliveryTask.deliver(eventId, "job.created", id, "msg_in_flight"))));
            s.env().poll(s.handler(), 1);
            assertThat(s.env().depth(s.env().queueUrl)).isZero();
            assertThat(receiver.requests()).hasSize(1);
            assertThat(logs(s, eventId)).hasSize(1);
            assertThat(s.env().resources.dynamoDb.query(q -> q.tableName(s.config().eventsTable())
                    .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk",
                            software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("HOLD#" + id))))
                    .items()).as("the task that got the 410, and this one").hasSize(2);
        }
    }

    @Test
    void deliver_mockitoInjectedDynamoDbFault_when410AndTheDisableWriteFails_logsTheAttemptAndRetries(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.RETRY_SCHEDULE_SECONDS, "60"));
        software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamoDb =
                org.mockito.Mockito.spy(s.env().resources.dynamoDb);
        // The one write a server will not fail on cue: the subscription's disable, right after the 410.
        org.mockito.Mockito.doAnswer(invocation -> {
            software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest request = invocation.getArgument(0);
            if (request.tableName().equals(s.config().subscriptionsTable())) {
                throw software.amazon.awssdk.core.exception.SdkClientException.create("injected");
            }
            return invocation.callRealMethod();
        }).when(dynamoDb).updateItem(org.mockito.ArgumentMatchers.any(
                software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest.class));
        DeliveryHandler handler = new DeliveryHandler(s.config(), dynamoDb, s.env().resources.sqs,
                s.env().eventStore(s.config()), Clock.systemUTC(), s.env().log);
        try (WebhookReceiver receiver = WebhookReceiver.answering(410)) {
            String id = subscribe(s, receiver.url(), "[\"job.created\"]").get("subscriptionId").asText();
            String eventId = publish(s, "job.created", "{}");
            s.env().poll(handler, 1); // fan-out
            assertThat(s.env().poll(handler, 1).getBatchItemFailures()).isEmpty(); // re-queued for its retry

            assertThat(receiver.requests()).hasSize(1);
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::outcome).containsExactly("RETRYING");
            assertThat(s.env().depth(s.env().queueUrl)).as("the retry waits on the queue").isEqualTo(1);
            JsonNode view = call(s.management(), "GET", "/api/v1/subscriptions/" + id, null).get("subscription");
            assertThat(view.get("active").asBoolean()).isTrue();
        }
    }

    @Test
    void deliver_whenTwoAttemptsOfOneBatchBothGet410_bothSettleAsDisabledWithoutRetry(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.RETRY_SCHEDULE_SECONDS, "60"));
        try (WebhookReceiver receiver = new WebhookReceiver(n -> new WebhookReceiver.Answer(410, 200, Map.of()))) {
            subscribe(s, receiver.url(), "[\"job.*\"]");
            String first = publish(s, "job.created", "{}");
            String second = publish(s, "job.updated", "{}");
            assertThat(s.env().pollReceived(s.handler(), 1)).isEqualTo(2); // both fan-outs, one DELIVER task each
            var both = s.env().receiveBatch(2, Duration.ofSeconds(5));
            assertThat(both).hasSize(2);

            SQSBatchResponse response = s.handler().handleRequest(s.env().batchOf(both), null);

            assertThat(receiver.requests()).hasSize(2); // both attempts read the subscription active and were sent
            assertThat(response.getBatchItemFailures()).isEmpty();
            assertThat(logs(s, first)).extracting(DeliveryLogEntry::outcome).containsExactly("DISABLED");
            assertThat(logs(s, second)).extracting(DeliveryLogEntry::outcome).containsExactly("DISABLED");
        }
    }

    /** Answers 410, but first lets an operator change the subscription while the attempt is in flight. */
    private static WebhookReceiver goneAfter(Setup s, String[] subscriptionId, String patchBody) {
        return new WebhookReceiver(n -> {
            if (n == 1) {
                try {
                    call(s.management(), "PATCH", "/api/v1/subscriptions/" + subscriptionId[0], patchBody);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return WebhookReceiver.Answer.status(410);
        });
    }

    @Test
    void deliver_when410ArrivesAfterAPatchRepointedTheSubscription_keepsItActiveAndDeliversToTheNewUrl(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        String[] id = new String[1];
        try (WebhookReceiver fresh = WebhookReceiver.answering(200);
             WebhookReceiver old = goneAfter(s, id, "{\"url\":\"" + fresh.url() + "\"}")) {
            id[0] = subscribe(s, old.url(), "[\"job.*\"]").get("subscriptionId").asText();
            String eventId = publish(s, "job.created", "{}");
            s.env().poll(s.handler(), 1); // fan-out

            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty(); // 410 from the old URL
            JsonNode view = call(s.management(), "GET", "/api/v1/subscriptions/" + id[0], null).get("subscription");
            assertThat(view.get("active").asBoolean()).isTrue();
            assertThat(view.get("url").asText()).isEqualTo(fresh.url());
            assertThat(view.get("disabledReason").isNull()).isTrue();

            assertThat(s.env().poll(s.handler(), 2).getBatchItemFailures()).isEmpty(); // retried at the new URL
            assertThat(old.requests()).hasSize(1);
            assertThat(fresh.requests()).hasSize(1);
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::statusCode, DeliveryLogEntry::outcome)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(410, "RETRYING"),
                            org.assertj.core.groups.Tuple.tuple(200, "DELIVERED"));
        }
    }

    @Test
    void deliver_when410ArrivesAfterOperatorReEnabledTheSubscription_leavesItEnabled(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.RETRY_SCHEDULE_SECONDS, "60"));
        String[] id = new String[1];
        try (WebhookReceiver receiver = goneAfter(s, id, "{\"active\":true,\"description\":\"fixed, re-enabled\"}")) {
            id[0] = subscribe(s, receiver.url(), "[\"job.*\"]").get("subscriptionId").asText();
            String eventId = publish(s, "job.created", "{}");
            s.env().poll(s.handler(), 1); // fan-out
            String updatedBefore = call(s.management(), "GET", "/api/v1/subscriptions/" + id[0], null)
                    .get("subscription").get("updatedAt").asText();

            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty(); // re-queued for its retry

            JsonNode view = call(s.management(), "GET", "/api/v1/subscriptions/" + id[0], null).get("subscription");
            assertThat(view.get("active").asBoolean()).isTrue();
            assertThat(view.get("description").asText()).isEqualTo("fixed, re-enabled");
            assertThat(Instant.parse(view.get("updatedAt").asText())).isAfter(Instant.parse(updatedBefore));
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::outcome).containsExactly("RETRYING");
        }
    }

    @Test
    void deliver_whenReceiverSlowerThanTimeout_logsTimeoutAndRetriesLater(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.DELIVERY_TIMEOUT_MS, "300", EnvVars.RETRY_SCHEDULE_SECONDS, "60"));
        try (WebhookReceiver receiver = new WebhookReceiver(n -> new WebhookReceiver.Answer(200, 2000, Map.of()))) {
            subscribe(s, receiver.url(), "[\"*\"]");
            String eventId = publish(s, "interview.scheduled", "{}");
            s.env().poll(s.handler(), 1);
            long start = System.nanoTime();
            SQSBatchResponse response = s.env().poll(s.handler(), 1);
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(response.getBatchItemFailures()).isEmpty(); // re-queued for its retry
            assertThat(millis).isLessThan(1900);
            DeliveryLogEntry entry = logs(s, eventId).getFirst();
            assertThat(entry.errorKind()).isEqualTo("TIMEOUT");
            assertThat(entry.statusCode()).isNull();
            assertThat(entry.outcome()).isEqualTo("RETRYING");
            // Backoff of ~60 s: still on the queue, but not handed out again now.
            assertThat(s.env().depth(s.env().queueUrl)).isEqualTo(1);
            assertThat(s.env().pollReceived(s.handler(), 1)).isZero();
        }
    }

    @Test
    void deliver_whenRetryAfterAsksForTwoDays_requeuesWithSqsLongestDelayAndANotBeforeTwelveHoursOn(
            AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        DeliveryHandler handler = new DeliveryHandler(config, env.resources.dynamoDb, env.resources.sqs,
                env.eventStore(config), clock, env.log);
        Setup s = new Setup(env, config, handler, new ManagementApiHandler(config, env.resources.clients));
        // Two days is more than SQS can hold a message back: the backoff is capped at 12 h, the new message is
        // delayed the 15 minutes SQS allows, and its notBefore holds it back the rest of the way when it arrives.
        try (WebhookReceiver receiver = new WebhookReceiver(n -> new WebhookReceiver.Answer(503, 0,
                Map.of("Retry-After", "172800")))) {
            subscribe(s, receiver.url(), "[\"*\"]");
            String eventId = publish(s, "job.created", "{}");
            s.env().poll(handler, 1); // fan-out

            assertThat(s.env().poll(handler, 1).getBatchItemFailures()).isEmpty();

            assertThat(s.env().logText()).contains("\"retryInSeconds\":43200")
                    .contains("\"notBefore\":\"2026-11-28T22:00:00.000Z\"");
            assertThat(s.env().delayed(s.env().queueUrl)).isEqualTo(1);
            assertThat(s.env().pollReceived(handler, 1)).isZero();
            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::outcome).containsExactly("RETRYING");
        }
    }

    @Test
    void deliver_whenOneMessageOfBatchFails_requeuesOnlyThatOne(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.RETRY_SCHEDULE_SECONDS, "60"));
        try (WebhookReceiver good = WebhookReceiver.answering(204);
             WebhookReceiver bad = WebhookReceiver.answering(500)) {
            subscribe(s, good.url(), "[\"job.created\"]");
            subscribe(s, bad.url(), "[\"job.*\"]");
            publish(s, "job.created", "{}");
            s.env().poll(s.handler(), 1);
            SQSBatchResponse response = s.env().poll(s.handler(), 1);
            assertThat(response.getBatchItemFailures()).isEmpty(); // both received messages are done with
            assertThat(s.env().pollReceived(s.handler(), 1)).isZero();
            assertThat(good.requests()).hasSize(1);
            assertThat(bad.requests()).hasSize(1);
            assertThat(s.env().depth(s.env().queueUrl)).isEqualTo(1); // only the failed one waits for its retry
        }
    }

    @Test
    void deliver_whenHostResolvesToLoopbackAtSendTime_refusesWithoutConnecting(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            // Registered while the name pointed elsewhere; "localhost" now resolves to 127.0.0.1 (not allowlisted by
            // name).
            Instant now = Instant.now();
            String id = "sub_" + "0".repeat(31) + "1";
            new SubscriptionStore(s.env().resources.dynamoDb, s.config().subscriptionsTable())
                    .create(new Subscription(id,
                    "https://localhost:" + receiver.port() + "/hook", List.of("*"), null, true,
                    List.of(new Subscription.SigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)), now, now,
                            null, false, null));
            String eventId = publish(s, "job.created", "{}");
            s.env().poll(s.handler(), 1);
            assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty(); // re-queued for its retry
            assertThat(receiver.requests()).isEmpty();
            assertThat(logs(s, eventId).getFirst().errorKind()).isEqualTo("SSRF_BLOCKED");
        }
    }

    /** A subscription item written as an older version of the relay (or a hand edit) could have left it. */
    private static String storeSubscription(Setup s, String url, String secret) {
        Instant now = Instant.now();
        String id = "sub_" + java.util.UUID.randomUUID().toString().replace("-", "");
        new SubscriptionStore(s.env().resources.dynamoDb, s.config().subscriptionsTable()).create(new Subscription(id,
                url,
                List.of("*"), null, true, List.of(new Subscription.SigningSecret(secret, null)), now, now, null, false,
                null));
        return id;
    }

    @Test
    void deliver_whenSigningThrows_logsEachAttemptWithErrorKindAndSettlesInTheDlq(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            storeSubscription(s, receiver.url(), "whsec_not*base64*at*all");
            String eventId = publish(s, "job.created", "{}");
            s.env().poll(s.handler(), 1); // fan-out
            for (int i = 0; i < 6 && s.env().depth(s.env().dlqUrl) == 0; i++) {
                s.env().poll(s.handler(), 1);
            }

            assertThat(logs(s, eventId)).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::errorKind,
                    DeliveryLogEntry::statusCode, DeliveryLogEntry::outcome).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(1, "SIGNING_FAILED", null, "RETRYING"),
                    org.assertj.core.groups.Tuple.tuple(2, "SIGNING_FAILED", null, "RETRYING"),
                    org.assertj.core.groups.Tuple.tuple(3, "SIGNING_FAILED", null, "RETRYING"),
                    org.assertj.core.groups.Tuple.tuple(4, "SIGNING_FAILED", null, "FAILED"));
            assertThat(s.env().depth(s.env().dlqUrl)).isEqualTo(1);
            assertThat(receiver.requests()).isEmpty();
        }
    }

    @Test
    void deliver_whenStoredUrlHasPortOutOfRange_logsInvalidUrlAttemptAndRetries(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.RETRY_SCHEDULE_SECONDS, "60"));
        storeSubscription(s, "https://hooks.example.com:99999/hook", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        String eventId = publish(s, "job.created", "{}");
        s.env().poll(s.handler(), 1); // fan-out

        assertThat(s.env().poll(s.handler(), 1).getBatchItemFailures()).isEmpty(); // re-queued for its retry
        DeliveryLogEntry entry = logs(s, eventId).getFirst();
        assertThat(entry.errorKind()).isEqualTo("INVALID_URL");
        assertThat(entry.statusCode()).isNull();
        assertThat(entry.outcome()).isEqualTo("RETRYING");
        assertThat(s.env().pollReceived(s.handler(), 1)).isZero(); // deferred by the backoff like any failure
    }

    @Test
    void deliver_duringSecretRotationOverlap_sendsTwoSignaturesEachVerifying(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            JsonNode created = subscribe(s, receiver.url(), "[\"*\"]");
            String oldSecret = created.get("secret").asText();
            String id = created.get("subscriptionId").asText();
            JsonNode rotated = call(s.management(), "POST", "/api/v1/subscriptions/" + id + "/rotate-secret", null)
                    .get("subscription");
            String newSecret = rotated.get("secret").asText();
            assertThat(newSecret).startsWith("whsec_").isNotEqualTo(oldSecret);
            assertThat(rotated.get("previousSecretExpiresAt").isNull()).isFalse();

            publish(s, "job.created", "{\"a\":1}");
            s.env().poll(s.handler(), 1);
            s.env().poll(s.handler(), 1);
            WebhookReceiver.Received received = receiver.requests().getFirst();
            assertThat(received.headers().get("webhook-signature").split(" ")).hasSize(2);
            for (String secret : List.of(oldSecret, newSecret)) {
                assertThatCode(() -> new WebhookVerifier(secret).verify(received.body(), received.headers()))
                        .doesNotThrowAnyException();
            }
        }
    }

    @Test
    void handleRequest_whenBatchOfTenTasks_hasAllTenRequestsInFlightAtOnce(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        // Each request is held until all ten are in flight at once: deliveries made one after another would never
        // get there (the first would wait out the latch). Observed concurrency, not wall-clock time, so a loaded
        // machine cannot fail it.
        java.util.concurrent.CountDownLatch allInFlight = new java.util.concurrent.CountDownLatch(10);
        List<Boolean> together = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (WebhookReceiver receiver = new WebhookReceiver(n -> {
            allInFlight.countDown();
            try {
                together.add(allInFlight.await(8, java.util.concurrent.TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new WebhookReceiver.Answer(200, 0, Map.of());
        })) {
            for (int i = 0; i < 10; i++) {
                subscribe(s, receiver.url() + i, "[\"*\"]");
            }
            publish(s, "assessment.completed", "{}");
            s.env().poll(s.handler(), 1);
            // Collect all ten tasks into one batch, as the event source mapping would with batch size 10.
            var all = s.env().receiveBatch(10, Duration.ofSeconds(5));
            assertThat(all).hasSize(10);
            SQSBatchResponse response = s.handler().handleRequest(s.env().batchOf(all), null);

            assertThat(response.getBatchItemFailures()).isEmpty();
            assertThat(receiver.requests()).hasSize(10);
            assertThat(together).as("every request saw all ten in flight").hasSize(10).containsOnly(true);
        }
    }
}
