package com.algohire.relay.api;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.EventList;
import com.algohire.relay.event.EventPage;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.health.HealthCheck;
import com.algohire.relay.ingest.Accepted;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.ingest.EventValidator;
import com.algohire.relay.ingest.IngestRequest;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.internal.Text;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.util.RawValue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ingest function's routes: turns an API Gateway proxy request into a call on ingestion, the event store,
 * the event list or the health check, and every outcome (including our own faults) into a JSON response with
 * the security headers and one log line.
 */
final class EventsApi {
    static final String EVENTS_PATH = "/api/v1/events";
    static final String HEALTH_PATH = "/health";
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    private static final Pattern EVENT_PATH = Pattern.compile("/api/v1/events/([^/]+)");
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final EventValidator validator;
    private final EventIngestion ingestion;
    private final EventStore store;
    private final EventList list;
    private final HealthCheck health;
    private final Duration retention;
    private final Clock clock;
    private final StructuredLog log;

    EventsApi(EventValidator validator, EventIngestion ingestion, EventStore store, EventList list,
              HealthCheck health, Duration retention, Clock clock, StructuredLog log) {
        this.validator = validator;
        this.ingestion = ingestion;
        this.store = store;
        this.list = list;
        this.health = health;
        this.retention = retention;
        this.clock = clock;
        this.log = log;
    }

    /** What the log line reports about a request, filled in as routing and handling learn it. */
    private static final class Outcome {
        String route = "unmatched";
        String eventId;
        String eventType;
        String errorCode;
    }

    APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent request, String requestId) {
        long started = System.nanoTime();
        Outcome outcome = new Outcome();
        String method = request.getHttpMethod() == null ? "" : request.getHttpMethod().toUpperCase(Locale.ROOT);
        APIGatewayProxyResponseEvent response;
        try {
            response = route(request, method, started, outcome);
        } catch (RelayException e) {
            outcome.errorCode = e.code().name();
            if (outcome.eventId == null && e.details().get("eventId") instanceof String id) {
                outcome.eventId = id;
            }
            response = ApiErrors.response(e, e.code() == ErrorCode.METHOD_NOT_ALLOWED
                    ? Map.of("Allow", allowed(ApiRequests.path(request))) : Map.of());
        } catch (RuntimeException e) {
            outcome.errorCode = "INTERNAL_ERROR";
            // The class name only: an exception's message can carry payload data or resource names.
            log.error("unexpected failure", Map.of("requestId", String.valueOf(requestId),
                    "route", outcome.route, "exception", e.getClass().getName()));
            response = ApiErrors.internalError(requestId, method, ApiRequests.path(request));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("requestId", requestId);
        fields.put("method", method);
        fields.put("route", outcome.route);
        fields.put("status", response.getStatusCode());
        fields.put("errorCode", outcome.errorCode);
        fields.put("eventId", outcome.eventId);
        fields.put("eventType", outcome.eventType);
        fields.put("processingTimeMs", elapsedMs(started));
        log.info("request", fields);
        return response;
    }

    private APIGatewayProxyResponseEvent route(APIGatewayProxyRequestEvent request, String method, long started,
                                               Outcome outcome) {
        String path = ApiRequests.path(request);
        if (path.equals(EVENTS_PATH)) {
            outcome.route = method + " " + EVENTS_PATH;
            return switch (method) {
                case "POST" -> post(request, started, outcome);
                case "GET" -> list(request);
                default -> throw methodNotAllowed(method);
            };
        }
        Matcher eventPath = EVENT_PATH.matcher(path);
        if (eventPath.matches()) {
            outcome.route = method + " " + EVENTS_PATH + "/{eventId}";
            if (!method.equals("GET")) {
                throw methodNotAllowed(method);
            }
            return get(eventPath.group(1), outcome);
        }
        if (path.equals(HEALTH_PATH)) {
            outcome.route = method + " " + HEALTH_PATH;
            if (!method.equals("GET")) {
                throw methodNotAllowed(method);
            }
            return health();
        }
        throw new RelayException(ErrorCode.ROUTE_NOT_FOUND, "No route for " + method + " "
                + printable(path) + ".");
    }

    private APIGatewayProxyResponseEvent post(APIGatewayProxyRequestEvent request, long started, Outcome outcome) {
        IngestRequest valid = validator.validate(request.getHeaders(), request.getMultiValueHeaders(),
                request.getBody(), Boolean.TRUE.equals(request.getIsBase64Encoded()));
        outcome.eventType = valid.eventType();
        Accepted accepted = ingestion.accept(valid);
        outcome.eventId = accepted.eventId();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("message", "Event accepted and queued for processing");
        body.put("eventId", accepted.eventId());
        body.put("eventType", accepted.eventType());
        body.put("idempotencyKey", accepted.idempotencyKey());
        body.put("receivedAt", accepted.receivedAt());
        body.put("processingTimeMs", elapsedMs(started));
        return ApiResponses.json(202, body);
    }

    private APIGatewayProxyResponseEvent get(String rawId, Outcome outcome) {
        if (!UUID_TEXT.matcher(rawId).matches()) {
            throw new RelayException(ErrorCode.INVALID_EVENT_ID, "Path parameter eventId must be a UUID, was: "
                    + printable(rawId) + ".");
        }
        String eventId = rawId.toLowerCase(Locale.ROOT);
        outcome.eventId = eventId;
        StoredEvent event = store.find(eventId).orElseThrow(() -> new RelayException(ErrorCode.EVENT_NOT_FOUND,
                "No event with eventId " + eventId + " (it may have passed the retention period)."));
        outcome.eventType = event.eventType();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", event.eventId());
        view.put("eventType", event.eventType());
        view.put("idempotencyKey", event.idempotencyKey());
        // Raw: the stored text is already the compact JSON of the payload object, so it is returned byte for byte.
        view.put("payload", new RawValue(event.payloadJson()));
        view.put("receivedAt", com.algohire.relay.event.EventItems.timestamp(event.receivedAt()));
        view.put("deliveryLogs", store.deliveryLogs(eventId));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("event", view);
        return ApiResponses.json(200, body);
    }

    private APIGatewayProxyResponseEvent list(APIGatewayProxyRequestEvent request) {
        Map<String, String> params = queryParameters(request);
        String eventType = params.get("eventType");
        if (eventType != null) {
            validator.checkEventTypeParameter(eventType);
        }
        Instant now = clock.instant();
        Instant requestedTo = params.containsKey("to") ? instant("to", params.get("to")) : now;
        Instant from = params.containsKey("from") ? instant("from", params.get("from")) : null;
        if (from != null && from.isAfter(requestedTo)) {
            throw new RelayException(ErrorCode.INVALID_RANGE, "Parameter from must not be after parameter to.");
        }
        // Nothing is received after now: a later `to` is read as now, or the list would walk (and, bounded by the
        // retention period, only walk) days that cannot hold an event, and answer empty.
        Instant to = requestedTo.isAfter(now) ? now : requestedTo;
        if (from == null) {
            from = to.minus(retention);
        }
        int limit = DEFAULT_LIMIT;
        if (params.containsKey("limit")) {
            try {
                limit = Integer.parseInt(params.get("limit").trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new RelayException(ErrorCode.INVALID_LIMIT, "Parameter limit must be an integer from 1 to "
                        + MAX_LIMIT + ", was: " + printable(params.get("limit")) + ".");
            }
        }
        String cursor = params.get("cursor");
        EventPage page = from.isAfter(to) ? new EventPage(List.of(), null)
                : list.list(eventType, from, to, limit, cursor == null || cursor.isEmpty() ? null : cursor);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("events", page.events());
        body.put("nextCursor", page.nextCursor());
        return ApiResponses.json(200, body);
    }

    private APIGatewayProxyResponseEvent health() {
        HealthCheck.Report report = health.check();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", report.healthy());
        body.put("status", report.healthy() ? "ok" : "unavailable");
        body.put("checks", report.checks());
        return ApiResponses.json(report.healthy() ? 200 : 503, body);
    }

    private static Instant instant(String name, String value) {
        Instant instant;
        try {
            instant = OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            instant = null;
        }
        // The stored sort keys are four-digit-year text: outside these years a bound would not sort with them.
        if (instant == null || instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw new RelayException(name.equals("from") ? ErrorCode.INVALID_FROM : ErrorCode.INVALID_TO, "Parameter " + name
                    + " must be an ISO-8601 date-time with offset (e.g. 2024-01-10T10:00:00Z) between years 1970 and "
                    + "9999, was: " + printable(value) + ".");
        }
        return instant;
    }

    private static Map<String, String> queryParameters(APIGatewayProxyRequestEvent request) {
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, List<String>> multi = request.getMultiValueQueryStringParameters();
        if (multi != null) {
            multi.forEach((k, v) -> {
                if (k != null && v != null && !v.isEmpty() && v.get(0) != null) {
                    params.put(k, v.get(0));
                }
            });
        }
        if (request.getQueryStringParameters() != null) {
            request.getQueryStringParameters().forEach((k, v) -> {
                if (k != null && v != null) {
                    params.putIfAbsent(k, v);
                }
            });
        }
        return params;
    }


    private static String allowed(String path) {
        return path.equals(EVENTS_PATH) ? "GET, POST" : "GET";
    }

    private static RelayException methodNotAllowed(String method) {
        return new RelayException(ErrorCode.METHOD_NOT_ALLOWED, "Method " + printable(method) + " is not allowed here.");
    }

    private static String printable(String value) {
        return Text.printable(value, 100);
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
