package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.testing.ReplyLosingProxy;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The audit trail of the management routes, on moto's DynamoDB and ElasticMQ: what is recorded, and the list. */
@ExtendWith(SharedAwsBackend.class)
class AuditTrailIntegrationTest {
    private static final String ALICE = "arn:aws:iam::123456789012:user/alice";

    private record Response(int status, JsonNode body, String raw) {
    }

    private DeliveryTestEnvironment env;
    private RelayConfig config;
    private ManagementApiHandler handler;
    private int requests;

    /** After {@code env} is created: the handler on {@code dynamoDb} (the test's own client, spy or proxy). */
    private void start(DynamoDbClient dynamoDb, Clock clock) {
        start(dynamoDb, clock, Map.of());
    }

    private void start(DynamoDbClient dynamoDb, Clock clock, Map<String, String> overrides) {
        start(dynamoDb, env.resources.sqs, clock, overrides);
    }

    private void start(DynamoDbClient dynamoDb, SqsClient sqs, Clock clock, Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(overrides);
        settings.put(EnvVars.SSRF_ALLOWLIST, "127.0.0.1:9");
        config = env.config(settings);
        handler = new ManagementApiHandler(config, dynamoDb, sqs,
                new EventStore(dynamoDb, new PayloadStore(env.resources.s3, config.payloadBucket()),
                        config.eventsTable(), clock), clock, env.log);
    }

    private void start(AwsBackend backend) {
        env = DeliveryTestEnvironment.create(backend);
        start(env.resources.dynamoDb, Clock.systemUTC());
    }

    /** A request as API Gateway sends it for an IAM-signed caller {@code userArn} (null: no identity). */
    private Response call(String method, String path, String body, Map<String, String> query, String userArn,
                          String requestId) throws Exception {
        var identity = new APIGatewayProxyRequestEvent.RequestIdentity().withUserArn(userArn);
        var context = new APIGatewayProxyRequestEvent.ProxyRequestContext().withRequestId(requestId)
                .withIdentity(identity);
        APIGatewayProxyRequestEvent request = new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path)
                .withHeaders(Map.of("content-type", "application/json")).withBody(body)
                .withQueryStringParameters(query).withRequestContext(context);
        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);
        return new Response(response.getStatusCode(), Json.mapper().readTree(response.getBody()), response.getBody());
    }

    private Response call(String method, String path, String body) throws Exception {
        return call(method, path, body, null, ALICE, "req-" + (++requests));
    }

    private Response audit(Map<String, String> query) throws Exception {
        Response response = call("GET", "/api/v1/audit", null, query, ALICE, "req-list-" + (++requests));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response;
    }

    private List<JsonNode> entries(Response page) {
        List<JsonNode> entries = new ArrayList<>();
        page.body().get("entries").forEach(entries::add);
        return entries;
    }

    private String create() throws Exception {
        Response created = call("POST", "/api/v1/subscriptions",
                "{\"url\":\"https://hooks.example.com/ats\",\"eventTypes\":[\"job.created\"]}");
        assertThat(created.status()).as(created.raw()).isEqualTo(201);
        return created.body().at("/subscription/subscriptionId").asText();
    }

    @Test
    void everyMutationRoute_whenItSucceeds_writesOneRecordWithActorActionTargetAndRequestId(AwsBackend backend)
            throws Exception {
        start(backend);
        String id = create();
        String sub = "/api/v1/subscriptions/" + id;
        assertThat(call("PATCH", sub, "{\"description\":\"ATS\"}").status()).isEqualTo(200);
        assertThat(call("POST", sub + "/rotate-secret", null).status()).isEqualTo(200);
        assertThat(call("POST", sub + "/pause", null).status()).isEqualTo(200);
        assertThat(call("POST", sub + "/resume", null).status()).isEqualTo(200);
        assertThat(call("POST", sub + "/recover", "{\"since\":\"" + Instant.now().minusSeconds(60) + "\"}")
                .status()).isEqualTo(202);
        String eventId = env.putEvent(config, "job.created", "{}");
        assertThat(call("POST", "/api/v1/events/" + eventId + "/replay", null).status()).isEqualTo(202);
        assertThat(call("POST", sub + "/test", null).status()).isEqualTo(202);
        for (int i = 0; i < 3; i++) {
            String task = TaskQueue.toJson(DeliveryTask.fanOut("evt_" + i, "job.created"));
            env.resources.sqs.sendMessage(r -> r.queueUrl(env.dlqUrl).messageBody(task));
        }
        assertThat(call("POST", "/api/v1/dlq/redrive", null).status()).isEqualTo(202);
        assertThat(call("DELETE", sub, null).status()).isEqualTo(200);

        List<JsonNode> entries = entries(audit(Map.of("limit", "100")));

        // Newest first; "at" has millisecond resolution, so same-millisecond records keep no order: compare as sets.
        assertThat(entries).extracting(e -> e.get("action").asText()).containsExactlyInAnyOrder(
                "subscription.create", "subscription.update", "subscription.rotate-secret", "subscription.pause",
                "subscription.resume", "subscription.recover", "event.replay", "subscription.test", "dlq.redrive",
                "subscription.delete");
        Map<String, JsonNode> byAction = new HashMap<>();
        entries.forEach(e -> byAction.put(e.get("action").asText(), e));
        assertThat(entries).allSatisfy(e -> assertThat(e.get("actor").asText()).isEqualTo(ALICE));
        assertThat(byAction.get("subscription.create").get("target").asText()).isEqualTo(id);
        assertThat(byAction.get("subscription.create").get("status").asInt()).isEqualTo(201);
        assertThat(byAction.get("subscription.create").get("requestId").asText()).isEqualTo("req-1");
        assertThat(byAction.get("subscription.pause").get("target").asText()).isEqualTo(id);
        assertThat(byAction.get("subscription.pause").get("requestId").asText()).isEqualTo("req-4");
        assertThat(byAction.get("subscription.recover").get("status").asInt()).isEqualTo(202);
        assertThat(byAction.get("event.replay").get("target").asText()).isEqualTo(eventId);
        assertThat(byAction.get("dlq.redrive").get("target").asText()).isEqualTo("dlq");
        assertThat(byAction.get("subscription.test").get("target").asText()).isEqualTo(id);
        assertThat(byAction.get("subscription.delete").get("requestId").asText()).isEqualTo("req-10");
        for (int i = 1; i < entries.size(); i++) {
            assertThat(entries.get(i).get("at").asText()).isLessThanOrEqualTo(entries.get(i - 1).get("at").asText());
        }
    }

    @Test
    void mutation_whenRefused_writesNoRecord(AwsBackend backend) throws Exception {
        start(backend);
        assertThat(call("POST", "/api/v1/subscriptions/sub_" + "0".repeat(32) + "/pause", null).status())
                .isEqualTo(404);
        assertThat(call("POST", "/api/v1/subscriptions", "{\"url\":\"not a url\"}").status()).isEqualTo(400);

        assertThat(entries(audit(Map.of()))).isEmpty();
    }

    @Test
    void record_whenNoIamIdentityInTheRequestContext_namesLocalAdminAndTheRoutersOwnRequestId(AwsBackend backend)
            throws Exception {
        start(backend);
        Response created = call("POST", "/api/v1/subscriptions",
                "{\"url\":\"https://hooks.example.com/ats\",\"eventTypes\":[\"job.created\"]}", null, null, null);
        assertThat(created.status()).isEqualTo(201);

        JsonNode entry = entries(audit(Map.of())).getFirst();
        assertThat(entry.get("actor").asText()).isEqualTo("local-admin");
        assertThat(entry.get("requestId").asText()).startsWith("rtr_");
    }

    @Test
    void list_acrossDays_isNewestFirstPaginatedByCursorAndFilteredByTime(AwsBackend backend) throws Exception {
        MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofDays(3)));
        env = DeliveryTestEnvironment.create(backend);
        start(env.resources.dynamoDb, clock);
        String id = create();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofHours(13)); // records on several days
            String path = "/api/v1/subscriptions/" + id + (i % 2 == 0 ? "/pause" : "/resume");
            assertThat(call("POST", path, null).status()).isEqualTo(200);
            expected.add(0, "req-" + requests);
        }
        expected.add("req-1"); // the create, oldest

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Map<String, String> query = new HashMap<>(Map.of("limit", "2"));
            if (cursor != null) {
                query.put("cursor", cursor);
            }
            Response page = audit(query);
            assertThat(entries(page)).hasSizeLessThanOrEqualTo(2);
            entries(page).forEach(e -> seen.add(e.get("requestId").asText()));
            cursor = page.body().get("nextCursor").isNull() ? null : page.body().get("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 20);
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(pages).isGreaterThanOrEqualTo(3);

        // from/to: only the records of the middle of the range
        Instant start = clock.instant().minus(Duration.ofHours(13 * 3 + 1));
        Instant end = clock.instant().minus(Duration.ofHours(12));
        List<String> filtered = entries(audit(Map.of("from", start.toString(), "to", end.toString()))).stream()
                .map(e -> e.get("requestId").asText()).toList();
        assertThat(filtered).containsExactlyElementsOf(expected.subList(1, 4));
    }

    @Test
    void list_whenTheRangeHoldsMoreEmptyDaysThanOneCallMayQuery_answersShortWithACursorAndGetsThere(
            AwsBackend backend) throws Exception {
        MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofDays(80)));
        env = DeliveryTestEnvironment.create(backend);
        start(env.resources.dynamoDb, clock, Map.of(EnvVars.EVENT_RETENTION_DAYS, "90"));
        create(); // 80 days ago: 80 empty days lie between it and now
        clock.set(Instant.now());

        Response first = audit(Map.of("limit", "10"));
        assertThat(entries(first)).isEmpty();
        assertThat(first.body().get("nextCursor").isNull()).isFalse();
        String cursor = first.body().get("nextCursor").asText();
        List<JsonNode> found = new ArrayList<>();
        int calls = 1;
        while (cursor != null && calls < 10) {
            Response page = audit(Map.of("limit", "10", "cursor", cursor));
            found.addAll(entries(page));
            cursor = page.body().get("nextCursor").isNull() ? null : page.body().get("nextCursor").asText();
            calls++;
        }
        assertThat(found).extracting(e -> e.get("action").asText()).containsExactly("subscription.create");
        assertThat(calls).isBetween(3, 4); // 81 days at 31 queries a call
    }

    @Test
    void list_whenCursorForgedOrTamperedOrFromAnotherFilter_returns400InvalidCursor(AwsBackend backend)
            throws Exception {
        start(backend);
        create();
        create();
        Response first = audit(Map.of("limit", "1"));
        String cursor = first.body().get("nextCursor").asText();
        assertThat(cursor).isNotBlank();
        String payload = new String(java.util.Base64.getUrlDecoder().decode(cursor.substring(0, cursor.indexOf('.'))),
                java.nio.charset.StandardCharsets.UTF_8);
        String edited = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replace("\"d\":\"", "\"d\":\"1").getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + cursor.substring(cursor.indexOf('.'));

        for (Map<String, String> query : List.of(Map.of("cursor", "forged"), Map.of("cursor", edited),
                Map.of("cursor", cursor, "from", "2020-01-01T00:00:00Z"))) {
            Response response = call("GET", "/api/v1/audit", null, query, ALICE, "req-x");
            assertThat(response.status()).as(query.toString()).isEqualTo(400);
            assertThat(response.body().at("/error/code").asText()).isEqualTo("INVALID_CURSOR");
        }
        Response bad = call("GET", "/api/v1/audit", null, Map.of("from", "yesterday"), ALICE, "req-y");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().at("/error/code").asText()).isEqualTo("INVALID_FROM");
        assertThat(audit(Map.of("limit", "1", "cursor", cursor)).body().get("entries")).hasSize(1);
    }

    @Test
    void mutation_whenAuditWriteFails_mockitoInjectedDynamoDbFault_stillAnswers2xxAndLogsTheRecord(
            AwsBackend backend) throws Exception {
        env = DeliveryTestEnvironment.create(backend);
        DynamoDbClient failing = spy(env.resources.dynamoDb);
        // Mockito: moto cannot be made to fail one put; this is the only fake here.
        doThrow(DynamoDbException.builder().message("injected").statusCode(500).build()).when(failing).putItem(
                argThat((PutItemRequest r) -> r != null && r.item().containsKey("pk")
                        && r.item().get("pk").s().startsWith("AUDIT#")));
        start(failing, Clock.systemUTC());
        String id = create();

        Response paused = call("POST", "/api/v1/subscriptions/" + id + "/pause", null);

        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.body().at("/subscription/state").asText()).isEqualTo("paused");
        List<JsonNode> failures = env.logText().lines().map(AuditTrailIntegrationTest::json)
                .filter(l -> l.path("message").asText().equals("audit write failed")).toList();
        assertThat(failures).extracting(l -> l.get("action").asText())
                .containsExactly("subscription.create", "subscription.pause");
        assertThat(failures.get(1).get("actor").asText()).isEqualTo(ALICE);
        assertThat(failures.get(1).get("target").asText()).isEqualTo(id);
        assertThat(failures.get(1).get("requestId").asText()).isEqualTo("req-2");
        assertThat(failures.get(1).get("level").asText()).isEqualTo("ERROR");
    }

    @Test
    void record_whoseReplyIsLostAfterItCommitted_isStoredOnce(AwsBackend backend) throws Exception {
        try (ReplyLosingProxy proxy = ReplyLosingProxy.to(backend.dynamoDbEndpoint())
                .loseReply("DynamoDB_20120810.PutItem", body -> body.contains("AUDIT#"), 1)) {
            DynamoDbClient throughProxy = new AwsClients(backend.region(), backend.credentials(),
                    backend.sqsEndpoint(), proxy.endpoint(), backend.s3Endpoint()).dynamoDb();
            env = DeliveryTestEnvironment.create(backend);
            start(throughProxy, Clock.systemUTC());

            Response created = call("POST", "/api/v1/subscriptions",
                    "{\"url\":\"https://hooks.example.com/ats\",\"eventTypes\":[\"job.created\"]}");

            assertThat(created.status()).isEqualTo(201);
            assertThat(proxy.seen()).filteredOn(ReplyLosingProxy.Seen::replyLost).hasSize(1);
            assertThat(proxy.seen()).filteredOn(s -> s.body().contains("AUDIT#")
                    && s.operation().endsWith("PutItem")).hasSizeGreaterThanOrEqualTo(2);
            assertThat(entries(audit(Map.of()))).hasSize(1);
            assertThat(env.logText()).doesNotContain("audit write failed");
        }
    }

    // --- a change that committed and then failed: audited with the answer's status, whatever it is

    /** The management function on a spy of the test's SQS client whose sends of {@code kind} tasks fail. */
    private SqsClient failingSends(AwsBackend backend, String kind) {
        env = DeliveryTestEnvironment.create(backend);
        SqsClient sqs = spy(env.resources.sqs);
        // Mockito: ElasticMQ cannot be made to refuse one send after a write that succeeded; the only fake here.
        doThrow(SqsException.builder().message("injected").statusCode(500).build()).when(sqs).sendMessage(
                argThat((SendMessageRequest r) -> r != null && r.messageBody().contains("\"kind\":\"" + kind
                        + "\"")));
        start(env.resources.dynamoDb, sqs, Clock.systemUTC(), Map.of());
        return sqs;
    }

    private JsonNode onlyRecord(String action) throws Exception {
        List<JsonNode> records = entries(audit(Map.of("limit", "100"))).stream()
                .filter(e -> e.get("action").asText().equals(action)).toList();
        assertThat(records).as(action).hasSize(1);
        return records.getFirst();
    }

    @Test
    void resume_whenTheSubscriptionIsWrittenButTheDrainIsNot_mockitoInjectedSqsFaultAfterTheWrite_isAuditedWith503(
            AwsBackend backend) throws Exception {
        failingSends(backend, "DRAIN");
        String id = create();
        assertThat(call("POST", "/api/v1/subscriptions/" + id + "/pause", null).status()).isEqualTo(200);

        Response resumed = call("POST", "/api/v1/subscriptions/" + id + "/resume", null);

        assertThat(resumed.status()).as(resumed.raw()).isEqualTo(503);
        assertThat(call("GET", "/api/v1/subscriptions/" + id, null).body().at("/subscription/paused").asBoolean())
                .as("the resume stands").isFalse();
        JsonNode record = onlyRecord("subscription.resume");
        assertThat(record.get("status").asInt()).isEqualTo(503);
        assertThat(record.get("target").asText()).isEqualTo(id);
        assertThat(record.get("actor").asText()).isEqualTo(ALICE);
    }

    @Test
    void reEnable_whenTheSubscriptionIsWrittenButTheDrainIsNot_mockitoInjectedSqsFaultAfterTheWrite_isAuditedWith503(
            AwsBackend backend) throws Exception {
        failingSends(backend, "DRAIN");
        String id = create();
        assertThat(call("PATCH", "/api/v1/subscriptions/" + id, "{\"active\":false}").status()).isEqualTo(200);

        Response enabled = call("PATCH", "/api/v1/subscriptions/" + id, "{\"active\":true}");

        assertThat(enabled.status()).as(enabled.raw()).isEqualTo(503);
        assertThat(call("GET", "/api/v1/subscriptions/" + id, null).body().at("/subscription/active").asBoolean())
                .as("the re-enable stands").isTrue();
        assertThat(entries(audit(Map.of("limit", "100")))).filteredOn(e -> e.get("action").asText()
                .equals("subscription.update")).extracting(e -> e.get("status").asInt())
                .containsExactlyInAnyOrder(200, 503);
    }

    @Test
    void testEvent_whenStoredButNotQueued_mockitoInjectedSqsFaultAfterThePuts_isAuditedWith500(AwsBackend backend)
            throws Exception {
        failingSends(backend, "DELIVER");
        String id = create();

        Response sent = call("POST", "/api/v1/subscriptions/" + id + "/test", null);

        assertThat(sent.status()).as(sent.raw()).isEqualTo(500);
        JsonNode record = onlyRecord("subscription.test");
        assertThat(record.get("status").asInt()).isEqualTo(500);
        assertThat(record.get("target").asText()).isEqualTo(id);
    }

    @Test
    void recover_whenTheRecoveryIsWrittenButNotQueued_mockitoInjectedSqsFaultAfterTheWrite_isAuditedWith503(
            AwsBackend backend) throws Exception {
        failingSends(backend, "RECOVER");
        String id = create();

        Response recovered = call("POST", "/api/v1/subscriptions/" + id + "/recover",
                "{\"since\":\"" + Instant.now().minusSeconds(60) + "\"}");

        assertThat(recovered.status()).as(recovered.raw()).isEqualTo(503);
        JsonNode record = onlyRecord("subscription.recover");
        assertThat(record.get("status").asInt()).isEqualTo(503);
        assertThat(record.get("target").asText()).isEqualTo(id);
    }

    @Test
    void redrive_whenStartedButTheCheckAfterItFails_mockitoInjectedListFaultAfterTheStart_isAuditedWith500(
            AwsBackend backend) throws Exception {
        env = DeliveryTestEnvironment.create(backend);
        SqsClient sqs = spy(env.resources.sqs);
        java.util.concurrent.atomic.AtomicInteger lists = new java.util.concurrent.atomic.AtomicInteger();
        // Mockito: the listing before the start answers; the one after it (the race check) fails, as no server can.
        doAnswer(invocation -> {
            if (lists.incrementAndGet() > 1) {
                throw SqsException.builder().message("injected").statusCode(500).build();
            }
            return invocation.callRealMethod();
        }).when(sqs).listMessageMoveTasks(org.mockito.ArgumentMatchers.any(ListMessageMoveTasksRequest.class));
        start(env.resources.dynamoDb, sqs, Clock.systemUTC(), Map.of());
        String task = TaskQueue.toJson(DeliveryTask.fanOut("evt_1", "job.created"));
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.dlqUrl).messageBody(task));

        Response redrive = call("POST", "/api/v1/dlq/redrive", null);

        assertThat(redrive.status()).as(redrive.raw()).isEqualTo(500);
        assertThat(lists.get()).as("the start happened between the two listings").isEqualTo(2);
        JsonNode record = onlyRecord("dlq.redrive");
        assertThat(record.get("status").asInt()).isEqualTo(500);
        assertThat(record.get("target").asText()).isEqualTo("dlq");
    }

    @Test
    void resume_whenItFailsBeforeWritingAnything_mockitoInjectedGetItemFault_writesNoRecord(AwsBackend backend)
            throws Exception {
        env = DeliveryTestEnvironment.create(backend);
        DynamoDbClient failing = spy(env.resources.dynamoDb);
        start(failing, Clock.systemUTC());
        String id = create();
        // Mockito: moto cannot be made to fail one read; the subscription's read before any write fails.
        doThrow(DynamoDbException.builder().message("injected").statusCode(500).build()).when(failing).getItem(
                argThat((GetItemRequest r) -> r != null && r.tableName().equals(config.subscriptionsTable())));

        assertThat(call("POST", "/api/v1/subscriptions/" + id + "/resume", null).status()).isEqualTo(500);

        assertThat(entries(audit(Map.of("limit", "100")))).extracting(e -> e.get("action").asText())
                .containsExactly("subscription.create");
    }

    private static JsonNode json(String line) {
        try {
            return Json.mapper().readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
