package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.TestResources;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.amazonaws.services.lambda.runtime.tests.annotations.Events;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;

/** Feeds the sample events in events/ (the files sam local invoke uses) to the ingest function. */
@ExtendWith(SharedAwsBackend.class)
class IngestApiHandlerIntegrationTest {
    private static final List<String> SPEC_FIELDS = List.of("success", "message", "eventId", "eventType",
            "idempotencyKey", "receivedAt", "processingTimeMs");

    private TestResources aws;
    private IngestApiHandler handler;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();

    @BeforeEach
    void setUp(AwsBackend backend) {
        aws = TestResources.create(backend);
        handler = new IngestApiHandler(aws.config(), aws.dynamoDb, aws.sqs, aws.s3, Clock.systemUTC(),
                new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8), Clock.systemUTC()));
    }

    @ParameterizedTest
    @Events(type = APIGatewayProxyRequestEvent.class, events = {
            @Event(value = "post-job-created.json", type = APIGatewayProxyRequestEvent.class),
            @Event(value = "post-candidate-applied.json", type = APIGatewayProxyRequestEvent.class),
            @Event(value = "post-interview-scheduled.json", type = APIGatewayProxyRequestEvent.class),
            @Event(value = "post-assessment-completed.json", type = APIGatewayProxyRequestEvent.class)})
    void handleRequest_whenValidEventOfEachDomain_returns202WithTheSpecFieldsAndStoresIt(
            APIGatewayProxyRequestEvent request)
            throws Exception {
        Instant before = Instant.now().minusMillis(1);
        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);

        assertThat(response.getStatusCode()).isEqualTo(202);
        assertThat(response.getHeaders()).containsAllEntriesOf(ApiResponses.SECURITY_HEADERS);
        JsonNode body = json(response);
        List<String> fields = new ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactlyElementsOf(SPEC_FIELDS);
        JsonNode sent = Json.mapper().readTree(request.getBody());
        assertThat(body.get("success").booleanValue()).isTrue();
        assertThat(body.get("message").textValue()).isEqualTo("Event accepted and queued for processing");
        // A random (version 4) UUID in its canonical form: UUID.fromString alone accepts shorter spellings too.
        String eventId = body.get("eventId").textValue();
        assertThat(UUID.fromString(eventId).version()).isEqualTo(4);
        assertThat(UUID.fromString(eventId).toString()).isEqualTo(eventId);
        assertThat(body.get("eventType").textValue()).isEqualTo(sent.get("eventType").textValue());
        assertThat(body.get("idempotencyKey").textValue()).isIn(request.getHeaders().values());
        assertThat(Instant.parse(body.get("receivedAt").textValue())).isAfter(before).isBeforeOrEqualTo(Instant.now());
        assertThat(body.get("receivedAt").textValue()).endsWith("Z");
        assertThat(body.get("processingTimeMs").isIntegralNumber()).isTrue();

        JsonNode stored = json(handler.handleRequest(
                Requests.get("/api/v1/events/" + body.get("eventId").textValue(), null), null)).get("event");
        assertThat(stored.get("payload")).isEqualTo(sent.get("payload"));
        assertThat(aws.drainQueue()).containsExactly("{\"kind\":\"FAN_OUT\",\"eventId\":\""
                + body.get("eventId").textValue() + "\",\"eventType\":\"" + sent.get("eventType").textValue() + "\"}");
    }

    @ParameterizedTest
    @Event(value = "post-job-created-duplicate.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenDuplicateOfAcceptedEvent_returns409NamingOriginalEventId(
            APIGatewayProxyRequestEvent duplicate) {
        APIGatewayProxyResponseEvent first = handler.handleRequest(
                Requests.post(duplicate.getHeaders().get("x-idempotency-key"), duplicate.getBody()), null);

        APIGatewayProxyResponseEvent second = handler.handleRequest(duplicate, null);

        assertThat(second.getStatusCode()).isEqualTo(409);
        assertThat(second.getHeaders()).containsAllEntriesOf(ApiResponses.SECURITY_HEADERS);
        JsonNode error = json(second).get("error");
        assertThat(error.get("code").textValue()).isEqualTo("DUPLICATE_EVENT");
        assertThat(error.get("eventId").textValue()).isEqualTo(json(first).get("eventId").textValue());
        assertThat(json(second).get("success").booleanValue()).isFalse();
        assertThat(aws.drainQueue()).hasSize(1);
    }

    @ParameterizedTest
    @Event(value = "post-malformed-body.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenBodyIsMalformed_returns400InvalidJson(APIGatewayProxyRequestEvent request) {
        assertError(handler.handleRequest(request, null), 400, "INVALID_JSON");
    }

    @ParameterizedTest
    @Event(value = "post-missing-idempotency-key.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenIdempotencyKeyMissing_returns400NamingHeader(APIGatewayProxyRequestEvent request) {
        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);
        assertError(response, 400, "MISSING_IDEMPOTENCY_KEY");
        assertThat(json(response).get("error").get("message").textValue()).contains("x-idempotency-key");
    }

    @ParameterizedTest
    @Event(value = "post-wrong-content-type.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenContentTypeIsNotJson_returns415(APIGatewayProxyRequestEvent request) {
        assertError(handler.handleRequest(request, null), 415, "UNSUPPORTED_MEDIA_TYPE");
    }

    @ParameterizedTest
    @Event(value = "post-oversized-body.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenBodyOver1MiB_returns413(APIGatewayProxyRequestEvent request) {
        assertThat(request.getBody().getBytes(StandardCharsets.UTF_8).length).isGreaterThan(1024 * 1024);
        assertError(handler.handleRequest(request, null), 413, "PAYLOAD_TOO_LARGE");
        assertThat(aws.drainQueue()).isEmpty();
    }

    @ParameterizedTest
    @Event(value = "get-event.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenEventUnknown_returns404(APIGatewayProxyRequestEvent request) {
        assertError(handler.handleRequest(request, null), 404, "EVENT_NOT_FOUND");
    }

    @ParameterizedTest
    @Event(value = "get-event.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenEventExists_returnsTheSpecShapeWithEmptyDeliveryLogs(APIGatewayProxyRequestEvent request) {
        String eventId = json(handler.handleRequest(Requests.post("get-me", Requests.body("job.created",
                "{\"jobId\":\"job_9\",\"salary\":120000.50}")), null)).get("eventId").textValue();
        request.setPath("/api/v1/events/" + eventId);
        request.setPathParameters(Map.of("eventId", eventId));

        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(response.getBody()).contains("\"payload\":{\"jobId\":\"job_9\",\"salary\":120000.50}");
        JsonNode event = json(response).get("event");
        List<String> fields = new ArrayList<>();
        event.fieldNames().forEachRemaining(fields::add);
        // The spec's fields, and issue 9's delivery state beside the log (nothing delivered yet: pending).
        assertThat(fields).containsExactly("id", "eventType", "idempotencyKey", "payload", "receivedAt", "delivery",
                "deliveries", "deliveryLogs");
        assertThat(event.get("delivery").get("state").textValue()).isEqualTo("pending");
        assertThat(event.get("deliveries")).isEmpty();
        assertThat(event.get("id").textValue()).isEqualTo(eventId);
        assertThat(event.get("idempotencyKey").textValue()).isEqualTo("get-me");
        assertThat(event.get("deliveryLogs").isArray()).isTrue();
        assertThat(event.get("deliveryLogs")).isEmpty();
    }

    @ParameterizedTest
    @Event(value = "get-event-invalid-id.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenEventIdIsNotUuid_returns400(APIGatewayProxyRequestEvent request) {
        assertError(handler.handleRequest(request, null), 400, "INVALID_EVENT_ID");
    }

    @ParameterizedTest
    @Event(value = "list-events.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenListingByType_returnsOnlyThatTypeNewestFirst(APIGatewayProxyRequestEvent request) {
        handler.handleRequest(Requests.post("l1", Requests.body("job.created", "{\"n\":1}")), null);
        handler.handleRequest(Requests.post("l2", Requests.body("candidate.applied", "{\"n\":2}")), null);
        handler.handleRequest(Requests.post("l3", Requests.body("job.created", "{\"n\":3}")), null);

        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        JsonNode events = json(response).get("events");
        assertThat(events).extracting(e -> e.get("idempotencyKey").textValue()).containsExactly("l3", "l1");
        assertThat(events.get(0).has("payload")).isFalse();
        assertThat(json(response).get("nextCursor").isNull()).isTrue();
    }

    @ParameterizedTest
    @Event(value = "health.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenTableAndQueueAnswer_returnsHealthy(APIGatewayProxyRequestEvent request) {
        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(response.getHeaders()).containsAllEntriesOf(ApiResponses.SECURITY_HEADERS);
        assertThat(response.getBody()).isEqualTo(
                "{\"success\":true,\"status\":\"ok\",\"checks\":{\"table\":\"ok\",\"queue\":\"ok\"}}");
    }

    @ParameterizedTest
    @Event(value = "get-event.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenCustomDomainBasePathPrefixesThePath_routesOnTheResource(
            APIGatewayProxyRequestEvent request) {
        String eventId = json(handler.handleRequest(Requests.post("base-path", Requests.body("job.created",
                "{\"jobId\":\"job_bp\"}")), null)).get("eventId").textValue();
        // Behind a custom domain mapped at /relay, API Gateway puts the base path in front of path, not resource.
        request.setPath("/relay/api/v1/events/" + eventId);
        request.setPathParameters(Map.of("eventId", eventId));

        APIGatewayProxyResponseEvent response = handler.handleRequest(request, null);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(json(response).get("event").get("id").textValue()).isEqualTo(eventId);
    }

    @Test
    void handleRequest_whenRouteUnknown_returns404() {
        assertError(handler.handleRequest(Requests.get("/api/v2/things", null), null), 404, "ROUTE_NOT_FOUND");
    }

    @Test
    void handleRequest_whenMethodNotAllowed_returns405WithAllow() {
        APIGatewayProxyResponseEvent response = handler.handleRequest(
                Requests.get("/api/v1/events", null).withHttpMethod("DELETE"), null);
        assertError(response, 405, "METHOD_NOT_ALLOWED");
        assertThat(response.getHeaders()).containsEntry("Allow", "GET, POST");
    }

    @ParameterizedTest
    @Event(value = "post-job-created.json", type = APIGatewayProxyRequestEvent.class)
    void handleRequest_whenAnyRequest_logsOneLineWithIdsAndNoPayloadOrHeaderValues(APIGatewayProxyRequestEvent request)
            throws Exception {
        JsonNode accepted = json(handler.handleRequest(request, null));

        List<String> lines = logs.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(1);
        JsonNode line = Json.mapper().readTree(lines.get(0));
        assertThat(line.get("requestId").textValue()).isEqualTo("req-post-job-created");
        assertThat(line.get("route").textValue()).isEqualTo("POST /api/v1/events");
        assertThat(line.get("status").intValue()).isEqualTo(202);
        assertThat(line.get("eventId").textValue()).isEqualTo(accepted.get("eventId").textValue());
        assertThat(line.get("eventType").textValue()).isEqualTo("job.created");
        assertThat(line.has("processingTimeMs")).isTrue();
        assertThat(lines.get(0)).doesNotContain("TechCorp", "job-123-created", "algohire-jobs");
    }

    private static void assertError(APIGatewayProxyResponseEvent response, int status, String code) {
        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(response.getHeaders()).containsAllEntriesOf(ApiResponses.SECURITY_HEADERS);
        JsonNode body = json(response);
        assertThat(body.get("success").booleanValue()).isFalse();
        assertThat(body.get("error").get("code").textValue()).isEqualTo(code);
        assertThat(body.get("error").get("message").textValue()).isNotBlank();
    }
}
