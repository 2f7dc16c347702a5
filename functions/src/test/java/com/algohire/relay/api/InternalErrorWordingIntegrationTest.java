package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.TestResources;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each route's 500 tells the caller what a retry of that route does; none tells an operator to re-POST an event. */
@ExtendWith(SharedAwsBackend.class)
class InternalErrorWordingIntegrationTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "POST   | /api/v1/subscriptions                                           | may have been created",
            "GET    | /api/v1/subscriptions                                           | safe to retry",
            "PATCH  | /api/v1/subscriptions/sub_0123456789abcdef0123456789abcdef      | safe to retry",
            "POST   | /api/v1/subscriptions/sub_0123456789abcdef0123456789abcdef/rotate-secret | may have been rotated",
            "POST   | /api/v1/events/0b8f2c1e-1111-4222-8333-944455556666/replay       | may have been queued",
            "POST   | /api/v1/dlq/redrive                                             | 409 REDRIVE_IN_PROGRESS"})
    void management_whenAwsUnreachable_500WordsTheRetryForThatRoute(String method, String path, String advice,
                                                                     AwsBackend backend) throws Exception {
        TestResources aws = TestResources.create(backend);
        ManagementApiHandler handler = new ManagementApiHandler(aws.config(), TestResources.deadClients(backend));
        String body = method.equals("GET") || path.endsWith("redrive") || path.endsWith("rotate-secret")
                || path.endsWith("replay") ? null
                : "{\"url\":\"https://hooks.example.com/x\",\"eventTypes\":[\"*\"],\"description\":\"d\"}";
        if (method.equals("PATCH")) {
            body = "{\"description\":\"d\"}";
        }

        APIGatewayProxyResponseEvent response = handler.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod(method).withPath(path).withHeaders(Map.of("Content-Type", "application/json"))
                .withBody(body), null);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(500);
        JsonNode error = Json.mapper().readTree(response.getBody()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("INTERNAL_ERROR");
        assertThat(error.get("message").asText()).contains(advice).doesNotContain("x-idempotency-key");
    }

    @Test
    void ingest_whenAwsUnreachable_500SaysRetryWithTheSameKey(AwsBackend backend) throws Exception {
        TestResources aws = TestResources.create(backend);
        IngestApiHandler handler = new IngestApiHandler(aws.config(), TestResources.deadClients(backend));

        APIGatewayProxyResponseEvent post = handler.handleRequest(
                Requests.post("k", Requests.body("job.created", "{}")), null);
        APIGatewayProxyResponseEvent get = handler.handleRequest(Requests.get("/api/v1/events",
                Map.of("eventType", "job.created")), null);

        assertThat(post.getStatusCode()).isEqualTo(500);
        assertThat(Requests.json(post).at("/error/message").asText()).contains("same x-idempotency-key");
        assertThat(get.getStatusCode()).isEqualTo(500);
        assertThat(Requests.json(get).at("/error/message").asText()).contains("Reads change nothing")
                .doesNotContain("x-idempotency-key");
    }
}
