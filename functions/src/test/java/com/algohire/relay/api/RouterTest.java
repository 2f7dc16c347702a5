package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.algohire.relay.config.ApiRoutes;
import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.StructuredLog;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final StructuredLog log = new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8),
            Clock.systemUTC());

    /** The ingest function's routes, each answering 200 with what it was called with. */
    private Router.Builder ingestRoutes() {
        return Router.builder(ApiRoutes.Function.INGEST, log, (method, allow) -> "no " + method)
                .route("POST", "/api/v1/events", call -> echo(call, "post"))
                .route("GET", "/api/v1/events", call -> echo(call, "list"))
                .route("GET", "/api/v1/events/{eventId}", call -> echo(call, call.parameter("eventId")))
                .route("GET", "/api/v1/health", call -> echo(call, "health"));
    }

    private static APIGatewayProxyResponseEvent echo(ApiCall call, String what) {
        return ApiResponses.json(200, Map.of("route", what));
    }

    private static APIGatewayProxyRequestEvent request(String method, String path) {
        return new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path);
    }

    private JsonNode lastLogLine() throws Exception {
        List<String> lines = logs.toString(StandardCharsets.UTF_8).lines().toList();
        return Json.mapper().readTree(lines.get(lines.size() - 1));
    }

    @Test
    void build_whenARouteApiRoutesGivesTheFunctionHasNoHandler_refuses() {
        Router.Builder missingHealth = Router.builder(ApiRoutes.Function.INGEST, log, (method, allow) -> "")
                .route("POST", "/api/v1/events", call -> null)
                .route("GET", "/api/v1/events", call -> null)
                .route("GET", "/api/v1/events/{eventId}", call -> null);

        assertThatThrownBy(missingHealth::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/health");
    }

    @Test
    void build_whenAHandlerHasNoRouteInApiRoutes_refuses() {
        Router.Builder extra = ingestRoutes().route("DELETE", "/api/v1/events/{eventId}", call -> null);

        assertThatThrownBy(extra::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DELETE /api/v1/events/{eventId}");
    }

    @Test
    void build_whenEachApiIsConstructed_routesExactlyItsFunctionsRoutes() {
        // Routing needs none of the collaborators: the construction alone checks the routes against ApiRoutes.
        new IngestApi(null, null, null, null, null, null, null, Clock.systemUTC(), log, null);
        new ManagementApi(null, null, null, null, null, null, null, null, null, Clock.systemUTC(), log);
    }

    @Test
    void handle_whenPathMatchesARoute_callsItWithThePathParameters() throws Exception {
        Router router = ingestRoutes().build();

        APIGatewayProxyResponseEvent response = router.handle(request("get", "/api/v1/events/abc/"), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(Requests.json(response).get("route").textValue()).isEqualTo("abc");
        assertThat(lastLogLine().get("route").textValue()).isEqualTo("GET /api/v1/events/abc");
    }

    @Test
    void handle_whenNoRouteMatches_answers404RouteNotFoundAndLogsIt() throws Exception {
        Router router = ingestRoutes().build();

        APIGatewayProxyResponseEvent response = router.handle(request("GET", "/api/v1/events/a/b\u0001"), null);

        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(response.getHeaders()).containsAllEntriesOf(ApiResponses.SECURITY_HEADERS);
        assertThat(Requests.json(response).at("/error/code").textValue()).isEqualTo("ROUTE_NOT_FOUND");
        assertThat(Requests.json(response).at("/error/message").textValue())
                .isEqualTo("No route for GET /api/v1/events/a/b?.");
        JsonNode line = lastLogLine();
        assertThat(line.get("status").intValue()).isEqualTo(404);
        assertThat(line.get("errorCode").textValue()).isEqualTo("ROUTE_NOT_FOUND");
    }

    @Test
    void handle_whenMethodIsNotRoutedOnTheResource_answers405WithAllowInMethodOrder() throws Exception {
        Router router = ingestRoutes().build();

        APIGatewayProxyResponseEvent response = router.handle(request("DELETE", "/api/v1/events"), null);

        assertThat(response.getStatusCode()).isEqualTo(405);
        assertThat(response.getHeaders()).containsEntry("Allow", "GET, POST")
                .containsAllEntriesOf(ApiResponses.SECURITY_HEADERS);
        assertThat(Requests.json(response).at("/error/code").textValue()).isEqualTo("METHOD_NOT_ALLOWED");
        assertThat(Requests.json(response).at("/error/message").textValue()).isEqualTo("no DELETE");
        assertThat(lastLogLine().get("errorCode").textValue()).isEqualTo("METHOD_NOT_ALLOWED");
    }

    @Test
    void handle_whenRouteFails_answers500AndLogsOnlyTheExceptionsClass() throws Exception {
        Router router = Router.builder(ApiRoutes.Function.INGEST, log, (method, allow) -> "")
                .route("POST", "/api/v1/events", call -> {
                    throw new IllegalStateException("secret-bearing message");
                })
                .route("GET", "/api/v1/events", call -> null)
                .route("GET", "/api/v1/events/{eventId}", call -> null)
                .route("GET", "/api/v1/health", call -> null)
                .build();

        APIGatewayProxyResponseEvent response = router.handle(request("POST", "/api/v1/events")
                .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext().withRequestId("req-1")),
                        null);

        assertThat(response.getStatusCode()).isEqualTo(500);
        assertThat(Requests.json(response).at("/error/requestId").textValue()).isEqualTo("req-1");
        String text = logs.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("IllegalStateException").doesNotContain("secret-bearing");
        assertThat(lastLogLine().get("errorCode").textValue()).isEqualTo("INTERNAL_ERROR");
    }
}
