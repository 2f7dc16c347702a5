package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.ArgumentMatchers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

@ExtendWith(SharedAwsBackend.class)
class ManagementApiHandlerIntegrationTest {
    private record Response(int status, JsonNode body, String raw) {
    }

    private DeliveryTestEnvironment env;
    private RelayConfig config;
    private ManagementApiHandler handler;

    private void start(AwsBackend backend) {
        env = DeliveryTestEnvironment.create(backend);
        config = env.config(Map.of(com.algohire.relay.config.EnvVars.SSRF_ALLOWLIST, "127.0.0.1:9"));
        handler = new ManagementApiHandler(config, env.resources.dynamoDb, env.resources.sqs, env.eventStore(config),
                Clock.systemUTC(), env.log);
    }

    private Response call(String method, String path, String body, Map<String, String> query) throws Exception {
        APIGatewayProxyRequestEvent request = new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path)
                .withHeaders(Map.of("content-type", "application/json")).withBody(body)
                .withQueryStringParameters(query);
        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);
        return new Response(response.getStatusCode(), Json.mapper().readTree(response.getBody()), response.getBody());
    }

    private Response call(String method, String path, String body) throws Exception {
        return call(method, path, body, null);
    }

    private static String createBody(String url) {
        return "{\"url\":\"" + url + "\",\"eventTypes\":[\"job.created\",\"candidate.*\"],\"description\":\"ATS\"}";
    }

    @Test
    void handleRequest_whenAnswered_writesOneRequestLineLikeTheIngestFunction(AwsBackend backend) throws Exception {
        start(backend);
        call("GET", "/api/v1/subscriptions/sub_unknown", null);

        String[] lines = env.logText().strip().split("\n");
        JsonNode line = Json.mapper().readTree(lines[lines.length - 1]);
        assertThat(line.get("message").asText()).isEqualTo("request");
        assertThat(line.get("method").asText()).isEqualTo("GET");
        assertThat(line.get("route").asText()).isEqualTo("GET /api/v1/subscriptions/sub_unknown");
        assertThat(line.get("status").asInt()).isEqualTo(404);
        assertThat(line.get("errorCode").asText()).isEqualTo("SUBSCRIPTION_NOT_FOUND");
        assertThat(line.has("processingTimeMs")).isTrue();
    }

    @Test
    void handleRequest_whenRouteUnknown_returns404RouteNotFoundLikeTheIngestFunction(AwsBackend backend)
            throws Exception {
        start(backend);
        Response response = call("GET", "/api/v1/nothing", null);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.body().at("/error/code").asText()).isEqualTo("ROUTE_NOT_FOUND");
        assertThat(response.body().at("/error/message").asText()).isEqualTo("No route for GET /api/v1/nothing.");
        assertThat(response.body().get("success").asBoolean()).isFalse();
    }

    @Test
    void handleRequest_whenMethodNotAllowed_returns405WithAllow(AwsBackend backend) {
        start(backend);
        Map<String, String> allowByPath = Map.of(
                "/api/v1/subscriptions", "GET, POST",
                "/api/v1/subscriptions/sub_0123456789abcdef0123456789abcdef", "GET, PATCH, DELETE",
                "/api/v1/subscriptions/sub_0123456789abcdef0123456789abcdef/rotate-secret", "POST",
                "/api/v1/subscriptions/sub_0123456789abcdef0123456789abcdef/pause", "POST",
                "/api/v1/subscriptions/sub_0123456789abcdef0123456789abcdef/recover", "POST",
                "/api/v1/subscriptions/sub_0123456789abcdef0123456789abcdef/recoveries/rcv_1", "GET",
                "/api/v1/events/evt_1/replay", "POST",
                "/api/v1/dlq", "GET",
                "/api/v1/dlq/redrive", "POST");
        allowByPath.forEach((path, allow) -> {
            APIGatewayProxyResponseEvent response = handler.handleRequest(new APIGatewayProxyRequestEvent()
                    .withHttpMethod("PUT").withPath(path), null);
            assertThat(response.getStatusCode()).as(path).isEqualTo(405);
            assertThat(response.getHeaders()).as(path).containsEntry("Allow", allow);
            assertThat(response.getBody()).as(path).contains("\"code\":\"METHOD_NOT_ALLOWED\"");
        });
    }

    @Test
    void subscriptions_whenCreatedReadPatchedDeleted_followCrudContract(AwsBackend backend) throws Exception {
        start(backend);
        Response created = call("POST", "/api/v1/subscriptions", createBody("https://hooks.example.com/ats"));
        assertThat(created.status()).isEqualTo(201);
        JsonNode subscription = created.body().get("subscription");
        String id = subscription.get("subscriptionId").asText();
        String secret = subscription.get("secret").asText();
        assertThat(secret).matches("whsec_[A-Za-z0-9+/]{43}=");
        assertThat(subscription.get("active").asBoolean()).isTrue();

        Response read = call("GET", "/api/v1/subscriptions/" + id, null);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body().get("subscription").get("eventTypes")).hasSize(2);
        assertThat(read.raw()).doesNotContain(secret).doesNotContain("\"secret\"");

        Response patched = call("PATCH", "/api/v1/subscriptions/" + id,
                "{\"eventTypes\":[\"*\"],\"active\":false,\"description\":\"paused\"}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.body().get("subscription").get("active").asBoolean()).isFalse();
        assertThat(patched.body().get("subscription").get("eventTypes").get(0).asText()).isEqualTo("*");
        assertThat(patched.raw()).doesNotContain(secret);

        assertThat(call("DELETE", "/api/v1/subscriptions/" + id, null).status()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/subscriptions/" + id, null).status()).isEqualTo(404);
        assertThat(call("DELETE", "/api/v1/subscriptions/" + id, null).status()).isEqualTo(404);
        assertThat(env.logText()).doesNotContain(secret);
    }

    /**
     * The management handler over a DynamoDB client whose writes to the subscriptions table land but lose their
     * reply, so that the SDK's retry repeats them: each stubbed call makes the real call twice and answers the
     * second's outcome (for a conditional write, the server's real ConditionalCheckFailedException).
     */
    private ManagementApiHandler lostRepliesHandler() {
        DynamoDbClient real = env.resources.dynamoDb;
        DynamoDbClient dynamoDb = spy(real);
        String table = config.subscriptionsTable();
        doAnswer(invocation -> {
            PutItemRequest request = invocation.getArgument(0);
            real.putItem(request);
            return real.putItem(request);
        }).when(dynamoDb)
                .putItem(ArgumentMatchers.<PutItemRequest>argThat(r -> r != null && table.equals(r.tableName())));
        doAnswer(invocation -> {
            UpdateItemRequest request = invocation.getArgument(0);
            real.updateItem(request);
            return real.updateItem(request);
        }).when(dynamoDb)
                .updateItem(ArgumentMatchers.<UpdateItemRequest>argThat(r -> r != null && table.equals(r.tableName())));
        doAnswer(invocation -> {
            DeleteItemRequest request = invocation.getArgument(0);
            real.deleteItem(request);
            return real.deleteItem(request);
        }).when(dynamoDb).deleteItem(ArgumentMatchers.<DeleteItemRequest>argThat(r -> r != null
                && table.equals(r.tableName())));
        return new ManagementApiHandler(config, dynamoDb, env.resources.sqs, env.eventStore(config), Clock.systemUTC(),
                env.log);
    }

    @Test
    void subscriptionWrites_mockitoInjectedLostRepliesRetriedBySdk_answerAsIfTheReplyHadArrived(AwsBackend backend)
            throws Exception {
        start(backend);
        handler = lostRepliesHandler();
        SubscriptionStore store = new SubscriptionStore(env.resources.dynamoDb, config.subscriptionsTable());

        Response created = call("POST", "/api/v1/subscriptions", createBody("https://hooks.example.com/ats"));
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        String id = created.body().at("/subscription/subscriptionId").asText();
        assertThat(store.find(id).orElseThrow().signingSecrets(Instant.now()))
                .containsExactly(created.body().at("/subscription/secret").asText());
        assertThat(call("GET", "/api/v1/subscriptions", null).body().get("subscriptions")).hasSize(1);

        Response patched = call("PATCH", "/api/v1/subscriptions/" + id, "{\"description\":\"renamed\"}");
        assertThat(patched.status()).as(patched.raw()).isEqualTo(200);

        Response rotated = call("POST", "/api/v1/subscriptions/" + id + "/rotate-secret", null);
        assertThat(rotated.status()).as(rotated.raw()).isEqualTo(200);
        assertThat(store.find(id).orElseThrow().signingSecrets(Instant.now()).getFirst())
                .isEqualTo(rotated.body().at("/subscription/secret").asText());

        Response paused = call("POST", "/api/v1/subscriptions/" + id + "/pause", null);
        assertThat(paused.status()).as(paused.raw()).isEqualTo(200);
        assertThat(store.find(id).orElseThrow().paused()).isTrue();
        Response resumed = call("POST", "/api/v1/subscriptions/" + id + "/resume", null);
        assertThat(resumed.status()).as(resumed.raw()).isEqualTo(200);
        assertThat(store.find(id).orElseThrow().paused()).isFalse();
        Response disabled = call("PATCH", "/api/v1/subscriptions/" + id, "{\"active\":false}");
        assertThat(disabled.status()).as(disabled.raw()).isEqualTo(200);
        Response enabled = call("PATCH", "/api/v1/subscriptions/" + id, "{\"active\":true}");
        assertThat(enabled.status()).as(enabled.raw()).isEqualTo(200);
        assertThat(store.find(id).orElseThrow().active()).isTrue();

        Response deleted = call("DELETE", "/api/v1/subscriptions/" + id, null);
        assertThat(deleted.status()).as(deleted.raw()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/subscriptions/" + id, null).status()).isEqualTo(404);
    }

    @Test
    void list_whenMoreThanOnePage_followsCursorToEveryItem(AwsBackend backend) throws Exception {
        start(backend);
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            created.add(call("POST", "/api/v1/subscriptions", createBody("https://hooks.example.com/" + i))
                    .body().get("subscription").get("subscriptionId").asText());
        }
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            Map<String, String> query = cursor == null ? Map.of("limit", "2") : Map.of("limit", "2", "cursor", cursor);
            Response page = call("GET", "/api/v1/subscriptions", null, query);
            assertThat(page.status()).isEqualTo(200);
            page.body().get("subscriptions").forEach(s -> seen.add(s.get("subscriptionId").asText()));
            assertThat(page.raw()).doesNotContain("whsec_");
            cursor = page.body().get("nextCursor").isNull() ? null : page.body().get("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).isEqualTo(created);
        assertThat(pages).isGreaterThanOrEqualTo(3);
        assertThat(call("GET", "/api/v1/subscriptions", null, Map.of("limit", "0")).body().at("/error/code").asText())
                .isEqualTo("INVALID_LIMIT");
        assertThat(call("GET", "/api/v1/subscriptions", null, Map.of("cursor", "garbage!")).body()
                .at("/error/code").asText())
                .isEqualTo("INVALID_CURSOR");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://hooks.example.com/x", "https://127.0.0.1/x", "https://0177.0.0.1/x",
            "https://2130706433/x", "https://169.254.169.254/latest/meta-data", "https://[::1]/x",
            "https://[::ffff:10.0.0.1]/x", "https://localhost/x", "https://u:p@hooks.example.com/x", "relative",
            "https://hooks.example.com:99999/", "https://hooks.example.com:0/"})
    void create_whenUrlRefused_returns400InvalidUrl(String url, AwsBackend backend) throws Exception {
        start(backend);
        Response response = call("POST", "/api/v1/subscriptions", createBody(url));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().at("/error/code").asText()).isEqualTo("INVALID_URL");
        assertThat(response.body().at("/error/field").asText()).isEqualTo("url");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com:99999/", "https://hooks.example.com:0/"})
    void patch_whenUrlPortOutOfRange_returns400InvalidUrlAndKeepsTheOldUrl(String url, AwsBackend backend)
            throws Exception {
        start(backend);
        String id = call("POST", "/api/v1/subscriptions", createBody("https://hooks.example.com/ats"))
                .body().at("/subscription/subscriptionId").asText();

        Response response = call("PATCH", "/api/v1/subscriptions/" + id, "{\"url\":\"" + url + "\"}");

        assertThat(response.status()).as(response.raw()).isEqualTo(400);
        assertThat(response.body().at("/error/code").asText()).isEqualTo("INVALID_URL");
        assertThat(response.body().at("/error/field").asText()).isEqualTo("url");
        assertThat(call("GET", "/api/v1/subscriptions/" + id, null).body().at("/subscription/url").asText())
                .isEqualTo("https://hooks.example.com/ats");
    }

    @Test
    void create_whenFieldsInvalid_returns400NamingField(AwsBackend backend) throws Exception {
        start(backend);
        Map<String, String> cases = Map.of(
                "{\"url\":\"https://h.example.com\",\"eventTypes\":[]}", "INVALID_EVENT_TYPES",
                "{\"url\":\"https://h.example.com\",\"eventTypes\":[\"Job.Created\"]}", "INVALID_EVENT_TYPES",
                "{\"url\":\"https://h.example.com\",\"eventTypes\":[\"payroll.*\"]}", "INVALID_EVENT_TYPES",
                "{\"url\":\"https://h.example.com\",\"eventTypes\":[\"*\"],\"description\":5}", "INVALID_DESCRIPTION",
                "{\"url\":\"https://h.example.com\",\"eventTypes\":[\"*\"],\"secret\":\"x\"}", "UNKNOWN_FIELD",
                "{\"eventTypes\":[\"*\"]}", "INVALID_URL",
                "[1]", "INVALID_BODY",
                "{not json", "INVALID_JSON");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Response response = call("POST", "/api/v1/subscriptions", c.getKey());
            assertThat(response.status()).as(c.getKey()).isEqualTo(400);
            assertThat(response.body().at("/error/code").asText()).as(c.getKey()).isEqualTo(c.getValue());
        }
        assertThat(call("PATCH", "/api/v1/subscriptions/sub_" + "a".repeat(32), "{\"active\":true}").status())
                .isEqualTo(404);
        Response created = call("POST", "/api/v1/subscriptions", createBody("https://hooks.example.com/ats"));
        String id = created.body().at("/subscription/subscriptionId").asText();
        assertThat(call("PATCH", "/api/v1/subscriptions/" + id, "{\"active\":\"yes\"}").body()
                .at("/error/code").asText())
                .isEqualTo("INVALID_ACTIVE");
    }

    @Test
    void replay_whenEventKnown_queuesFanOutOrOneDeliveryWithNewWebhookId(AwsBackend backend) throws Exception {
        start(backend);
        String eventId = env.putEvent(config, "job.created", "{}");
        String id = call("POST", "/api/v1/subscriptions", createBody("https://hooks.example.com/ats"))
                .body().at("/subscription/subscriptionId").asText();

        assertThat(call("POST", "/api/v1/events/" + eventId + "/replay", null).status()).isEqualTo(202);
        Response one = call("POST", "/api/v1/events/" + eventId + "/replay", "{\"subscriptionId\":\"" + id + "\"}");
        assertThat(one.status()).isEqualTo(202);

        List<String> bodies = env.resources.sqs.receiveMessage(r -> r.queueUrl(env.queueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(1)).messages().stream().map(m -> m.body()).toList();
        assertThat(bodies).hasSize(2);
        List<DeliveryTask> tasks = bodies.stream().map(TaskQueue::fromJson).toList();
        assertThat(tasks).extracting(DeliveryTask::kind)
                .containsExactlyInAnyOrder(DeliveryTask.Kind.FAN_OUT, DeliveryTask.Kind.DELIVER);
        DeliveryTask deliver = tasks.stream().filter(t -> t.kind() == DeliveryTask.Kind.DELIVER).findFirst()
                .orElseThrow();
        assertThat(deliver.subscriptionId()).isEqualTo(id);
        assertThat(deliver.webhookId()).isEqualTo(one.body().get("webhookId").asText()).startsWith("msg_");

        assertThat(call("POST", "/api/v1/events/evt_unknown/replay", null).body().at("/error/code").asText())
                .isEqualTo("EVENT_NOT_FOUND");
        assertThat(call("POST", "/api/v1/events/" + eventId + "/replay", "{\"subscriptionId\":\"sub_nope\"}").status())
                .isEqualTo(404);
    }

    @Test
    void replay_toOneSubscriptionWhoseEventTypesDoNotMatch_returns409NotMatchingAndQueuesNothing(AwsBackend backend)
            throws Exception {
        start(backend);
        String eventId = env.putEvent(config, "interview.scheduled", "{}");
        String id = call("POST", "/api/v1/subscriptions", createBody("https://hooks.example.com/ats")) // job.created, candidate.*
                .body().at("/subscription/subscriptionId").asText();

        Response response = call("POST", "/api/v1/events/" + eventId + "/replay",
                "{\"subscriptionId\":\"" + id + "\"}");

        assertThat(response.status()).as(response.raw()).isEqualTo(409);
        assertThat(response.body().at("/error/code").asText()).isEqualTo("SUBSCRIPTION_NOT_MATCHING");
        assertThat(response.body().at("/error/subscriptionId").asText()).isEqualTo(id);
        assertThat(response.body().at("/error/eventType").asText()).isEqualTo("interview.scheduled");
        assertThat(env.depth(env.queueUrl)).isZero();
    }

    @Test
    void replay_toOneInactiveSubscription_returns409InactiveAndQueuesNothing(AwsBackend backend) throws Exception {
        start(backend);
        String eventId = env.putEvent(config, "candidate.applied", "{}");
        String id = call("POST", "/api/v1/subscriptions", createBody("https://hooks.example.com/ats"))
                .body().at("/subscription/subscriptionId").asText();
        call("PATCH", "/api/v1/subscriptions/" + id, "{\"active\":false}");

        Response response = call("POST", "/api/v1/events/" + eventId + "/replay",
                "{\"subscriptionId\":\"" + id + "\"}");

        assertThat(response.status()).as(response.raw()).isEqualTo(409);
        assertThat(response.body().at("/error/code").asText()).isEqualTo("SUBSCRIPTION_INACTIVE");
        assertThat(response.body().at("/error/subscriptionId").asText()).isEqualTo(id);
        assertThat(env.depth(env.queueUrl)).isZero();
    }

    @Test
    void redrive_whenDlqEmpty_startsOrReportsConflictNeverServerError(AwsBackend backend) throws Exception {
        start(backend);
        Response dlq = call("GET", "/api/v1/dlq", null);
        assertThat(dlq.status()).isEqualTo(200);
        assertThat(dlq.body().get("approximateDepth").asInt()).isZero();
        assertThat(call("GET", "/api/v1/nothing", null).status()).isEqualTo(404);
        assertThat(call("PUT", "/api/v1/subscriptions", null).status()).isEqualTo(405);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "sub_nope", "sub_with/slash", "very-long"})
    void replay_whenSubscriptionIdMalformed_returns404NeverServerError(String subscriptionId, AwsBackend backend)
            throws Exception {
        start(backend);
        String eventId = env.putEvent(config, "job.created", "{}");
        String id = subscriptionId.equals("very-long") ? "sub_" + "a".repeat(4000) : subscriptionId;
        Response response = call("POST", "/api/v1/events/" + eventId + "/replay",
                "{\"subscriptionId\":\"" + id + "\"}");
        assertThat(response.status()).as(response.raw()).isEqualTo(404);
        assertThat(response.body().at("/error/code").asText()).isEqualTo("SUBSCRIPTION_NOT_FOUND");
        assertThat(env.depth(env.queueUrl)).isZero();
    }

    @Test
    void redrive_whenDlqEmpty_returnsNotServerError(AwsBackend backend) throws Exception {
        start(backend);
        Response response = call("POST", "/api/v1/dlq/redrive", null);
        assertThat(response.status()).as(response.raw()).isLessThan(500);
    }

    private void parkInDlq(int count) {
        for (int i = 0; i < count; i++) {
            String body = TaskQueue.toJson(DeliveryTask.fanOut("evt_" + i, "job.created"));
            env.resources.sqs.sendMessage(r -> r.queueUrl(env.dlqUrl).messageBody(body));
        }
    }

    @Test
    void redrive_whenCalledTwiceQuickly_secondIsConflictNeverServerError(AwsBackend backend) throws Exception {
        start(backend);
        parkInDlq(50);
        Response first = call("POST", "/api/v1/dlq/redrive", null);
        Response second = call("POST", "/api/v1/dlq/redrive", null);
        assertThat(first.status()).as(first.raw()).isEqualTo(202);
        assertThat(second.status()).as(second.raw()).isEqualTo(409);
        assertThat(second.body().at("/error/code").asText()).isEqualTo("REDRIVE_IN_PROGRESS");
    }

    @Test
    void redrive_whenEightOperatorsStartItAtOnce_exactlyOneIsAcceptedTheRestConflictNoneServerError(AwsBackend backend)
            throws Exception {
        start(backend);
        parkInDlq(50);
        int callers = 8;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(callers);
        List<Response> responses;
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(callers)) {
            List<java.util.concurrent.Future<Response>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < callers; i++) {
                calls.add(pool.submit(() -> {
                    together.await();
                    return call("POST", "/api/v1/dlq/redrive", null);
                }));
            }
            responses = new java.util.ArrayList<>();
            for (var c : calls) {
                responses.add(c.get());
            }
        }

        assertThat(responses).extracting(Response::status).as(responses.toString()).doesNotContain(500)
                .filteredOn(status -> status == 202).hasSize(1);
        assertThat(responses).filteredOn(r -> r.status() != 202).hasSize(callers - 1)
                .allSatisfy(r -> assertThat(r.body().at("/error/code").asText()).as(r.raw())
                        .isEqualTo("REDRIVE_IN_PROGRESS"));
        long deadline = System.currentTimeMillis() + 10_000;
        while (env.depth(env.dlqUrl) > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(env.depth(env.dlqUrl)).isZero();
        assertThat(env.depth(env.queueUrl)).isEqualTo(50);
    }
}
