package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Unpaired UTF-16 surrogates ({@code "\ud800"}) are valid JSON escapes but not Unicode text: DynamoDB refuses to
 * store them, so without a check each such request was a 500, and so was every retry of it. Each is a 400 naming
 * the field, on every route that stores text, against real servers.
 */
@ExtendWith(SharedAwsBackend.class)
class LoneSurrogateIntegrationTest {
    private static final String PAIRED = "\\ud83d\\ude00"; // 😀 as an escaped pair: fine

    @Test
    void ingest_whenPayloadHoldsLoneSurrogate_returns400NamingTheFieldAndAcceptsAPairedOne(AwsBackend backend)
            throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        IngestApiHandler ingest = new IngestApiHandler(env.config(Map.of()), env.resources.clients);

        APIGatewayProxyResponseEvent refused = ingest.handleRequest(Requests.post("lone",
                Requests.body("job.created", "{\"candidate\":{\"name\":\"Ann\\ud800\"}}")), null);
        APIGatewayProxyResponseEvent accepted = ingest.handleRequest(Requests.post("paired",
                Requests.body("job.created", "{\"candidate\":{\"name\":\"Ann" + PAIRED + "\"}}")), null);

        assertThat(refused.getStatusCode()).as(refused.getBody()).isEqualTo(400);
        assertThat(Requests.json(refused).at("/error/code").asText()).isEqualTo("INVALID_PAYLOAD");
        assertThat(Requests.json(refused).at("/error/message").asText()).contains("payload.candidate.name");
        assertThat(accepted.getStatusCode()).as(accepted.getBody()).isEqualTo(202);
    }

    @Test
    void management_whenBodyFieldHoldsLoneSurrogate_returns400NamingTheField(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        ManagementApiHandler management = new ManagementApiHandler(config, env.resources.clients);
        Map<String, String> cases = Map.of(
                "{\"url\":\"https://h.example.com/\\ud800\",\"eventTypes\":[\"*\"]}", "INVALID_URL",
                "{\"url\":\"https://h.example.com/\",\"eventTypes\":[\"*\"],\"description\":\"ATS \\udfff\"}",
                "INVALID_DESCRIPTION",
                "{\"url\":\"https://h.example.com/\",\"eventTypes\":[\"job.created\\ud800\"]}", "INVALID_EVENT_TYPES");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            JsonNode error = call(management, "POST", "/api/v1/subscriptions", c.getKey(), 400).get("error");
            assertThat(error.get("code").asText()).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(error.get("field").asText()).as(c.getKey()).isNotBlank();
        }
        String id = call(management, "POST", "/api/v1/subscriptions",
                "{\"url\":\"https://h.example.com/\",\"eventTypes\":[\"*\"],\"description\":\"ATS " + PAIRED + "\"}", 201)
                .at("/subscription/subscriptionId").asText();
        assertThat(call(management, "PATCH", "/api/v1/subscriptions/" + id, "{\"description\":\"\\ud800\"}", 400)
                .at("/error/code").asText()).isEqualTo("INVALID_DESCRIPTION");
        String eventId = env.putEvent(config, "job.created", "{}");
        assertThat(call(management, "POST", "/api/v1/events/" + eventId + "/replay",
                "{\"subscriptionId\":\"sub_\\ud800\"}", 400).at("/error/code").asText())
                .isEqualTo("INVALID_SUBSCRIPTION_ID");
        assertThat(call(management, "POST", "/api/v1/events/evt\ud800/replay", null, 404)
                .at("/error/code").asText()).isEqualTo("EVENT_NOT_FOUND");
    }

    private static JsonNode call(ManagementApiHandler handler, String method, String path, String body, int status)
            throws Exception {
        APIGatewayProxyResponseEvent response = handler.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod(method).withPath(path).withHeaders(Map.of("Content-Type", "application/json"))
                .withBody(body), null);
        assertThat(response.getStatusCode()).as(method + " " + path + " " + body + " → " + response.getBody())
                .isEqualTo(status);
        return Json.mapper().readTree(response.getBody());
    }
}
