package com.algohire.relay.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.api.ApiResponses;
import com.algohire.relay.config.ApiRoutes.Auth;
import com.algohire.relay.local.ApiGatewayEmulator.Keys;
import com.algohire.relay.local.ApiGatewayEmulator.Route;
import com.algohire.relay.local.console.RawHttp;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiGatewayEmulatorTest {
    private static final Keys KEYS = new Keys("ingest-key", "admin-key");

    private final RecordingHandler ingest = new RecordingHandler("ingest");
    private final RecordingHandler management = new RecordingHandler("management");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ApiGatewayEmulator emulator;
    private final java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> failing = (event, context) -> {
            throw new IllegalStateException("boom with a secret inside");
        };
        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> binary = (event, context) ->
                new APIGatewayProxyResponseEvent().withStatusCode(200)
                        .withHeaders(Map.of("Content-Type", "application/octet-stream"))
                        .withBody(Base64.getEncoder().encodeToString(new byte[] {1, 2, (byte) 0xff}))
                        .withIsBase64Encoded(true);
        emulator = ApiGatewayEmulator.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), List.of(
                new Route("POST", "/api/v1/events", Auth.API_KEY, "ingest", ingest),
                new Route("GET", "/api/v1/events/{eventId}", Auth.OPERATOR, "ingest", ingest),
                new Route("GET", "/health", Auth.NONE, "ingest", ingest),
                new Route("POST", "/api/v1/events/{eventId}/replay", Auth.OPERATOR, "management", management),
                new Route("POST", "/api/v1/dlq/{action}", Auth.OPERATOR, "management", management),
                new Route("POST", "/api/v1/dlq/redrive", Auth.OPERATOR, "management", ingest),
                new Route("GET", "/fails", Auth.NONE, "failing", failing),
                new Route("GET", "/binary", Auth.NONE, "binary", binary)), KEYS, Duration.ofSeconds(30));
        emulator.serve("/served", exchange -> {
            served.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
    }

    @AfterAll
    void stop() {
        emulator.close();
    }

    @BeforeEach
    void reset() {
        ingest.events.clear();
        management.events.clear();
        served.set(0);
    }

    // --- DNS rebinding: a page on the attacker's name re-pointed at 127.0.0.1, sending valid keys (the defaults
    // are public), on raw sockets since java.net.http will not send another Host

    private RawHttp.Response raw(String method, String target, String host, String... headers) throws Exception {
        Map<String, String> all = new java.util.LinkedHashMap<>();
        if (host != null) {
            all.put("Host", host);
        }
        for (int i = 0; i < headers.length; i += 2) {
            all.put(headers[i], headers[i + 1]);
        }
        return RawHttp.send(emulator.baseUri().getPort(), method, target, all,
                method.equals("POST") ? "{\"eventType\":\"job.created\",\"payload\":{}}" : null);
    }

    @Test
    void everyRoute_whenHostIsNotALoopbackNameOfItsPort_isRefused421MisdirectedRequestAndReachesNothing()
            throws Exception {
        int port = emulator.baseUri().getPort();
        List<String> hosts = new ArrayList<>(List.of("evil.example:" + port, "evil.example", "127.0.0.1",
                "127.0.0.1:1", "localhost:" + (port == 65535 ? port - 1 : port + 1), "127.0.0.1." + "evil.example:"
                + port, "localhost:" + port + ".evil.example", "[::2]:" + port, "0.0.0.0:" + port));
        hosts.add(null);
        for (String host : hosts) {
            List<RawHttp.Response> answers = List.of(
                    raw("POST", "/api/v1/dlq/redrive", host, "x-admin-key", "admin-key",
                            "Content-Type", "application/json"),
                    raw("GET", "/api/v1/events/evt_1", host, "x-admin-key", "admin-key"),
                    raw("POST", "/api/v1/events", host, "x-api-key", "ingest-key", "x-idempotency-key", "k1",
                            "Content-Type", "application/json"),
                    raw("GET", "/health", host),
                    raw("GET", "/served", host),
                    raw("GET", "/no/such/route", host));
            for (RawHttp.Response answer : answers) {
                if (host == null) {
                    // Without a Host an HTTP/1.1 request is malformed: the JDK server may refuse it itself.
                    assertThat(answer.status()).isIn(400, 421);
                    continue;
                }
                assertThat(answer.status()).as("Host %s", host).isEqualTo(421);
                assertThat(answer.header("Content-Type")).startsWith("application/json");
                JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body());
                assertThat(error.get("success").asBoolean()).isFalse();
                assertThat(error.at("/error/code").asText()).isEqualTo("MISDIRECTED_REQUEST");
                assertThat(error.at("/error/message").asText()).contains("localhost:" + port);
            }
        }
        assertThat(ingest.events).isEmpty();
        assertThat(management.events).isEmpty();
        assertThat(served.get()).isZero();
    }

    @Test
    void everyRoute_whenHostIsALoopbackNameOfItsPort_isServed() throws Exception {
        int port = emulator.baseUri().getPort();
        for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port,
                "LocalHost:" + port)) {
            assertThat(raw("GET", "/health", host).status()).as("Host %s", host).isEqualTo(202);
            assertThat(raw("GET", "/served", host).status()).as("Host %s", host).isEqualTo(204);
        }
        assertThat(ingest.events).hasSize(4);
        assertThat(served.get()).isEqualTo(4);
    }

    @Test
    void post_whenApiKeyPresent_invokesHandlerWithProxyEventAsApiGatewayBuildsIt() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/events"))
                .header("Content-Type", "application/json")
                .header("x-idempotency-key", "order-42")
                .header("x-api-key", "ingest-key")
                .POST(BodyPublishers.ofString("{\"eventType\":\"job.created\",\"payload\":{\"é\":1}}")));

        assertThat(response.statusCode()).isEqualTo(202);
        APIGatewayProxyRequestEvent event = ingest.only();
        assertThat(event.getHttpMethod()).isEqualTo("POST");
        assertThat(event.getResource()).isEqualTo("/api/v1/events");
        assertThat(event.getPath()).isEqualTo("/api/v1/events");
        assertThat(event.getPathParameters()).isNull();
        assertThat(event.getQueryStringParameters()).isNull();
        assertThat(event.getHeaders()).containsEntry("content-type", "application/json")
                .containsEntry("x-idempotency-key", "order-42")
                .containsEntry("x-api-key", "ingest-key")
                .containsEntry("x-forwarded-for", "127.0.0.1");
        assertThat(event.getMultiValueHeaders()).containsEntry("x-idempotency-key", List.of("order-42"));
        assertThat(event.getBody()).isEqualTo("{\"eventType\":\"job.created\",\"payload\":{\"é\":1}}");
        assertThat(event.getIsBase64Encoded()).isFalse();
        var context = event.getRequestContext();
        assertThat(context.getRequestId()).isNotBlank();
        assertThat(context.getStage()).isEqualTo(ApiGatewayEmulator.STAGE);
        assertThat(context.getResourcePath()).isEqualTo("/api/v1/events");
        assertThat(context.getHttpMethod()).isEqualTo("POST");
        assertThat(context.getIdentity().getSourceIp()).isEqualTo("127.0.0.1");
        assertThat(context.getIdentity().getApiKey()).isEqualTo("ingest-key");
        assertThat(response.headers().firstValue("x-amzn-RequestId")).contains(context.getRequestId());
        assertThat(ingest.contexts.getFirst().getFunctionName()).isEqualTo("ingest");
        assertThat(ingest.contexts.getFirst().getRemainingTimeInMillis()).isBetween(1, 30_000);
    }

    @Test
    void get_whenPathAndQueryParameters_passesThemDecodedWithMultiValues() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                        uri("/api/v1/events/evt%201+2?eventType=job.created&tag=a&tag=b%26c&limit=5"))
                .header("x-admin-key", "admin-key").GET());

        assertThat(response.statusCode()).isEqualTo(202);
        APIGatewayProxyRequestEvent event = ingest.only();
        assertThat(event.getResource()).isEqualTo("/api/v1/events/{eventId}");
        assertThat(event.getPathParameters()).isEqualTo(Map.of("eventId", "evt 1+2"));
        assertThat(event.getQueryStringParameters())
                .isEqualTo(Map.of("eventType", "job.created", "tag", "b&c", "limit", "5"));
        assertThat(event.getMultiValueQueryStringParameters()).containsEntry("tag", List.of("a", "b&c"));
        assertThat(event.getBody()).isNull();
        assertThat(event.getRequestContext().getIdentity().getUserArn()).endsWith(":user/local-admin");
    }

    @Test
    void post_whenBodyIsBinaryOrInvalidUtf8_passesItBase64Encoded() throws Exception {
        byte[] bytes = {(byte) 0xff, 0, (byte) 0xc3, 0x28};
        send(HttpRequest.newBuilder(uri("/api/v1/events")).header("x-api-key", "ingest-key")
                .header("Content-Type", "application/octet-stream").POST(BodyPublishers.ofByteArray(bytes)));
        send(HttpRequest.newBuilder(uri("/api/v1/events")).header("x-api-key", "ingest-key")
                .header("Content-Type", "application/json").POST(BodyPublishers.ofByteArray(bytes)));

        assertThat(ingest.events).hasSize(2).allSatisfy(event -> {
            assertThat(event.getIsBase64Encoded()).isTrue();
            assertThat(Base64.getDecoder().decode(event.getBody())).isEqualTo(bytes);
        });
    }

    @Test
    void post_whenApiKeyMissingOrWrong_answers403LikeApiGatewayWithoutInvoking() throws Exception {
        HttpResponse<String> missing = send(HttpRequest.newBuilder(uri("/api/v1/events"))
                .header("Content-Type", "application/json").POST(BodyPublishers.ofString("{}")));
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(uri("/api/v1/events"))
                .header("x-api-key", "admin-key").POST(BodyPublishers.ofString("{}")));

        assertThat(List.of(missing, wrong)).allSatisfy(response -> {
            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body())
                    .isEqualTo(
                            "{\"success\":false,\"error\":{\"code\":\"INVALID_API_KEY\",\"message\":\"Forbidden\"}}");
            assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
            ApiResponses.SECURITY_HEADERS.forEach((name, value) ->
                    assertThat(response.headers().firstValue(name)).as(name).contains(value));
        });
        assertThat(ingest.events).isEmpty();
    }

    @Test
    void managementRoute_whenAdminKeyMissingOrIngestKeyGiven_answers403() throws Exception {
        HttpResponse<String> missing = send(HttpRequest.newBuilder(uri("/api/v1/events/e1/replay"))
                .POST(BodyPublishers.noBody()));
        HttpResponse<String> ingestKey = send(HttpRequest.newBuilder(uri("/api/v1/events/e1/replay"))
                .header("x-api-key", "ingest-key").POST(BodyPublishers.noBody()));
        HttpResponse<String> admin = send(HttpRequest.newBuilder(uri("/api/v1/events/e1/replay"))
                .header("x-admin-key", "admin-key").POST(BodyPublishers.noBody()));

        assertThat(missing.statusCode()).isEqualTo(403);
        assertThat(ingestKey.statusCode()).isEqualTo(403);
        assertThat(admin.statusCode()).isEqualTo(202);
        assertThat(management.only().getPathParameters()).isEqualTo(Map.of("eventId", "e1"));
    }

    @Test
    void health_whenNoCredential_isOpenAndPassesSecurityHeadersThrough() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/health")).GET());

        assertThat(response.statusCode()).isEqualTo(202);
        ApiResponses.SECURITY_HEADERS.forEach((name, value) ->
                assertThat(response.headers().firstValue(name)).as(name).contains(value));
        assertThat(response.body()).isEqualTo("{\"seen\":\"/health\"}");
    }

    @Test
    void request_whenNoResourceOrMethodMatches_answers403MissingAuthenticationTokenLikeApiGateway() throws Exception {
        HttpResponse<String> unknown = send(HttpRequest.newBuilder(uri("/api/v1/nothing")).GET());
        HttpResponse<String> wrongMethod = send(HttpRequest.newBuilder(uri("/health"))
                .DELETE());
        HttpResponse<String> trailingSlash = send(HttpRequest.newBuilder(uri("/api/v1/events/")).GET());

        assertThat(List.of(unknown, wrongMethod, trailingSlash)).allSatisfy(response -> {
            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body()).isEqualTo("{\"success\":false,\"error\":{\"code\":"
                    + "\"MISSING_AUTHENTICATION_TOKEN\",\"message\":\"Missing Authentication Token\"}}");
        });
        assertThat(ingest.events).isEmpty();
    }

    @Test
    void request_whenLiteralAndParameterResourcesBothMatch_routesToLiteral() throws Exception {
        send(HttpRequest.newBuilder(uri("/api/v1/dlq/redrive")).header("x-admin-key", "admin-key")
                .POST(BodyPublishers.noBody()));
        send(HttpRequest.newBuilder(uri("/api/v1/dlq/other")).header("x-admin-key", "admin-key")
                .POST(BodyPublishers.noBody()));

        assertThat(ingest.only().getResource()).isEqualTo("/api/v1/dlq/redrive");
        assertThat(management.only().getResource()).isEqualTo("/api/v1/dlq/{action}");
    }

    @Test
    void post_whenBodyOverTenMegabytes_answers413WithoutInvoking() throws Exception {
        byte[] big = new byte[ApiGatewayEmulator.MAX_PAYLOAD_BYTES + 1];

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/events"))
                .header("x-api-key", "ingest-key").header("Content-Type", "application/json")
                .POST(BodyPublishers.ofByteArray(big)));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("\"message\"");
        assertThat(ingest.events).isEmpty();
    }

    @Test
    void request_whenHandlerThrows_answers502WithoutTheExceptionText() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/fails")).GET());

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).isEqualTo(
                "{\"success\":false,\"error\":{\"code\":\"DEFAULT_5XX\",\"message\":\"Internal server error\"}}");
    }

    @Test
    void response_whenHandlerReturnsBase64Body_writesTheDecodedBytes() throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri("/binary")).GET().build(),
                BodyHandlers.ofByteArray());

        assertThat(response.body()).containsExactly(1, 2, 0xff);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/octet-stream");
    }

    private URI uri(String pathAndQuery) {
        return URI.create(emulator.baseUri() + pathAndQuery);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(20)).build(),
                BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Records what it was invoked with and answers 202 with the security headers, as the real handlers do. */
    private static final class RecordingHandler
            implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
        final List<APIGatewayProxyRequestEvent> events = Collections.synchronizedList(new ArrayList<>());
        final List<Context> contexts = Collections.synchronizedList(new ArrayList<>());
        private final String name;

        RecordingHandler(String name) {
            this.name = name;
        }

        @Override
        public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
            events.add(event);
            contexts.add(context);
            return ApiResponses.json(202, Map.of("seen", event.getPath()));
        }

        APIGatewayProxyRequestEvent only() {
            assertThat(events).as(name + " invocations").hasSize(1);
            return events.getFirst();
        }
    }
}
