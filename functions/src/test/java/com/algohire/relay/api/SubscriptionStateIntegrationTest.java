package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionHealthItems;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.testing.MutableClock;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A subscription's state as the management API shows and changes it: the health view, pause and resume, the
 * re-enable that starts health afresh, the notices each operator change sends, and operator writes that leave the
 * delivery side's health record alone.
 */
@ExtendWith(SharedAwsBackend.class)
class SubscriptionStateIntegrationTest {
    private static final String ALICE = "arn:aws:iam::123456789012:user/alice";

    private DeliveryTestEnvironment env;
    private RelayConfig config;
    private ManagementApiHandler handler;
    private SubscriptionStore store;

    private record Response(int status, JsonNode body, String raw) {
        JsonNode subscription() {
            return body.get("subscription");
        }
    }

    private void start(AwsBackend backend) {
        env = DeliveryTestEnvironment.create(backend);
        config = env.config(Map.of());
        handler = new ManagementApiHandler(config, env.resources.dynamoDb, env.resources.sqs, env.eventStore(config),
                Clock.systemUTC(), env.log);
        store = new SubscriptionStore(env.resources.dynamoDb, config.subscriptionsTable());
    }

    private Response call(String method, String path, String body, String userArn) throws Exception {
        APIGatewayProxyRequestEvent request = new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path)
                .withHeaders(Map.of("content-type", "application/json")).withBody(body);
        if (userArn != null) {
            request.withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext().withIdentity(
                    new APIGatewayProxyRequestEvent.RequestIdentity().withUserArn(userArn)));
        }
        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);
        return new Response(response.getStatusCode(), Json.mapper().readTree(response.getBody()), response.getBody());
    }

    private Response call(String method, String path, String body) throws Exception {
        return call(method, path, body, null);
    }

    private String create() throws Exception {
        Response created = call("POST", "/api/v1/subscriptions",
                "{\"url\":\"https://hooks.example.com/ats\",\"eventTypes\":[\"job.*\"]}");
        assertThat(created.status()).isEqualTo(201);
        return created.subscription().get("subscriptionId").asText();
    }

    /** A failing receiver's record, as the delivery side writes it (its own attribute, its own version). */
    private static SubscriptionHealth failing(long version) {
        Instant t = Instant.parse("2026-11-28T08:00:00Z");
        return new SubscriptionHealth(SubscriptionHealth.State.FAILING, SubscriptionHealth.Breaker.OPEN, 12,
                t, t.minusSeconds(600), t.plusSeconds(300), "HTTP 503", "upstream down",
                List.of(new SubscriptionHealth.Bucket(t.getEpochSecond() / 60 * 60, 1, 3)), 850L, t.plusSeconds(240),
                t.plusSeconds(270), null, 30, version);
    }

    private void writeHealth(String id, SubscriptionHealth health) {
        env.resources.dynamoDb.updateItem(r -> r.tableName(config.subscriptionsTable())
                .key(Map.of("subscriptionId", AttributeValue.fromS(id)))
                .updateExpression("SET #h = :h, #v = :v")
                .expressionAttributeNames(Map.of("#h", SubscriptionHealthItems.HEALTH,
                        "#v", SubscriptionHealthItems.HEALTH_VERSION))
                .expressionAttributeValues(Map.of(":h", SubscriptionHealthItems.toAttribute(health),
                        ":v", AttributeValue.fromN(Long.toString(health.version())))));
    }

    /** The "subscription state changed" log lines, oldest first. */
    private List<JsonNode> notices() throws Exception {
        List<JsonNode> notices = new ArrayList<>();
        for (String line : env.logText().split("\n")) {
            if (line.contains("\"subscription state changed\"")) {
                notices.add(Json.mapper().readTree(line));
            }
        }
        return notices;
    }

    private List<DeliveryTask> queued() {
        return env.receiveAll().stream().map(m -> TaskQueue.fromJson(m.body())).toList();
    }

    @Test
    void get_showsStatePausedAndHealth_initiallyHealthyThenAsTheDeliverySideWroteIt(AwsBackend backend)
            throws Exception {
        start(backend);
        String id = create();
        JsonNode fresh = call("GET", "/api/v1/subscriptions/" + id, null).subscription();
        assertThat(fresh.get("state").asText()).isEqualTo("healthy");
        assertThat(fresh.get("paused").asBoolean()).isFalse();
        assertThat(fresh.at("/health/state").asText()).isEqualTo("healthy");
        assertThat(fresh.at("/health/breaker").asText()).isEqualTo("closed");
        assertThat(fresh.at("/health/consecutiveFailures").asInt()).isZero();
        assertThat(fresh.at("/health/successRate").isNull()).isTrue();
        assertThat(fresh.at("/health/windowAttempts").asInt()).isZero();
        assertThat(fresh.at("/health/lastSuccessAt").isNull()).isTrue();

        writeHealth(id, failing(7));

        JsonNode read = call("GET", "/api/v1/subscriptions/" + id, null).subscription();
        assertThat(read.get("state").asText()).isEqualTo("failing");
        JsonNode health = read.get("health");
        assertThat(health.get("state").asText()).isEqualTo("failing");
        assertThat(health.get("breaker").asText()).isEqualTo("open");
        assertThat(health.get("consecutiveFailures").asInt()).isEqualTo(12);
        assertThat(health.get("failingSince").asText()).isEqualTo("2026-11-28T08:00:00Z");
        assertThat(health.get("lastSuccessAt").asText()).isEqualTo("2026-11-28T07:50:00Z");
        assertThat(health.get("lastFailureAt").asText()).isEqualTo("2026-11-28T08:05:00Z");
        assertThat(health.get("lastFailure").asText()).isEqualTo("HTTP 503");
        assertThat(health.get("lastResponseSnippet").asText()).isEqualTo("upstream down");
        assertThat(health.get("successRate").asDouble()).isEqualTo(0.25);
        assertThat(health.get("windowAttempts").asInt()).isEqualTo(4);
        assertThat(health.get("latencyEwmaMs").asLong()).isEqualTo(850);
        assertThat(health.get("breakerOpenedAt").asText()).isEqualTo("2026-11-28T08:04:00Z");
        assertThat(health.get("retryAt").asText()).isEqualTo("2026-11-28T08:04:30Z");
        assertThat(health.has("window")).isFalse();
        JsonNode listed = call("GET", "/api/v1/subscriptions", null).body().get("subscriptions").get(0);
        assertThat(listed.get("state").asText()).isEqualTo("failing");
        assertThat(listed.get("health")).isEqualTo(health);
    }

    @Test
    void replace_whenTheDeliverySideWroteHealthSinceTheRead_keepsThatHealth(AwsBackend backend) throws Exception {
        start(backend);
        String id = create();
        Subscription read = store.find(id).orElseThrow();
        writeHealth(id, failing(3)); // after our read, before our write: a delivery batch's flush

        Instant now = SubscriptionStore.nextUpdatedAt(read.updatedAt(), Instant.now());
        Subscription renamed = new Subscription(id, read.url(), read.eventTypes(), "renamed", read.active(),
                read.secrets(), read.createdAt(), now, read.disabledReason(), read.paused(), read.health());
        assertThat(store.replace(renamed, read.updatedAt())).isTrue();

        Subscription stored = store.find(id).orElseThrow();
        assertThat(stored.description()).isEqualTo("renamed");
        assertThat(stored.health()).isEqualTo(failing(3));
        // And through the routes that rewrite the item: PATCH and rotate-secret.
        assertThat(call("PATCH", "/api/v1/subscriptions/" + id, "{\"description\":\"again\"}").status())
                .isEqualTo(200);
        assertThat(call("POST", "/api/v1/subscriptions/" + id + "/rotate-secret", null).status()).isEqualTo(200);
        assertThat(call("POST", "/api/v1/subscriptions/" + id + "/pause", null).status()).isEqualTo(200);
        assertThat(store.find(id).orElseThrow().health()).isEqualTo(failing(3));
    }

    @Test
    void pauseAndResume_whenRepeated_areIdempotentAnswerTheViewQueueDrainsAndNotifyOncePerChange(AwsBackend backend)
            throws Exception {
        start(backend);
        String id = create();

        Response paused = call("POST", "/api/v1/subscriptions/" + id + "/pause", null, ALICE);
        Response again = call("POST", "/api/v1/subscriptions/" + id + "/pause", null, ALICE);

        assertThat(paused.status()).as(paused.raw()).isEqualTo(200);
        assertThat(paused.subscription().get("paused").asBoolean()).isTrue();
        assertThat(paused.subscription().get("state").asText()).isEqualTo("paused");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.subscription().get("state").asText()).isEqualTo("paused");
        assertThat(store.find(id).orElseThrow().paused()).isTrue();
        assertThat(queued()).isEmpty(); // a pause queues nothing: the delivery side holds what arrives
        assertThat(notices()).hasSize(1);
        JsonNode notice = notices().getFirst();
        assertThat(notice.get("subscriptionId").asText()).isEqualTo(id);
        assertThat(notice.get("change").asText()).isEqualTo("PAUSED");
        assertThat(notice.get("from").asText()).isEqualTo("healthy");
        assertThat(notice.get("to").asText()).isEqualTo("paused");
        assertThat(notice.get("actor").asText()).isEqualTo(ALICE);

        Response resumed = call("POST", "/api/v1/subscriptions/" + id + "/resume", null);
        Response resumedAgain = call("POST", "/api/v1/subscriptions/" + id + "/resume", null);

        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.subscription().get("paused").asBoolean()).isFalse();
        assertThat(resumed.subscription().get("state").asText()).isEqualTo("healthy");
        assertThat(resumedAgain.status()).isEqualTo(200);
        // Each resume queues a DRAIN (the first one's may have been lost); the drain's lease makes two harmless.
        assertThat(queued()).containsExactly(DeliveryTask.drain(id), DeliveryTask.drain(id));
        assertThat(notices()).extracting(n -> n.get("change").asText()).containsExactly("PAUSED", "RESUMED");
        assertThat(notices().getLast().get("actor").asText()).isEqualTo("operator");
    }

    @Test
    void pauseResumeAndRecover_whenSubscriptionUnknown_answer404SubscriptionNotFound(AwsBackend backend)
            throws Exception {
        start(backend);
        for (String path : List.of("/pause", "/resume", "/recover")) {
            for (String id : List.of("sub_" + "0".repeat(32), "nonsense")) {
                Response r = call("POST", "/api/v1/subscriptions/" + id + path,
                        "{\"since\":\"" + Instant.now() + "\"}");
                assertThat(r.status()).as(path + " " + id).isEqualTo(404);
                assertThat(r.body().at("/error/code").asText()).isEqualTo("SUBSCRIPTION_NOT_FOUND");
            }
        }
        assertThat(env.depth(env.queueUrl)).isZero();
        assertThat(notices()).isEmpty();
    }

    @Test
    void patch_whenReEnablingADisabledSubscription_resetsHealthClearsTheReasonQueuesADrainAndNotifies(
            AwsBackend backend) throws Exception {
        start(backend);
        String id = create();
        writeHealth(id, failing(5));
        assertThat(store.disable(store.find(id).orElseThrow(), "receiver answered 410 Gone", Instant.now())).isTrue();
        assertThat(call("GET", "/api/v1/subscriptions/" + id, null).subscription().get("state").asText())
                .isEqualTo("disabled");

        Response enabled = call("PATCH", "/api/v1/subscriptions/" + id, "{\"active\":true}", ALICE);

        assertThat(enabled.status()).as(enabled.raw()).isEqualTo(200);
        assertThat(enabled.subscription().get("state").asText()).isEqualTo("healthy");
        assertThat(enabled.subscription().get("disabledReason").isNull()).isTrue();
        assertThat(enabled.subscription().at("/health/consecutiveFailures").asInt()).isZero();
        Subscription stored = store.find(id).orElseThrow();
        assertThat(stored.active()).isTrue();
        assertThat(stored.disabledReason()).isNull();
        assertThat(stored.health().state()).isEqualTo(SubscriptionHealth.State.HEALTHY);
        assertThat(stored.health().breaker()).isEqualTo(SubscriptionHealth.Breaker.CLOSED);
        assertThat(stored.health().consecutiveFailures()).isZero();
        // A new version: a delivery-side flush that read version 5 is refused and re-applies on the fresh record.
        assertThat(stored.health().version()).isEqualTo(6);
        assertThat(queued()).containsExactly(DeliveryTask.drain(id));
        JsonNode notice = notices().getLast();
        assertThat(notice.get("change").asText()).isEqualTo("ENABLED");
        assertThat(notice.get("from").asText()).isEqualTo("disabled");
        assertThat(notice.get("to").asText()).isEqualTo("healthy");
        assertThat(notice.get("actor").asText()).isEqualTo(ALICE);
        assertThat(notice.get("lastStatus").asText()).isEqualTo("HTTP 503");

        Response disabled = call("PATCH", "/api/v1/subscriptions/" + id, "{\"active\":false}");
        assertThat(disabled.subscription().get("state").asText()).isEqualTo("disabled");
        assertThat(notices()).extracting(n -> n.get("change").asText()).containsExactly("ENABLED", "DISABLED");
        assertThat(queued()).isEmpty();
        // A PATCH that changes nothing about delivery says nothing.
        call("PATCH", "/api/v1/subscriptions/" + id, "{\"description\":\"quiet\"}");
        assertThat(notices()).hasSize(2);
    }

    private static APIGatewayProxyRequestEvent sample(String file) throws Exception {
        try (var in = SubscriptionStateIntegrationTest.class.getClassLoader().getResourceAsStream(file)) {
            assertThat(in).as(file).isNotNull();
            return Json.mapper().readValue(in, APIGatewayProxyRequestEvent.class);
        }
    }

    /** The sample requests in events/ (what sam local invoke sends the management function) work as written. */
    @Test
    void sampleEvents_pauseResumeRecover_areAnsweredAsDocumented(AwsBackend backend) throws Exception {
        start(backend);
        // The samples name this subscription and recover since 2026-11-27: a clock a day later keeps them valid.
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
        handler = new ManagementApiHandler(config, env.resources.dynamoDb, env.resources.sqs, env.eventStore(config),
                clock, env.log);
        Instant createdAt = Instant.parse("2026-11-20T00:00:00Z");
        store.create(new Subscription("sub_0123456789abcdef0123456789abcdef", "https://hooks.example.com/ats",
                List.of("job.*"), null, true, List.of(new Subscription.SigningSecret("whsec_" + "B".repeat(43) + "=",
                        null)), createdAt, createdAt, null, false, null));

        APIGatewayProxyResponseEvent paused = handler.handleRequest(sample("post-subscription-pause.json"), null);
        assertThat(paused.getStatusCode()).as(paused.getBody()).isEqualTo(200);
        assertThat(Json.mapper().readTree(paused.getBody()).at("/subscription/state").asText()).isEqualTo("paused");
        assertThat(notices().getLast().get("actor").asText()).isEqualTo("arn:aws:iam::123456789012:user/alice");
        APIGatewayProxyResponseEvent resumed = handler.handleRequest(sample("post-subscription-resume.json"), null);
        assertThat(resumed.getStatusCode()).as(resumed.getBody()).isEqualTo(200);
        assertThat(Json.mapper().readTree(resumed.getBody()).at("/subscription/paused").asBoolean()).isFalse();
        APIGatewayProxyResponseEvent recover = handler.handleRequest(sample("post-subscription-recover.json"), null);
        assertThat(recover.getStatusCode()).as(recover.getBody()).isEqualTo(202);
        assertThat(Json.mapper().readTree(recover.getBody()).at("/recovery/since").asText())
                .isEqualTo("2026-11-27T00:00:00Z");
        assertThat(queued()).extracting(DeliveryTask::kind)
                .containsExactlyInAnyOrder(DeliveryTask.Kind.DRAIN, DeliveryTask.Kind.RECOVER);
    }

    @Test
    void pause_whenANotificationTopicIsConfigured_publishesTheChangeToIt(AwsBackend backend) throws Exception {
        env = DeliveryTestEnvironment.create(backend);
        // SNS and the queue that hears it, on the server that serves SNS (moto_server or LocalStack).
        SnsClient sns = env.resources.clients.sns();
        String topicArn = sns.createTopic(r -> r.name("relay-notices-" + UUID.randomUUID())).topicArn();
        SqsClient listenerSqs = SqsClient.builder().region(backend.region()).credentialsProvider(backend.credentials())
                .endpointOverride(env.resources.clients.snsEndpoint()).build();
        String listener = listenerSqs.createQueue(r -> r.queueName("notices-" + UUID.randomUUID())).queueUrl();
        String listenerArn = listenerSqs.getQueueAttributes(r -> r.queueUrl(listener)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(listenerArn));
        config = env.config(Map.of(EnvVars.NOTIFICATION_TOPIC_ARN, topicArn));
        handler = new ManagementApiHandler(config, env.resources.clients);
        String id = create();

        assertThat(call("POST", "/api/v1/subscriptions/" + id + "/pause", null, ALICE).status()).isEqualTo(200);

        List<Message> received = listenerSqs.receiveMessage(r -> r.queueUrl(listener).waitTimeSeconds(5)).messages();
        assertThat(received).hasSize(1);
        JsonNode envelope = Json.mapper().readTree(received.getFirst().body());
        JsonNode change = Json.mapper().readTree(envelope.get("Message").asText());
        assertThat(change.get("subscriptionId").asText()).isEqualTo(id);
        assertThat(change.get("change").asText()).isEqualTo("PAUSED");
        assertThat(change.get("actor").asText()).isEqualTo(ALICE);
    }
}
