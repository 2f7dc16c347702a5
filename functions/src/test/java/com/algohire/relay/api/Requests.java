package com.algohire.relay.api;

import com.algohire.relay.internal.Json;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** Builds API Gateway proxy requests the way a REST API with Lambda proxy integration sends them. */
final class Requests {
    private Requests() {
    }

    static APIGatewayProxyRequestEvent post(String key, String body) {
        return new APIGatewayProxyRequestEvent().withHttpMethod("POST").withPath("/api/v1/events")
                .withResource("/api/v1/events")
                .withHeaders(Map.of("Content-Type", "application/json", "x-idempotency-key", key))
                .withBody(body).withIsBase64Encoded(false);
    }

    static String body(String eventType, String payloadJson) {
        return "{\"eventType\":\"" + eventType + "\",\"payload\":" + payloadJson + "}";
    }

    static APIGatewayProxyRequestEvent get(String path, Map<String, String> query) {
        return new APIGatewayProxyRequestEvent().withHttpMethod("GET").withPath(path).withQueryStringParameters(query);
    }

    static JsonNode json(APIGatewayProxyResponseEvent response) {
        try {
            return Json.mapper().readTree(response.getBody());
        } catch (Exception e) {
            throw new AssertionError("response body is not JSON: " + response.getBody(), e);
        }
    }
}
