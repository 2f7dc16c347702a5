package com.algohire.relay.api;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an error becomes an answer: the one table from {@link ErrorCode} to HTTP status, and the error envelope
 * {@code {"success":false,"error":{"code","message",...details}}} that both API functions answer with.
 */
public final class ApiErrors {
    private ApiErrors() {
    }

    /** The status of every code; a switch without default, so a new code does not compile until it has one. */
    public static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_JSON, INVALID_BODY, UNKNOWN_FIELD,
                 MISSING_IDEMPOTENCY_KEY, INVALID_IDEMPOTENCY_KEY, MISSING_EVENT_TYPE, INVALID_EVENT_TYPE,
                 MISSING_PAYLOAD, INVALID_PAYLOAD,
                 INVALID_EVENT_ID, INVALID_LIMIT, INVALID_CURSOR, INVALID_FROM, INVALID_TO, INVALID_RANGE,
                 INVALID_URL, INVALID_EVENT_TYPES, INVALID_DESCRIPTION, INVALID_ACTIVE, INVALID_SUBSCRIPTION_ID,
                 INVALID_SINCE, CONFLICTING_PARAMETERS -> 400;
            case ROUTE_NOT_FOUND, EVENT_NOT_FOUND, SUBSCRIPTION_NOT_FOUND, RECOVERY_NOT_FOUND -> 404;
            case METHOD_NOT_ALLOWED -> 405;
            case DUPLICATE_EVENT, IDEMPOTENCY_KEY_REUSED, REQUEST_IN_PROGRESS,
                 SUBSCRIPTION_MODIFIED, SUBSCRIPTION_INACTIVE, SUBSCRIPTION_NOT_MATCHING, REDRIVE_IN_PROGRESS -> 409;
            case PAYLOAD_TOO_LARGE -> 413;
            case UNSUPPORTED_MEDIA_TYPE -> 415;
            case INTERNAL_ERROR -> 500;
            case QUEUE_UNAVAILABLE -> 503;
        };
    }

    public static APIGatewayProxyResponseEvent response(RelayException e) {
        return response(e, Map.of());
    }

    public static APIGatewayProxyResponseEvent response(RelayException e, Map<String, String> extraHeaders) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", e.code().name());
        error.put("message", e.getMessage());
        error.putAll(e.details());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("error", error);
        return ApiResponses.json(status(e.code()), body, extraHeaders);
    }

    /**
     * Our own fault: a fixed message, never the exception's text (it may name resources or carry data), saying
     * what a retry of this very route does, since the failed call may or may not have taken effect.
     */
    public static APIGatewayProxyResponseEvent internalError(String requestId, String method, String path) {
        return response(new RelayException(ErrorCode.INTERNAL_ERROR, "The relay failed to process the request. "
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
        if (path.endsWith("/pause") || path.endsWith("/resume")) {
            return "It is safe to retry: pausing a paused subscription, or resuming a running one, changes nothing "
                    + "(a resume queues its drain again, which is harmless).";
        }
        if (path.endsWith("/recover")) {
            return "The recovery may have started: a second one re-queues the same deliveries under the same "
                    + "webhook-ids, which receivers deduplicate.";
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
