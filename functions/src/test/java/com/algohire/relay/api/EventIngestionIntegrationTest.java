package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.ingest.SweeperHandler;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.testing.TestResources;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** Exactly-once acceptance, the dual write, large payloads, listing and health, against real AWS-protocol servers. */
@ExtendWith(SharedAwsBackend.class)
class EventIngestionIntegrationTest {
    private AwsBackend backend;
    private TestResources aws;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();

    @BeforeEach
    void setUp(AwsBackend backend) {
        this.backend = backend;
        aws = TestResources.create(backend);
    }

    private IngestApiHandler handler(SqsClient sqs, Clock clock) {
        return new IngestApiHandler(aws.config(), aws.dynamoDb, sqs, aws.s3, clock,
                new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8), clock));
    }

    private IngestApiHandler handler() {
        return handler(aws.sqs, Clock.systemUTC());
    }

    @Test
    void handleRequest_when50ConcurrentRequestsShareOneKey_acceptsExactlyOnceAndQueuesOnce() throws Exception {
        IngestApiHandler handler = handler();
        String body = Requests.body("job.created", "{\"jobId\":\"job_race\"}");
        int requests = 50;
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<APIGatewayProxyResponseEvent>> futures = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            futures.add(pool.submit(() -> {
                start.await();
                return handler.handleRequest(Requests.post("race-key", body), null);
            }));
        }
        start.countDown();
        List<APIGatewayProxyResponseEvent> responses = new ArrayList<>();
        for (Future<APIGatewayProxyResponseEvent> future : futures) {
            responses.add(future.get());
        }
        pool.shutdown();

        assertThat(responses).filteredOn(r -> r.getStatusCode() == 202).hasSize(1);
        List<APIGatewayProxyResponseEvent> conflicts = responses.stream().filter(r -> r.getStatusCode() == 409)
                .toList();
        assertThat(conflicts).hasSize(requests - 1);
        String eventId = responses.stream().filter(r -> r.getStatusCode() == 202).map(r -> json(r).get("eventId")
                .textValue())
                .findFirst().orElseThrow();
        assertThat(conflicts).allSatisfy(r -> {
            JsonNode error = json(r).get("error");
            assertThat(error.get("code").textValue()).isIn("DUPLICATE_EVENT", "REQUEST_IN_PROGRESS");
            assertThat(error.get("eventId").textValue()).isEqualTo(eventId);
        });
        assertThat(eventItems()).hasSize(1);
        assertThat(aws.drainQueue()).hasSize(1).allSatisfy(m -> assertThat(m).contains(eventId));
    }

    @Test
    void handleRequest_mockitoInjectedSqsFault_whenRetriedWithSameKey_returns202WithOriginalEventIdAndQueuesOnce() {
        SqsClient sqs = spy(aws.sqs);
        // The one fault a real server cannot produce on cue: SendMessage failing right after the DynamoDB put.
        doThrow(SqsException.builder().message("injected").statusCode(500).build())
                .doCallRealMethod()
                .when(sqs).sendMessage(any(SendMessageRequest.class));
        IngestApiHandler handler = handler(sqs, Clock.systemUTC());
        String body = Requests.body("interview.scheduled", "{\"interviewId\":\"int_1\"}");

        APIGatewayProxyResponseEvent failed = handler.handleRequest(Requests.post("dual-write", body), null);

        assertThat(failed.getStatusCode()).isEqualTo(503);
        JsonNode error = json(failed).get("error");
        assertThat(error.get("code").textValue()).isEqualTo("QUEUE_UNAVAILABLE");
        assertThat(error.get("message").textValue()).contains("same x-idempotency-key");
        assertThat(failed.getBody()).doesNotContain("injected");
        String eventId = error.get("eventId").textValue();
        assertThat(aws.drainQueue()).isEmpty();

        APIGatewayProxyResponseEvent retried = handler.handleRequest(Requests.post("dual-write", body), null);

        assertThat(retried.getStatusCode()).isEqualTo(202);
        assertThat(json(retried).get("eventId").textValue()).isEqualTo(eventId);
        StoredEvent stored = new EventStore(aws.dynamoDb, aws.s3, aws.config()).find(eventId).orElseThrow();
        assertThat(json(retried).get("receivedAt").textValue()).isEqualTo(EventItems.timestamp(stored.receivedAt()));
        assertThat(stored.status()).isEqualTo(EventItems.STATUS_QUEUED);
        assertThat(aws.drainQueue()).hasSize(1).allSatisfy(m -> assertThat(m).contains(eventId));

        APIGatewayProxyResponseEvent third = handler.handleRequest(Requests.post("dual-write", body), null);
        assertThat(third.getStatusCode()).isEqualTo(409);
        assertThat(json(third).get("error").get("code").textValue()).isEqualTo("DUPLICATE_EVENT");
        assertThat(eventItems()).hasSize(1);
    }

    @Test
    void sweep_mockitoInjectedSqsFault_whenCallerNeverRetries_queuesEventAfterGracePeriod() {
        SqsClient sqs = spy(aws.sqs);
        doThrow(SqsException.builder().message("injected").statusCode(500).build())
                .when(sqs).sendMessage(any(SendMessageRequest.class));
        APIGatewayProxyResponseEvent failed = handler(sqs, Clock.systemUTC())
                .handleRequest(Requests.post("never-retried", Requests.body("job.closed", "{\"jobId\":\"job_7\"}")),
                        null);
        assertThat(failed.getStatusCode()).isEqualTo(503);
        String eventId = json(failed).get("error").get("eventId").textValue();

        Map<String, Integer> early = new SweeperHandler(aws.config(Map.of(EnvVars.SWEEP_GRACE_SECONDS, "3600")),
                aws.clients).sweepOnce();
        assertThat(early).containsEntry("found", 0).containsEntry("queued", 0);
        assertThat(aws.drainQueue()).isEmpty();

        Map<String, Integer> due = new SweeperHandler(aws.config(Map.of(EnvVars.SWEEP_GRACE_SECONDS, "0")),
                aws.clients).sweepOnce();

        assertThat(due).containsEntry("found", 1).containsEntry("queued", 1).containsEntry("failed", 0);
        assertThat(aws.drainQueue()).containsExactly("{\"kind\":\"FAN_OUT\",\"eventId\":\"" + eventId
                + "\",\"eventType\":\"job.closed\"}");
        Map<String, AttributeValue> item = eventItems().get(0);
        assertThat(item.get(EventItems.STATUS).s()).isEqualTo(EventItems.STATUS_QUEUED);
        assertThat(item).doesNotContainKey(RelaySchema.PENDING_SHARD);
        assertThat(new SweeperHandler(aws.config(Map.of(EnvVars.SWEEP_GRACE_SECONDS, "0")), aws.clients).sweepOnce())
                .containsEntry("found", 0);
    }

    @Test
    void sweep_whenEventPendingWithLiveLease_leavesItToItsOwner() {
        SqsClient sqs = spy(aws.sqs);
        doThrow(SqsException.builder().message("injected").statusCode(500).build())
                .when(sqs).sendMessage(any(SendMessageRequest.class));
        String eventId = json(handler(sqs, Clock.systemUTC()).handleRequest(Requests.post("leased",
                Requests.body("job.closed", "{}")), null)).get("error").get("eventId").textValue();
        // Put it back the way an in-flight request holds it: PENDING, lease far in the future.
        aws.dynamoDb.updateItem(r -> r.tableName(aws.config().eventsTable())
                .key(Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                        RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK)))
                .updateExpression("SET #s = :p, #l = :l")
                .expressionAttributeNames(Map.of("#s", EventItems.STATUS, "#l", EventItems.LEASE_UNTIL))
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(EventItems.STATUS_PENDING),
                        ":l", AttributeValue.fromN(Long.toString(Instant.now().plusSeconds(600).toEpochMilli())))));

        Map<String, Integer> result = new SweeperHandler(aws.config(Map.of(EnvVars.SWEEP_GRACE_SECONDS, "0")),
                aws.clients).sweepOnce();

        assertThat(result).containsEntry("found", 1).containsEntry("skipped", 1).containsEntry("queued", 0);
        assertThat(aws.drainQueue()).isEmpty();
        APIGatewayProxyResponseEvent retry = handler().handleRequest(Requests.post("leased",
                Requests.body("job.closed", "{}")), null);
        assertThat(retry.getStatusCode()).isEqualTo(409);
        assertThat(json(retry).get("error").get("code").textValue()).isEqualTo("REQUEST_IN_PROGRESS");
    }

    @Test
    void handleRequest_whenSameKeyWithDifferentBody_returns409KeyReused() {
        IngestApiHandler handler = handler();
        handler.handleRequest(Requests.post("reused", Requests.body("job.created", "{\"a\":1}")), null);

        APIGatewayProxyResponseEvent response = handler.handleRequest(
                Requests.post("reused", Requests.body("job.created", "{\"a\":2}")), null);

        assertThat(response.getStatusCode()).isEqualTo(409);
        assertThat(json(response).get("error").get("code").textValue()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        APIGatewayProxyResponseEvent sameButReordered = handler.handleRequest(
                Requests.post("reused", "{\"payload\":{\"a\":1},\"eventType\":\"job.created\"}"), null);
        assertThat(json(sameButReordered).get("error").get("code").textValue()).isEqualTo("DUPLICATE_EVENT");
    }

    @Test
    void handleRequest_whenPayloadJustUnder1MiB_storesItInS3AndGetReturnsItByteIdentical() {
        IngestApiHandler handler = handler();
        String envelopeStart = "{\"eventType\":\"assessment.completed\",\"payload\":";
        String payloadStart = "{\"report\":\"";
        String payloadEnd = "\",\"score\":99.50}";
        // Multi-byte characters, so a limit counted in chars instead of bytes would show.
        String unit = "résumé 😀 ";
        int fixed = (envelopeStart + payloadStart + payloadEnd + "}").getBytes(StandardCharsets.UTF_8).length;
        StringBuilder report = new StringBuilder();
        int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
        while (fixed + report.length() / unit.length() * unitBytes + unitBytes <= 1024 * 1024) {
            report.append(unit);
        }
        String payload = payloadStart + report + payloadEnd;
        String body = envelopeStart + payload + "}";
        assertThat(body.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024 * 1024)
                .isGreaterThan(1024 * 1024 - unitBytes);

        APIGatewayProxyResponseEvent accepted = handler.handleRequest(Requests.post("big-one", body), null);

        assertThat(accepted.getStatusCode()).isEqualTo(202);
        String eventId = json(accepted).get("eventId").textValue();
        Map<String, AttributeValue> item = eventItems().get(0);
        assertThat(item).doesNotContainKey(EventItems.PAYLOAD);
        assertThat(item.get(EventItems.PAYLOAD_KEY).s()).isEqualTo("payloads/" + eventId + ".json");
        assertThat(aws.s3.getObjectAsBytes(r -> r.bucket(aws.config().payloadBucket()).key("payloads/" + eventId
                + ".json"))
                .asUtf8String()).isEqualTo(payload);

        APIGatewayProxyResponseEvent got = handler.handleRequest(Requests.get("/api/v1/events/" + eventId, null), null);
        assertThat(got.getStatusCode()).isEqualTo(200);
        assertThat(got.getBody()).contains("\"payload\":" + payload + ",\"receivedAt\"");

        // A repeat writes its own object before losing the race for the key; it must not be left behind.
        assertThat(handler.handleRequest(Requests.post("big-one", body), null).getStatusCode()).isEqualTo(409);
        assertThat(aws.s3.listObjectsV2(r -> r.bucket(aws.config().payloadBucket())).contents()).hasSize(1);
    }

    @Test
    void handleRequest_whenPayloadIsAtTheInlineLimit_keepsItInlineAndOneByteMoreGoesToS3() {
        IngestApiHandler handler = handler();
        // A two-byte character, so a limit counted in chars instead of UTF-8 bytes would show.
        String atLimit = "{\"t\":\"é" + "x".repeat(EventIngestion.INLINE_PAYLOAD_LIMIT - 10) + "\"}";
        String overLimit = "{\"t\":\"é" + "x".repeat(EventIngestion.INLINE_PAYLOAD_LIMIT - 9) + "\"}";
        assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSize(EventIngestion.INLINE_PAYLOAD_LIMIT);

        String inline = json(handler.handleRequest(Requests.post("at-limit", Requests.body("job.created", atLimit)),
                null)).get("eventId").textValue();
        String inS3 = json(handler.handleRequest(Requests.post("over-limit", Requests.body("job.created",
                overLimit)), null)).get("eventId").textValue();

        Map<String, Map<String, AttributeValue>> byId = new HashMap<>();
        eventItems().forEach(item -> byId.put(item.get(EventItems.EVENT_ID).s(), item));
        assertThat(byId.get(inline).get(EventItems.PAYLOAD).s()).isEqualTo(atLimit);
        assertThat(byId.get(inline)).doesNotContainKey(EventItems.PAYLOAD_KEY);
        assertThat(byId.get(inS3)).doesNotContainKey(EventItems.PAYLOAD);
        EventStore store = new EventStore(aws.dynamoDb, aws.s3, aws.config());
        assertThat(store.find(inS3).orElseThrow().payloadJson()).isEqualTo(overLimit);
        assertThat(store.find(inline).orElseThrow().payloadJson()).isEqualTo(atLimit);
    }

    @Test
    void handleRequest_whenListingAcrossDays_pagesNewestFirstWithCursor() {
        Instant now = Instant.parse("2024-01-12T10:00:00Z");
        MutableClock clock = new MutableClock(now);
        IngestApiHandler handler = handler(aws.sqs, clock);
        List<String> newestFirst = new ArrayList<>();
        List<String> jobsNewestFirst = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            // Every 7 hours backwards from now: the nine events span three days.
            clock.set(now.minus(Duration.ofHours(7L * i)));
            String type = i % 3 == 0 ? "job.created" : "candidate.applied";
            String id = json(handler.handleRequest(Requests.post("list-" + i, Requests.body(type, "{\"i\":" + i + "}")),
                    null))
                    .get("eventId").textValue();
            newestFirst.add(id);
            if (type.equals("job.created")) {
                jobsNewestFirst.add(id);
            }
        }
        clock.set(now.plusSeconds(60));

        assertThat(walk(handler, Map.of("limit", "2"))).containsExactlyElementsOf(newestFirst);
        assertThat(walk(handler, Map.of("limit", "1", "eventType", "job.created")))
                .containsExactlyElementsOf(jobsNewestFirst);
        assertThat(walk(handler, Map.of("limit", "100", "from", now.minus(Duration.ofHours(14)).toString(),
                "to", now.minus(Duration.ofHours(7)).toString()))).containsExactlyElementsOf(newestFirst.subList(1, 3));
    }

    @Test
    void handleRequest_whenKeyOutlivedRetentionButTtlHasNotDeletedIt_acceptsKeyAsNewEvent() {
        Instant now = Instant.parse("2024-01-10T10:00:00Z");
        MutableClock clock = new MutableClock(now);
        IngestApiHandler handler = handler(aws.sqs, clock);
        String first = json(handler.handleRequest(Requests.post("expiring", Requests.body("job.created", "{\"v\":1}")),
                null)).get("eventId").textValue();
        clock.set(now.plus(aws.config().retention()).minusSeconds(1));
        assertThat(handler.handleRequest(Requests.post("expiring", Requests.body("job.created", "{\"v\":2}")), null)
                .getStatusCode()).isEqualTo(409);

        // DynamoDB's TTL deletes expired items only eventually (moto_server never): the key must not outlive it.
        clock.set(now.plus(aws.config().retention()).plusSeconds(1));
        APIGatewayProxyResponseEvent reused = handler.handleRequest(
                Requests.post("expiring", Requests.body("job.created", "{\"v\":2}")), null);

        assertThat(reused.getStatusCode()).as(reused.getBody()).isEqualTo(202);
        String second = json(reused).get("eventId").textValue();
        assertThat(second).isNotEqualTo(first);
        APIGatewayProxyResponseEvent repeat = handler.handleRequest(
                Requests.post("expiring", Requests.body("job.created", "{\"v\":2}")), null);
        assertThat(repeat.getStatusCode()).isEqualTo(409);
        assertThat(json(repeat).get("error").get("eventId").textValue()).isEqualTo(second);
    }

    @Test
    void handleRequest_whenListToIsInTheFuture_listsEventsUpToNow() {
        Instant now = Instant.parse("2024-01-12T10:00:00Z");
        IngestApiHandler handler = handler(aws.sqs, new MutableClock(now));
        String id = json(handler.handleRequest(Requests.post("future-to", Requests.body("job.created", "{}")), null))
                .get("eventId").textValue();

        assertThat(walk(handler, Map.of("limit", "10", "to", "2030-01-01T00:00:00Z"))).containsExactly(id);
        assertThat(walk(handler, Map.of("limit", "10", "to", "2030-01-01T00:00:00Z", "eventType", "job.created")))
                .containsExactly(id);
        assertThat(walk(handler, Map.of("limit", "10", "from", "2029-01-01T00:00:00Z", "to", "2030-01-01T00:00:00Z")))
                .isEmpty();
    }

    @Test
    void handleRequest_whenCursorComesFromAnotherFilterOrRange_answers400OrThePageNotA500() {
        Instant now = Instant.parse("2024-01-12T10:00:00Z");
        MutableClock clock = new MutableClock(now);
        IngestApiHandler handler = handler(aws.sqs, clock);
        List<String> newestFirst = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clock.set(now.minus(Duration.ofHours(i)));
            newestFirst.add(json(handler.handleRequest(Requests.post("cursor-" + i, Requests.body("job.created", "{}")),
                    null)).get("eventId").textValue());
        }
        clock.set(now.plusSeconds(60));
        String jobCursor = json(handler.handleRequest(Requests.get("/api/v1/events",
                Map.of("limit", "1", "eventType", "job.created")), null)).get("nextCursor").textValue();
        String dayCursor = json(handler.handleRequest(Requests.get("/api/v1/events", Map.of("limit", "1")), null))
                .get("nextCursor").textValue();

        // DynamoDB refuses a start key from another partition: the relay must say whose mistake it is.
        APIGatewayProxyResponseEvent otherType = handler.handleRequest(Requests.get("/api/v1/events",
                Map.of("limit", "1", "eventType", "candidate.applied", "cursor", jobCursor)), null);
        assertThat(otherType.getStatusCode()).as(otherType.getBody()).isEqualTo(400);
        assertThat(json(otherType).get("error").get("code").textValue()).isEqualTo("INVALID_CURSOR");

        // A range narrowed below the cursor's position (DynamoDB: "outside query boundaries") has no more events.
        for (Map<String, String> query : List.of(
                Map.of("limit", "5", "eventType", "job.created", "cursor", jobCursor,
                        "from", now.minusSeconds(1).toString()),
                Map.of("limit", "5", "cursor", dayCursor, "from", now.minusSeconds(1).toString()))) {
            APIGatewayProxyResponseEvent narrowed = handler.handleRequest(Requests.get("/api/v1/events", query), null);
            assertThat(narrowed.getStatusCode()).as(narrowed.getBody()).isEqualTo(200);
            assertThat(json(narrowed).get("events")).as(query.toString()).isEmpty();
        }

        // A range ending before the cursor's position: every event in it is older, so the page starts at its top.
        for (Map<String, String> query : List.of(
                Map.of("limit", "5", "eventType", "job.created", "cursor", jobCursor,
                        "to", now.minus(Duration.ofMinutes(90)).toString()),
                Map.of("limit", "5", "cursor", dayCursor, "to", now.minus(Duration.ofMinutes(90)).toString()))) {
            APIGatewayProxyResponseEvent earlier = handler.handleRequest(Requests.get("/api/v1/events", query), null);
            assertThat(earlier.getStatusCode()).as(earlier.getBody()).isEqualTo(200);
            List<String> ids = new ArrayList<>();
            json(earlier).get("events").forEach(e -> ids.add(e.get("id").textValue()));
            assertThat(ids).as(query.toString()).containsExactly(newestFirst.get(2));
        }
    }

    @Test
    void handleRequest_whenCursorForgedWithFarFutureDay_returns400InvalidCursorQuickly() {
        IngestApiHandler handler = handler();
        handler.handleRequest(Requests.post("forged-1", Requests.body("job.created", "{}")), null);
        handler.handleRequest(Requests.post("forged-2", Requests.body("job.created", "{}")), null);
        String real = json(handler.handleRequest(Requests.get("/api/v1/events", Map.of("limit", "1")), null))
                .get("nextCursor").textValue();
        String forgedPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(new String(
                Base64.getUrlDecoder().decode(real.substring(0, real.indexOf('.'))), StandardCharsets.UTF_8)
                .replaceFirst("\"d\":\"[0-9-]+\"", "\"d\":\"9999-12-31\"").getBytes(StandardCharsets.UTF_8));

        // The unsigned format of the first release: day 9999-12-31 made one request walk ~2.9 million days.
        for (String forged : List.of("eyJpIjoiYnlEYXkiLCJkIjoiOTk5OS0xMi0zMSJ9",
                forgedPayload + real.substring(real.indexOf('.')))) {
            APIGatewayProxyResponseEvent response = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> handler.handleRequest(Requests.get("/api/v1/events", Map.of("cursor", forged)), null));
            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
            assertThat(json(response).get("error").get("code").textValue()).isEqualTo("INVALID_CURSOR");
        }
    }

    private List<String> walk(IngestApiHandler handler, Map<String, String> query) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 50; page++) {
            Map<String, String> params = new HashMap<>(query);
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            APIGatewayProxyResponseEvent response = handler.handleRequest(Requests.get("/api/v1/events", params), null);
            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
            JsonNode body = json(response);
            assertThat(body.get("events").size()).isLessThanOrEqualTo(Integer.parseInt(query.get("limit")));
            body.get("events").forEach(e -> ids.add(e.get("id").textValue()));
            if (body.get("nextCursor").isNull()) {
                return ids;
            }
            cursor = body.get("nextCursor").textValue();
        }
        throw new AssertionError("pagination did not end");
    }

    @Test
    void handleRequest_whenListParametersInvalid_returns400NamingParameter() {
        IngestApiHandler handler = handler();
        Map<Map<String, String>, String> cases = Map.ofEntries(
                Map.entry(Map.of("limit", "0"), "INVALID_LIMIT"),
                Map.entry(Map.of("limit", "101"), "INVALID_LIMIT"),
                Map.entry(Map.of("limit", "ten"), "INVALID_LIMIT"),
                Map.entry(Map.of("from", "yesterday"), "INVALID_FROM"),
                Map.entry(Map.of("to", "2024-13-01T00:00:00Z"), "INVALID_TO"),
                // Outside four-digit years: the stored sort keys would no longer order as text.
                Map.entry(Map.of("to", "-999999999-01-01T00:00:00Z"), "INVALID_TO"),
                Map.entry(Map.of("from", "-999999999-01-01T00:00:00Z"), "INVALID_FROM"),
                Map.entry(Map.of("to", "+10000-01-01T00:00:00Z"), "INVALID_TO"),
                Map.entry(Map.of("from", "1969-12-31T23:59:59Z"), "INVALID_FROM"),
                Map.entry(Map.of("from", "2024-02-01T00:00:00Z", "to", "2024-01-01T00:00:00Z"), "INVALID_RANGE"),
                Map.entry(Map.of("eventType", "Job.Created"), "INVALID_EVENT_TYPE"),
                Map.entry(Map.of("cursor", "not-a-cursor"), "INVALID_CURSOR"),
                Map.entry(Map.of("cursor", "eyJpIjoiYnlUeXBlIn0", "limit", "5"), "INVALID_CURSOR"));
        cases.forEach((params, code) -> {
            APIGatewayProxyResponseEvent response = handler.handleRequest(Requests.get("/api/v1/events", params), null);
            assertThat(response.getStatusCode()).as(params.toString()).isEqualTo(400);
            JsonNode error = json(response).get("error");
            assertThat(error.get("code").textValue()).as(params.toString()).isEqualTo(code);
            String named = params.containsKey("cursor") ? "cursor" : params.keySet().iterator().next();
            assertThat(error.get("message").textValue()).as(params.toString()).containsAnyOf(named, "from");
        });
    }

    @Test
    void handleRequest_whenTableUnreachable_healthReturns503() {
        var dead = TestResources.deadClients(backend);
        IngestApiHandler handler = new IngestApiHandler(aws.config(), dead.dynamoDb(), aws.sqs, aws.s3,
                Clock.systemUTC(), StructuredLog.stdout());

        APIGatewayProxyResponseEvent response = handler.handleRequest(Requests.get("/api/v1/health", null), null);

        assertThat(response.getStatusCode()).isEqualTo(503);
        assertThat(response.getBody()).isEqualTo(
                "{\"success\":false,\"status\":\"unavailable\","
                        + "\"checks\":{\"table\":\"unavailable\",\"queue\":\"ok\"}}");
    }

    @Test
    void handleRequest_whenQueueUnreachable_healthReturns503() {
        var dead = TestResources.deadClients(backend);
        IngestApiHandler handler = new IngestApiHandler(aws.config(), aws.dynamoDb, dead.sqs(), aws.s3,
                Clock.systemUTC(), StructuredLog.stdout());

        APIGatewayProxyResponseEvent response = handler.handleRequest(Requests.get("/api/v1/health", null), null);

        assertThat(response.getStatusCode()).isEqualTo(503);
        assertThat(json(response).get("checks").get("queue").textValue()).isEqualTo("unavailable");
    }

    @Test
    void handleRequest_whenDynamoDbUnreachableOnPost_returns500WithoutDetails() {
        var dead = TestResources.deadClients(backend);
        IngestApiHandler handler = new IngestApiHandler(aws.config(), dead.dynamoDb(), aws.sqs, aws.s3,
                Clock.systemUTC(), new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8),
                        Clock.systemUTC()));

        APIGatewayProxyResponseEvent response = handler.handleRequest(
                Requests.post("down", Requests.body("job.created", "{\"secret\":\"s3cr3t\"}")), null);

        assertThat(response.getStatusCode()).isEqualTo(500);
        assertThat(json(response).get("error").get("code").textValue()).isEqualTo("INTERNAL_ERROR");
        assertThat(response.getBody()).doesNotContain("127.0.0.1", "Exception", "s3cr3t");
        assertThat(logs.toString(StandardCharsets.UTF_8)).contains("\"exception\":").doesNotContain("s3cr3t",
                "127.0.0.1");
    }

    @Test
    void handleRequest_whenKeyStoredButEventNeverWrittenAndLeaseExpired_retryStoresAndQueuesOriginalEvent() {
        String body = Requests.body("candidate.hired", "{\"candidateId\":\"cand_1\"}");
        // What a request that died between its two puts leaves behind: the key, with the hash of this very body.
        String hash = new com.algohire.relay.ingest.EventValidator(aws.config().knownDomains())
                        .validate(Map.of("Content-Type", "application/json", "x-idempotency-key", "orphan"), null, body,
                                false)
                        .requestHash();
        String eventId = java.util.UUID.randomUUID().toString();
        // Recent: an event is gone once its retention period (counted from this time) has passed.
        Instant receivedAt = Instant.now().minusSeconds(120).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        aws.dynamoDb.putItem(r -> r.tableName(aws.config().eventsTable()).item(Map.of(
                RelaySchema.PK, AttributeValue.fromS(EventItems.keyPk("orphan")),
                RelaySchema.SK, AttributeValue.fromS(EventItems.KEY_SK),
                EventItems.EVENT_ID, AttributeValue.fromS(eventId),
                EventItems.REQUEST_HASH, AttributeValue.fromS(hash),
                EventItems.RECEIVED_AT, AttributeValue.fromS(EventItems.timestamp(receivedAt)),
                EventItems.LEASE_UNTIL, AttributeValue.fromN(Long.toString(Instant.now().minusSeconds(1)
                        .toEpochMilli())))));

        APIGatewayProxyResponseEvent retried = handler().handleRequest(Requests.post("orphan", body), null);

        assertThat(retried.getStatusCode()).as(retried.getBody()).isEqualTo(202);
        assertThat(json(retried).get("eventId").textValue()).isEqualTo(eventId);
        assertThat(json(retried).get("receivedAt").textValue()).isEqualTo(EventItems.timestamp(receivedAt));
        StoredEvent stored = new EventStore(aws.dynamoDb, aws.s3, aws.config()).find(eventId).orElseThrow();
        assertThat(stored.payloadJson()).isEqualTo("{\"candidateId\":\"cand_1\"}");
        assertThat(stored.status()).isEqualTo(EventItems.STATUS_QUEUED);
        assertThat(aws.drainQueue()).hasSize(1).allSatisfy(m -> assertThat(m).contains(eventId));
    }

    @Test
    void handleRequest_whenEventHasDeliveryAttempts_getListsThemOldestFirst() {
        IngestApiHandler handler = handler();
        String eventId = json(handler.handleRequest(Requests.post("logged", Requests.body("job.created", "{}")), null))
                .get("eventId").textValue();
        for (String at : List.of("2024-01-10T10:00:05.000Z", "2024-01-10T10:00:01.000Z")) {
            aws.dynamoDb.putItem(r -> r.tableName(aws.config().eventsTable()).item(Map.of(
                    RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                    RelaySchema.SK, AttributeValue.fromS("ATTEMPT#" + at + "#sub_1#1"),
                    "attempt", AttributeValue.fromN(at.contains(":05") ? "2" : "1"),
                    "subscriptionId", AttributeValue.fromS("sub_1"),
                    "url", AttributeValue.fromS("https://example.com/hook"),
                    "statusCode", AttributeValue.fromN("500"),
                    "latencyMs", AttributeValue.fromN("12"),
                    "outcome", AttributeValue.fromS("RETRYING"),
                    "attemptedAt", AttributeValue.fromS(at))));
        }

        JsonNode logsShown = json(handler.handleRequest(Requests.get("/api/v1/events/" + eventId, null), null))
                .get("event").get("deliveryLogs");

        assertThat(logsShown).extracting(l -> l.get("attemptedAt").textValue())
                .containsExactly("2024-01-10T10:00:01.000Z", "2024-01-10T10:00:05.000Z");
        assertThat(logsShown.get(0).get("attempt").intValue()).isEqualTo(1);
        assertThat(logsShown.get(0).get("statusCode").intValue()).isEqualTo(500);
    }

    private List<Map<String, AttributeValue>> eventItems() {
        List<Map<String, AttributeValue>> items = new ArrayList<>(aws.dynamoDb.scan(r -> r.tableName(aws.config()
                .eventsTable())
                .filterExpression("#sk = :sk").expressionAttributeNames(Map.of("#sk", RelaySchema.SK))
                .expressionAttributeValues(Map.of(":sk", AttributeValue.fromS(EventItems.EVENT_SK)))).items());
        return Collections.unmodifiableList(items);
    }
}
