package com.algohire.relay.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.ApiRoutes;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import org.junit.jupiter.api.Test;

/** The local runtime's routes are the stack's: GET /health answered as API Gateway's mock answers it on AWS. */
class LocalRelayRoutesTest {

    @Test
    void routes_health_answersTheLivenessBodyWithoutInvokingAFunction() {
        // no handlers at all: the liveness answer must not need one
        ApiGatewayEmulator.Route health = LocalRelay.routes(null, null).stream()
                .filter(route -> route.method().equals("GET") && route.resource().equals("/health"))
                .findFirst().orElseThrow();

        APIGatewayProxyResponseEvent response = health.handler().handleRequest(
                new APIGatewayProxyRequestEvent().withHttpMethod("GET").withPath("/health"), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(response.getBody()).isEqualTo(ApiRoutes.LIVENESS_BODY);
        assertThat(response.getHeaders()).containsEntry("Content-Type", "application/json");
    }

    @Test
    void routes_deepHealth_isAnOperatorRouteOfTheIngestFunction() {
        ApiGatewayEmulator.Route deep = LocalRelay.routes(null, null).stream()
                .filter(route -> route.method().equals("GET") && route.resource().equals("/api/v1/health"))
                .findFirst().orElseThrow();

        assertThat(deep.auth()).isEqualTo(ApiRoutes.Auth.OPERATOR);
        assertThat(deep.functionName()).isEqualTo("ingest");
    }
}
