package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.delivery.DeliveryHandler;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Each event's delivery state in GET /api/v1/events (rows) and GET /api/v1/events/{id} (summary and per
 * subscription), as the real delivery function records it on moto_server and ElasticMQ; and the list page's
 * DynamoDB requests, counted on the wire by an SDK interceptor, not growing with the page.
 */
@ExtendWith(SharedAwsBackend.class)
class EventDeliveryStateIntegrationTest {

    private record Setup(DeliveryTestEnvironment env, RelayConfig config, DeliveryHandler delivery,
                         ManagementApiHandler management, IngestApiHandler events, List<String> dynamoDbCalls) {
    }

    private static Setup setup(AwsBackend backend, Map<String, String> overrides) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(overrides);
        List<String> calls = new CopyOnWriteArrayList<>();
        DynamoDbClient counted = DynamoDbClient.builder().region(backend.region())
                .credentialsProvider(backend.credentials()).endpointOverride(backend.dynamoDbEndpoint())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeTransmission(Context.BeforeTransmission context,
                                                   ExecutionAttributes attributes) {
                        // Once per HTTP request sent, so an SDK retry would count too.
                        calls.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
                    }
                }))
                .build();
        StructuredLog log = new StructuredLog(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), Clock.systemUTC());
        return new Setup(env, config, new DeliveryHandler(config, env.resources.clients),
                new ManagementApiHandler(config, env.resources.clients),
                new IngestApiHandler(config, counted, env.resources.sqs, env.resources.s3, Clock.systemUTC(), log),
                calls);
    }

    private static String subscribe(Setup s, String url) throws Exception {
        APIGatewayProxyResponseEvent response = s.management().handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withPath("/api/v1/subscriptions")
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"url\":\"" + url + "\",\"eventTypes\":[\"job.*\"]}"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
        return Json.mapper().readTree(response.getBody()).get("subscription").get("subscriptionId").asText();
    }

    /** Stores an event (as ingest does, list keys included) and queues its FAN_OUT; not yet delivered. */
    private static String publish(Setup s) {
        String eventId = store(s);
        s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl)
                .messageBody(TaskQueue.toJson(DeliveryTask.fanOut(eventId, "job.created"))));
        return eventId;
    }

    private static String store(Setup s) {
        return s.env().putEvent(s.config(), UUID.randomUUID().toString(), "job.created", "{\"jobId\":\"j-1\"}");
    }

    /** Polls the delivery queue until it stays empty: fan-out, then every attempt due now. */
    private static void deliverAll(Setup s) {
        while (s.env().pollReceived(s.delivery(), 1) > 0) {
            // keep polling
        }
    }

    private static JsonNode detail(Setup s, String eventId) {
        APIGatewayProxyResponseEvent response = s.events().handleRequest(
                Requests.get("/api/v1/events/" + eventId, Map.of()), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return json(response).get("event");
    }

    /** The row of {@code eventId} in GET /api/v1/events. */
    private static JsonNode row(Setup s, String eventId) {
        APIGatewayProxyResponseEvent response = s.events().handleRequest(
                Requests.get("/api/v1/events", Map.of("limit", "100")), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        for (JsonNode row : json(response).get("events")) {
            if (row.get("id").textValue().equals(eventId)) {
                return row;
            }
        }
        throw new AssertionError("event " + eventId + " not listed: " + response.getBody());
    }

    private static void assertDelivery(JsonNode delivery, String state, int subscriptions, int delivered) {
        assertThat(delivery.get("state").textValue()).as(delivery.toString()).isEqualTo(state);
        assertThat(delivery.get("subscriptions").intValue()).as(delivery.toString()).isEqualTo(subscriptions);
        assertThat(delivery.get("delivered").intValue()).as(delivery.toString()).isEqualTo(delivered);
    }

    @Test
    void list_whenDeliveredToEverySubscription_showsDelivered(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver a = WebhookReceiver.answering(200); WebhookReceiver b = WebhookReceiver.answering(204)) {
            String subA = subscribe(s, a.url());
            String subB = subscribe(s, b.url());
            String eventId = publish(s);

            deliverAll(s);

            assertDelivery(row(s, eventId).get("delivery"), "delivered", 2, 2);
            JsonNode event = detail(s, eventId);
            assertDelivery(event.get("delivery"), "delivered", 2, 2);
            assertThat(event.get("deliveries")).extracting(d -> d.get("subscriptionId").textValue())
                    .containsExactlyInAnyOrder(subA, subB);
            for (JsonNode d : event.get("deliveries")) {
                assertThat(d.get("state").textValue()).isEqualTo("delivered");
                assertThat(d.get("attempts").intValue()).isEqualTo(1);
                assertThat(d.get("webhookId").textValue()).startsWith("msg_");
                assertThat(Instant.parse(d.get("lastAttemptAt").textValue()))
                        .isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(1, ChronoUnit.MINUTES));
            }
            // The state item is in no index: none of its writes costs an index write, and no list can show it.
            for (RelaySchema.Index index : RelaySchema.EVENTS.indexes()) {
                assertThat(s.env().resources.dynamoDb.scan(r -> r.tableName(s.config().eventsTable())
                        .indexName(index.name())).items()).as(index.name())
                        .noneMatch(item -> DeliveryStates.SK.equals(item.get(RelaySchema.SK).s()));
            }
        }
    }

    @Test
    void list_whenOneSubscriptionIsRetrying_showsRetryingWithTheOtherDelivered(AwsBackend backend) throws Exception {
        // A long first backoff keeps the retry off the queue while the state is read.
        Setup s = setup(backend, Map.of(EnvVars.RETRY_SCHEDULE_SECONDS, "600"));
        try (WebhookReceiver ok = WebhookReceiver.answering(200);
             WebhookReceiver failing = WebhookReceiver.answering(503)) {
            subscribe(s, ok.url());
            String failingSub = subscribe(s, failing.url());
            String eventId = publish(s);

            deliverAll(s);

            assertDelivery(row(s, eventId).get("delivery"), "retrying", 2, 1);
            JsonNode failingEntry = entry(detail(s, eventId), failingSub);
            assertThat(failingEntry.get("state").textValue()).isEqualTo("retrying");
            assertThat(failingEntry.get("attempts").intValue()).isEqualTo(1);
        }
    }

    @Test
    void list_whenOneSubscriptionsBudgetIsSpent_showsDeadLettered(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of(EnvVars.MAX_RETRY_ATTEMPTS, "1"));
        try (WebhookReceiver ok = WebhookReceiver.answering(200);
             WebhookReceiver failing = WebhookReceiver.answering(500)) {
            subscribe(s, ok.url());
            String failingSub = subscribe(s, failing.url());
            String eventId = publish(s);

            deliverAll(s);

            assertThat(failing.requests()).hasSize(2);
            assertDelivery(row(s, eventId).get("delivery"), "dead_lettered", 2, 1);
            JsonNode failingEntry = entry(detail(s, eventId), failingSub);
            assertThat(failingEntry.get("state").textValue()).isEqualTo("dead_lettered");
            assertThat(failingEntry.get("attempts").intValue()).isEqualTo(2);
            assertThat(s.env().depth(s.env().dlqUrl)).isEqualTo(1);
        }
    }

    @Test
    void list_whenTheOnlySubscriptionIsPaused_showsHeldWithoutAnAttempt(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            String sub = subscribe(s, receiver.url());
            APIGatewayProxyResponseEvent paused = s.management().handleRequest(new APIGatewayProxyRequestEvent()
                    .withHttpMethod("POST").withPath("/api/v1/subscriptions/" + sub + "/pause"), null);
            assertThat(paused.getStatusCode()).as(paused.getBody()).isEqualTo(200);
            String eventId = publish(s);

            deliverAll(s);

            assertThat(receiver.requests()).isEmpty();
            assertDelivery(row(s, eventId).get("delivery"), "held", 1, 0);
            JsonNode held = entry(detail(s, eventId), sub);
            assertThat(held.get("state").textValue()).isEqualTo("held");
            assertThat(held.get("attempts").intValue()).isZero();
            assertThat(held.get("lastAttemptAt").isNull()).isTrue();
        }
    }

    @Test
    void list_whenNoSubscriptionMatches_showsNoSubscribers(AwsBackend backend) {
        Setup s = setup(backend, Map.of());
        String eventId = publish(s);

        deliverAll(s);

        assertDelivery(row(s, eventId).get("delivery"), "no_subscribers", 0, 0);
        JsonNode event = detail(s, eventId);
        assertDelivery(event.get("delivery"), "no_subscribers", 0, 0);
        assertThat(event.get("deliveries")).isEmpty();
    }

    @Test
    void list_beforeTheFanOut_showsPending(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            subscribe(s, receiver.url());
            String eventId = publish(s); // queued, not yet fanned out

            assertDelivery(row(s, eventId).get("delivery"), "pending", 0, 0);
            assertDelivery(detail(s, eventId).get("delivery"), "pending", 0, 0);

            s.env().pollReceived(s.delivery(), 1); // the fan-out only: matched one, not attempted yet
            assertDelivery(row(s, eventId).get("delivery"), "pending", 1, 0);
            assertThat(receiver.requests()).isEmpty();
        }
    }

    @Test
    void list_pageOfManyEvents_costsAsManyDynamoDbRequestsAsAPageOfOne(AwsBackend backend) throws Exception {
        Setup s = setup(backend, Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            subscribe(s, receiver.url());
            publish(s);
            deliverAll(s);
            Map<String, String> today = Map.of("from", Instant.now().truncatedTo(ChronoUnit.DAYS).toString(),
                    "limit", "100");

            List<String> one = listCalls(s, today, 1);
            for (int i = 0; i < 24; i++) {
                publish(s);
            }
            deliverAll(s);
            List<String> many = listCalls(s, today, 25);

            assertThat(many).filteredOn("BatchGetItem"::equals).hasSize(1);
            assertThat(many).doesNotContain("GetItem", "Scan");
            assertThat(many).hasSameSizeAs(one);
        }
    }

    /** The DynamoDB requests of one list call, which must return {@code expected} rows, all delivered. */
    private static List<String> listCalls(Setup s, Map<String, String> query, int expected) {
        s.dynamoDbCalls().clear();
        APIGatewayProxyResponseEvent response = s.events().handleRequest(Requests.get("/api/v1/events", query), null);
        List<String> calls = List.copyOf(s.dynamoDbCalls());
        JsonNode rows = json(response).get("events");
        assertThat(rows).hasSize(expected);
        rows.forEach(row -> assertDelivery(row.get("delivery"), "delivered", 1, 1));
        return calls;
    }

    private static JsonNode entry(JsonNode event, String subscriptionId) {
        for (JsonNode d : event.get("deliveries")) {
            if (d.get("subscriptionId").textValue().equals(subscriptionId)) {
                return d;
            }
        }
        throw new AssertionError("no delivery for " + subscriptionId + " in " + event);
    }
}
