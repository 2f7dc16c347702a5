package com.algohire.relay.api;

import com.algohire.relay.internal.Json;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds API Gateway proxy responses: JSON bodies, the error envelope, and the security headers on every one. */
public final class ApiResponses {

    /** What the seed's Helmet would set, for a JSON API that is never framed or rendered as a page. */
    public static final Map<String, String> SECURITY_HEADERS = Map.of(
            "X-Content-Type-Options", "nosniff",
            "Cache-Control", "no-store",
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains",
            "X-Frame-Options", "DENY",
            "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'",
            "Referrer-Policy", "no-referrer",
            "Cross-Origin-Resource-Policy", "same-origin");

    private ApiResponses() {
    }

    public static APIGatewayProxyResponseEvent json(int status, Object body) {
        return json(status, body, Map.of());
    }

    public static APIGatewayProxyResponseEvent json(int status, Object body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new LinkedHashMap<>(SECURITY_HEADERS);
        headers.put("Content-Type", "application/json; charset=utf-8");
        headers.putAll(extraHeaders);
        String text;
        try {
            text = Json.mapper().writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response body is not serializable", e);
        }
        return new APIGatewayProxyResponseEvent().withStatusCode(status).withHeaders(headers).withBody(text);
    }

    /** {@code {"success":false,"error":{"code","message",...details}}}. */
    public static APIGatewayProxyResponseEvent error(ApiException e) {
        return error(e, Map.of());
    }

    public static APIGatewayProxyResponseEvent error(ApiException e, Map<String, String> extraHeaders) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", e.code());
        error.put("message", e.getMessage());
        error.putAll(e.details());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("error", error);
        return json(e.status(), body, extraHeaders);
    }

    /**
     * Our own fault: a fixed message, never the exception's text (it may name resources or carry data), saying
     * what a retry of this very route does, since the failed call may or may not have taken effect.
     */
    public static APIGatewayProxyResponseEvent internalError(String requestId, String method, String path) {
        return error(new ApiException(500, "INTERNAL_ERROR", "The relay failed to process the request. "
                + retryAdvice(method == null ? "" : method, path == null ? "" : path),
                requestId == null ? Map.of() : Map.of("requestId", requestId)));
    }

    /** What a caller may safely do after a 500 from one route, whose own call may have taken effect or not. */
    static String retryAdvice(String method, String path) {
        if (method.equals("GET") || method.equals("HEAD")) {
            return "Reads change nothing: it is safe to retry.";
        }
        if (path.equals("/api/v1/events")) {
            return "It is safe to retry with the same x-idempotency-key: the event is then accepted once.";
        }
        if (path.equals("/api/v1/subscriptions")) {
            return "The subscription may have been created: list GET /api/v1/subscriptions before creating it again.";
        }
        if (path.endsWith("/rotate-secret")) {
            return "The secret may have been rotated (a new secret is shown only in a successful answer): retry to "
                    + "rotate again and get a secret you can see; the previous secrets keep signing for the overlap.";
        }
        if (path.endsWith("/replay")) {
            return "The replay may have been queued: check the event's deliveryLogs (GET /api/v1/events/{id}) "
                    + "before retrying, which queues another delivery under new webhook-ids.";
        }
        if (path.equals("/api/v1/dlq/redrive")) {
            return "It is safe to retry: a redrive already running answers 409 REDRIVE_IN_PROGRESS.";
        }
        if (method.equals("PATCH") || method.equals("DELETE")) {
            return "It is safe to retry: the change is the same however often it is made.";
        }
        return "Check the resource's state before retrying.";
    }
}
