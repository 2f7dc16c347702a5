package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.delivery.DeliveryHandler;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.verifier.WebhookVerifier;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * POST /api/v1/subscriptions/{id}/test: a real, signed webhook to that one subscription (and to no other of the same
 * type), its event stored and listed like any other, its audit record; and the refusals, none of which queues
 * anything. On moto_server and ElasticMQ through the real handlers.
 */
@ExtendWith(SharedAwsBackend.class)
class SubscriptionTestEventIntegrationTest {

    private record Setup(DeliveryTestEnvironment env, RelayConfig config, DeliveryHandler delivery,
                         ManagementApiHandler management, IngestApiHandler events) {
    }

    private static Setup setup(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        return new Setup(env, config, new DeliveryHandler(config, env.resources.clients),
                new ManagementApiHandler(config, env.resources.clients),
                new IngestApiHandler(config, env.resources.clients));
    }

    private static APIGatewayProxyResponseEvent call(Setup s, String method, String path, String body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/json");
        return s.management().handleRequest(new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path)
                .withHeaders(headers).withBody(body), null);
    }

    private static JsonNode subscribe(Setup s, String url, String eventTypes) {
        APIGatewayProxyResponseEvent response = call(s, "POST", "/api/v1/subscriptions",
                "{\"url\":\"" + url + "\",\"eventTypes\":" + eventTypes + "}");
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
        return json(response).get("subscription");
    }

    private static void deliverAll(Setup s) {
        while (s.env().pollReceived(s.delivery(), 1) > 0) {
            // keep polling
        }
    }

    @Test
    void test_whenTwoSubscriptionsTakeTheType_sendsOneSignedWebhookToTheNamedOneOnly(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver named = WebhookReceiver.answering(200);
             WebhookReceiver other = WebhookReceiver.answering(200)) {
            JsonNode subscription = subscribe(s, named.url(), "[\"job.*\"]");
            String id = subscription.get("subscriptionId").textValue();
            subscribe(s, other.url(), "[\"job.*\"]");

            APIGatewayProxyResponseEvent response = call(s, "POST", "/api/v1/subscriptions/" + id + "/test", null);

            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
            JsonNode sent = json(response);
            assertThat(sent.get("success").booleanValue()).isTrue();
            assertThat(sent.get("eventType").textValue()).isEqualTo("job.test"); // job.* made concrete
            assertThat(sent.get("subscriptionId").textValue()).isEqualTo(id);
            String eventId = sent.get("eventId").textValue();
            deliverAll(s);

            assertThat(named.requests()).hasSize(1);
            assertThat(other.requests()).isEmpty();
            WebhookReceiver.Received webhook = named.requests().getFirst();
            assertThat(webhook.headers().get("webhook-id")).isEqualTo(sent.get("webhookId").textValue());
            assertThatCode(() -> new WebhookVerifier(subscription.get("secret").textValue())
                    .verify(webhook.body(), webhook.headers())).doesNotThrowAnyException();
            JsonNode body = Json.mapper().readTree(webhook.body());
            assertThat(body.get("id").textValue()).isEqualTo(eventId);
            assertThat(body.get("type").textValue()).isEqualTo("job.test");
            assertThat(body.get("data").get("test").booleanValue()).isTrue();
            assertThat(body.get("data").get("sentBy").textValue()).isEqualTo("relay console");
            assertThat(body.get("data").get("at").textValue()).isNotBlank();

            // Stored like any event: its detail, its delivery state, its idempotency key.
            APIGatewayProxyResponseEvent detail = s.events().handleRequest(
                    Requests.get("/api/v1/events/" + eventId, Map.of()), null);
            JsonNode event = json(detail).get("event");
            assertThat(event.get("idempotencyKey").textValue()).startsWith("test:");
            assertThat(event.get("delivery").get("state").textValue()).isEqualTo("delivered");
            assertThat(event.get("delivery").get("subscriptions").intValue()).isEqualTo(1);
            JsonNode found = json(s.events().handleRequest(Requests.get("/api/v1/events",
                    Map.of("idempotencyKey", event.get("idempotencyKey").textValue())), null)).get("events");
            assertThat(found).singleElement().satisfies(e -> assertThat(e.get("id").textValue()).isEqualTo(eventId));

            // Audited as subscription.test on the subscription.
            JsonNode audit = json(call(s, "GET", "/api/v1/audit", null)).get("entries");
            assertThat(audit).filteredOn(e -> e.get("action").textValue().equals("subscription.test"))
                    .singleElement().satisfies(e -> {
                        assertThat(e.get("target").textValue()).isEqualTo(id);
                        assertThat(e.get("status").intValue()).isEqualTo(202);
                    });
        }
    }

    /** Two subscriptions to job.*, and a test event sent to the first and delivered; its eventId. */
    private static String testEventDelivered(Setup s, WebhookReceiver named, WebhookReceiver other,
                                             String[] ids) {
        ids[0] = subscribe(s, named.url(), "[\"job.*\"]").get("subscriptionId").textValue();
        ids[1] = subscribe(s, other.url(), "[\"job.*\"]").get("subscriptionId").textValue();
        APIGatewayProxyResponseEvent sent = call(s, "POST", "/api/v1/subscriptions/" + ids[0] + "/test", null);
        assertThat(sent.getStatusCode()).as(sent.getBody()).isEqualTo(202);
        deliverAll(s);
        assertThat(named.requests()).hasSize(1);
        return json(sent).get("eventId").textValue();
    }

    @Test
    void replay_whenATestEventIsReplayedToAllSubscriptions_reachesOnlyTheSubscriptionItWasSentTo(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver named = WebhookReceiver.answering(200);
             WebhookReceiver other = WebhookReceiver.answering(200)) {
            String[] ids = new String[2];
            String eventId = testEventDelivered(s, named, other, ids);

            APIGatewayProxyResponseEvent replay = call(s, "POST", "/api/v1/events/" + eventId + "/replay", null);
            deliverAll(s);

            assertThat(other.requests()).isEmpty();
            assertThat(named.requests()).hasSize(2);
            assertThat(named.requests().get(1).headers().get("webhook-id")).as("a replay's own webhook-id")
                    .isNotEqualTo(named.requests().get(0).headers().get("webhook-id"));
            assertThat(replay.getStatusCode()).as(replay.getBody()).isEqualTo(202);
            assertThat(json(replay).get("subscriptionId").textValue()).isEqualTo(ids[0]);
        }
    }

    @Test
    void replay_whenATestEventIsReplayedToAnotherSubscription_refusesNamingTheSubscription(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver named = WebhookReceiver.answering(200);
             WebhookReceiver other = WebhookReceiver.answering(200)) {
            String[] ids = new String[2];
            String eventId = testEventDelivered(s, named, other, ids);

            APIGatewayProxyResponseEvent replay = call(s, "POST", "/api/v1/events/" + eventId + "/replay",
                    "{\"subscriptionId\":\"" + ids[1] + "\"}");
            deliverAll(s);

            assertThat(replay.getStatusCode()).as(replay.getBody()).isEqualTo(409);
            assertThat(json(replay).get("error").get("code").textValue()).isEqualTo("SUBSCRIPTION_NOT_MATCHING");
            assertThat(json(replay).get("error").toString()).contains(ids[1]);
            assertThat(other.requests()).isEmpty();
        }
    }

    @Test
    void recover_whenAnotherSubscriptionRecoversOverATestEvent_doesNotSendItThere(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver named = WebhookReceiver.answering(200);
             WebhookReceiver other = WebhookReceiver.answering(200)) {
            String[] ids = new String[2];
            testEventDelivered(s, named, other, ids);

            APIGatewayProxyResponseEvent recover = call(s, "POST", "/api/v1/subscriptions/" + ids[1] + "/recover",
                    "{\"since\":\"" + Instant.now().minusSeconds(3600) + "\"}");
            assertThat(recover.getStatusCode()).as(recover.getBody()).isEqualTo(202);
            deliverAll(s);

            assertThat(other.requests()).isEmpty();
            String recoveryId = json(recover).get("recovery").get("recoveryId").textValue();
            JsonNode done = json(call(s, "GET", "/api/v1/subscriptions/" + ids[1] + "/recoveries/" + recoveryId,
                    null)).get("recovery");
            assertThat(done.get("status").textValue()).isEqualTo("completed");
            assertThat(done.get("matched").intValue()).as("another's test event is not this one's to recover")
                    .isZero();
            assertThat(done.get("queued").intValue()).isZero();
        }
    }

    @Test
    void redrive_whenTheDlqHoldsATestEventsDeliveryToAnotherSubscription_doesNotSendIt(AwsBackend backend)
            throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver named = WebhookReceiver.answering(200);
             WebhookReceiver other = WebhookReceiver.answering(200)) {
            String[] ids = new String[2];
            String eventId = testEventDelivered(s, named, other, ids);
            // Parked before test events were kept to their subscription (a recover or replay of the old code).
            new TaskQueue(s.env().resources.sqs, s.env().dlqUrl).send(DeliveryTask.deliver(eventId, "job.test",
                    ids[1], WebhookIds.of(eventId, ids[1])).deadLettered("HTTP 503"));

            APIGatewayProxyResponseEvent redrive = call(s, "POST", "/api/v1/dlq/redrive", null);
            assertThat(redrive.getStatusCode()).as(redrive.getBody()).isEqualTo(202);
            for (int i = 0; i < 10 && s.env().depth(s.env().dlqUrl) > 0; i++) {
                Thread.sleep(200);
            }
            deliverAll(s);

            assertThat(s.env().depth(s.env().dlqUrl)).isZero();
            assertThat(other.requests()).isEmpty();
            assertThat(named.requests()).hasSize(1);
        }
    }

    @Test
    void test_whenTheBodyNamesATypeTheSubscriptionTakes_sendsThatType(AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s, "https://hooks.example.com/a", "[\"candidate.applied\",\"job.*\"]")
                .get("subscriptionId").textValue();

        APIGatewayProxyResponseEvent response = call(s, "POST", "/api/v1/subscriptions/" + id + "/test",
                "{\"eventType\":\"job.created\"}");

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        assertThat(json(response).get("eventType").textValue()).isEqualTo("job.created");
        assertThat(s.env().receiveAll()).singleElement().satisfies(m -> {
            DeliveryTask task = TaskQueue.fromJson(m.body());
            assertThat(task.subscriptionId()).isEqualTo(id);
            assertThat(task.eventType()).isEqualTo("job.created");
        });
        // Without a body: the first filter, already concrete.
        APIGatewayProxyResponseEvent byDefault = call(s, "POST", "/api/v1/subscriptions/" + id + "/test", "{}");
        assertThat(json(byDefault).get("eventType").textValue()).isEqualTo("candidate.applied");
    }

    @Test
    void test_whenRefused_answers4xxNamingTheFieldAndQueuesNothing(AwsBackend backend) {
        Setup s = setup(backend);
        String id = subscribe(s, "https://hooks.example.com/a", "[\"job.*\"]").get("subscriptionId").textValue();
        String path = "/api/v1/subscriptions/" + id + "/test";

        assertError(call(s, "POST", path, "{\"eventType\":\"candidate.applied\"}"), 409,
                "SUBSCRIPTION_NOT_MATCHING", "eventType");
        assertError(call(s, "POST", path, "{\"eventType\":\"Not A Type\"}"), 400, "INVALID_EVENT_TYPE", "eventType");
        assertError(call(s, "POST", path, "{\"eventType\":42}"), 400, "INVALID_EVENT_TYPE", "eventType");
        assertError(call(s, "POST", path, "{\"eventType\":\"job.created\",\"x\":1}"), 400, "UNKNOWN_FIELD", "x");
        assertError(call(s, "POST", path, "[1]"), 400, "INVALID_BODY", "eventType");
        assertError(call(s, "POST", "/api/v1/subscriptions/sub_nope/test", null), 404, "SUBSCRIPTION_NOT_FOUND",
                "subscription");
        APIGatewayProxyResponseEvent disabled = call(s, "PATCH", "/api/v1/subscriptions/" + id, "{\"active\":false}");
        assertThat(disabled.getStatusCode()).as(disabled.getBody()).isEqualTo(200);
        assertError(call(s, "POST", path, null), 409, "SUBSCRIPTION_INACTIVE", "inactive");

        assertThat(s.env().receiveAll()).isEmpty();
        assertThat(json(call(s, "GET", "/api/v1/audit", null)).get("entries"))
                .noneMatch(e -> e.get("action").textValue().equals("subscription.test"));
    }

    private static void assertError(APIGatewayProxyResponseEvent response, int status, String code, String named) {
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(status);
        JsonNode error = json(response).get("error");
        assertThat(error.get("code").textValue()).isEqualTo(code);
        assertThat(error.toString().toLowerCase(Locale.ROOT)).contains(named.toLowerCase(Locale.ROOT));
    }
}
