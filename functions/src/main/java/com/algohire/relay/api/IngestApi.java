package com.algohire.relay.api;

import com.algohire.relay.config.ApiRoutes;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.EventList;
import com.algohire.relay.event.EventPage;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.EventSummary;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.health.HealthCheck;
import com.algohire.relay.ingest.Accepted;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.ingest.EventValidator;
import com.algohire.relay.ingest.IngestRequest;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.internal.Text;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.metrics.RelayMetrics;
import com.amazonaws.services.lambda.runtime.Context;
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
import java.util.regex.Pattern;

/**
 * The ingest function's routes: POST /api/v1/events into a call on validation and ingestion, the reads into calls
 * on the event store and the event list, GET /api/v1/health on the health check, and each result into its JSON answer.
 * What every request goes through (404, 405, errors, the log line) is the {@link Router}'s.
 */
final class IngestApi {
    static final String EVENTS_PATH = "/api/v1/events";
    static final String HEALTH_PATH = "/api/v1/health";
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;
    static final String IDEMPOTENCY_KEY_PARAMETER = "idempotencyKey";
    /** The list's parameters that narrow or page it: meaningless beside an idempotencyKey. */
    private static final List<String> LIST_FILTERS = List.of("eventType", "from", "to", "cursor");

    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    /** How much of a rejected value an error message echoes. */
    private static final int ECHO_LIMIT = 100;
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final EventValidator validator;
    private final EventIngestion ingestion;
    private final EventStore store;
    private final EventList list;
    private final DeliveryStates deliveryStates;
    private final HealthCheck health;
    private final Duration retention;
    private final Clock clock;
    private final Router router;
    private final Metrics metrics;

    IngestApi(EventValidator validator, EventIngestion ingestion, EventStore store, EventList list,
              DeliveryStates deliveryStates, HealthCheck health, Duration retention, Clock clock, StructuredLog log,
              Metrics metrics) {
        this.metrics = metrics;
        this.validator = validator;
        this.ingestion = ingestion;
        this.store = store;
        this.list = list;
        this.deliveryStates = deliveryStates;
        this.health = health;
        this.retention = retention;
        this.clock = clock;
        this.router = Router.builder(ApiRoutes.Function.INGEST, log,
                        (method, allow) -> "Method " + printable(method) + " is not allowed here.")
                .route("POST", EVENTS_PATH, this::post)
                .route("GET", EVENTS_PATH, this::list)
                .route("GET", EVENTS_PATH + "/{eventId}", this::get)
                .route("GET", HEALTH_PATH, call -> health())
                .build();
    }

    APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent request, Context context) {
        return router.handle(request, context);
    }

    /** The POST, counted: accepted, a duplicate (409 DUPLICATE_EVENT), or rejected under its error code. */
    private APIGatewayProxyResponseEvent post(ApiCall call) {
        try {
            APIGatewayProxyResponseEvent response = accept(call);
            metrics.count(RelayMetrics.EVENTS_ACCEPTED);
            return response;
        } catch (RelayException e) {
            if (e.code() == ErrorCode.DUPLICATE_EVENT) {
                metrics.count(RelayMetrics.EVENTS_DUPLICATE);
            } else if (ApiErrors.status(e.code()) < 500) {
                metrics.count(RelayMetrics.EVENTS_REJECTED, RelayMetrics.CODE, e.code().name());
            }
            throw e;
        }
    }

    private APIGatewayProxyResponseEvent accept(ApiCall call) {
        APIGatewayProxyRequestEvent request = call.request();
        IngestRequest valid = validator.validate(request.getHeaders(), request.getMultiValueHeaders(),
                request.getBody(), Boolean.TRUE.equals(request.getIsBase64Encoded()));
        call.eventType(valid.eventType());
        Accepted accepted = ingestion.accept(valid);
        call.eventId(accepted.eventId());
        return accepted(accepted, call.elapsedMs());
    }

    private static APIGatewayProxyResponseEvent accepted(Accepted accepted, long processingTimeMs) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("message", "Event accepted and queued for processing");
        body.put("eventId", accepted.eventId());
        body.put("eventType", accepted.eventType());
        body.put("idempotencyKey", accepted.idempotencyKey());
        body.put("receivedAt", accepted.receivedAt());
        body.put("processingTimeMs", processingTimeMs);
        return ApiResponses.json(202, body);
    }

    private static final String PRIMING_EVENT_ID = "00000000-0000-4000-8000-000000000000";
    /** A representative POST's headers and body, for priming (events/post-job-created.json's). */
    private static final Map<String, String> PRIMING_HEADERS = Map.of("Content-Type", "application/json",
            EventValidator.IDEMPOTENCY_HEADER, "snapstart-priming");
    private static final String PRIMING_BODY = "{\"eventType\":\"job.created\",\"payload\":{\"jobId\":\"job-123\","
            + "\"title\":\"Senior Engineer\",\"location\":{\"city\":\"Berlin\",\"remote\":true},"
            + "\"salary\":{\"min\":90000,\"max\":120000},\"tags\":[\"java\",\"aws\"]}}";

    /**
     * SnapStart priming of a POST without its writes: validation of a representative event (Jackson's parser, the
     * canonical hash), its FAN_OUT task's JSON and the 202 answer's JSON.
     */
    void primeAccept() {
        IngestRequest valid = validator.validate(PRIMING_HEADERS, null, PRIMING_BODY, false);
        TaskQueue.toJson(DeliveryTask.fanOut(PRIMING_EVENT_ID, valid.eventType()));
        accepted(new Accepted(PRIMING_EVENT_ID, valid.eventType(), valid.idempotencyKey(),
                com.algohire.relay.event.EventItems.timestamp(clock.instant())), 0);
    }

    /**
     * SnapStart priming of a read: the router, a DynamoDB GetItem of an event id no request is given (a version 4
     * UUID with every random bit zero), and the 404 answer's JSON. One request log line, request id
     * {@code snapstart-priming}.
     */
    void primeRead() {
        ApiRequests.expectPrimingStatus(router.handle(ApiRequests.primingGet(EVENTS_PATH + "/" + PRIMING_EVENT_ID),
                null), 404);
    }

    private APIGatewayProxyResponseEvent get(ApiCall call) {
        String rawId = call.parameter("eventId");
        if (!UUID_TEXT.matcher(rawId).matches()) {
            throw new RelayException(ErrorCode.INVALID_EVENT_ID, "Path parameter eventId must be a UUID, was: "
                    + printable(rawId) + ".");
        }
        String eventId = rawId.toLowerCase(Locale.ROOT);
        call.eventId(eventId);
        StoredEvent event = store.find(eventId).orElseThrow(() -> new RelayException(ErrorCode.EVENT_NOT_FOUND,
                "No event with eventId " + eventId + " (it may have passed the retention period)."));
        call.eventType(event.eventType());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", event.eventId());
        view.put("eventType", event.eventType());
        view.put("idempotencyKey", event.idempotencyKey());
        // Raw: the stored text is already the compact JSON of the payload object, so it is returned byte for byte.
        view.put("payload", new RawValue(event.payloadJson()));
        view.put("receivedAt", com.algohire.relay.event.EventItems.timestamp(event.receivedAt()));
        DeliveryStates.Summary deliveries = deliveryStates.find(eventId);
        view.put("delivery", deliveries.view());
        view.put("deliveries", deliveries.deliveriesView());
        view.put("deliveryLogs", store.deliveryLogs(eventId));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("event", view);
        return ApiResponses.json(200, body);
    }

    private APIGatewayProxyResponseEvent list(ApiCall call) {
        Map<String, String> params = queryParameters(call.request());
        if (params.containsKey(IDEMPOTENCY_KEY_PARAMETER)) {
            return lookUp(params);
        }
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
        int limit = limit(params);
        String cursor = params.get("cursor");
        EventPage page = from.isAfter(to) ? new EventPage(List.of(), null)
                : list.list(eventType, from, to, limit, cursor == null || cursor.isEmpty() ? null : cursor);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("events", rows(page.events()));
        body.put("nextCursor", page.nextCursor());
        return ApiResponses.json(200, body);
    }

    /**
     * The page's events, each with its {@code delivery} summary: one BatchGetItem for the whole page, never a read
     * per row. A summary DynamoDB left unprocessed even after retries is {@code null} (unknown), not a guess.
     */
    private List<Map<String, Object>> rows(List<EventSummary> events) {
        Map<String, DeliveryStates.Summary> summaries = events.isEmpty() ? Map.of()
                : deliveryStates.findAll(events.stream().map(EventSummary::id).toList());
        return events.stream().map(event -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", event.id());
            row.put("eventType", event.eventType());
            row.put("idempotencyKey", event.idempotencyKey());
            row.put("receivedAt", event.receivedAt());
            DeliveryStates.Summary summary = summaries.get(event.id());
            row.put("delivery", summary == null ? null : summary.view());
            return row;
        }).toList();
    }

    /**
     * GET /api/v1/events?idempotencyKey=: the one event the key names, as a page of the list (one event or none,
     * never a nextCursor), read by the key's item and never by a scan. A key names at most one event, so the
     * list's filters and cursor have nothing to narrow: sent with it, they are refused rather than ignored.
     */
    private APIGatewayProxyResponseEvent lookUp(Map<String, String> params) {
        for (String filter : LIST_FILTERS) {
            if (params.containsKey(filter)) {
                throw new RelayException(ErrorCode.CONFLICTING_PARAMETERS, "Parameter " + IDEMPOTENCY_KEY_PARAMETER
                        + " cannot be combined with parameter " + filter + ": a key names at most one event.",
                        Map.of("field", IDEMPOTENCY_KEY_PARAMETER));
            }
        }
        limit(params);
        String key = EventValidator.checkIdempotencyKeyParameter(params.get(IDEMPOTENCY_KEY_PARAMETER));
        List<EventSummary> events = store.findByIdempotencyKey(key).map(List::of).orElse(List.of());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("events", rows(events));
        body.put("nextCursor", null);
        return ApiResponses.json(200, body);
    }

    /** The limit parameter, or the default; checked on a key lookup too, where one event is at most one. */
    private static int limit(Map<String, String> params) {
        if (!params.containsKey("limit")) {
            return DEFAULT_LIMIT;
        }
        int limit;
        try {
            limit = Integer.parseInt(params.get("limit").trim());
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new RelayException(ErrorCode.INVALID_LIMIT, "Parameter limit must be an integer from 1 to "
                    + MAX_LIMIT + ", was: " + printable(params.get("limit")) + ".");
        }
        return limit;
    }

    private APIGatewayProxyResponseEvent health() {
        HealthCheck.Report report = health.check();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", report.healthy());
        body.put("status", report.healthy() ? "ok" : "unavailable");
        body.put("checks", report.checks());
        return ApiResponses.json(report.healthy() ? 200 : 503, body);
    }

    static Instant instant(String name, String value) {
        Instant instant;
        try {
            instant = OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            instant = null;
        }
        // The stored sort keys are four-digit-year text: outside these years a bound would not sort with them.
        if (instant == null || instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw new RelayException(name.equals("from") ? ErrorCode.INVALID_FROM : ErrorCode.INVALID_TO, "Parameter "
                    + name
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


    private static String printable(String value) {
        return Text.printable(value, ECHO_LIMIT);
    }
}
