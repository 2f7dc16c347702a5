package com.algohire.relay.api;

import com.algohire.relay.audit.AuditEntry;
import com.algohire.relay.audit.Commit;
import com.algohire.relay.audit.AuditTrail;
import com.algohire.relay.config.ApiRoutes;
import com.algohire.relay.dlq.DeadLetterQueue;
import com.algohire.relay.queues.QueueStatistics;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.internal.Text;
import com.algohire.relay.metrics.MetricStatistics;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.metrics.RelayMetrics;
import com.algohire.relay.metrics.StatsWindow;
import com.algohire.relay.recover.Recoveries;
import com.algohire.relay.replay.EventReplay;
import com.algohire.relay.replay.TestEvents;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionService;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The management function's routes: subscriptions (create, list, read, change, delete, rotate the secret, pause,
 * resume, recover and its progress, send a test event), event replay, the DLQ (depth, peek, redrive and its
 * progress), every delivery queue's counts and the audit trail, each a call on its service and the result's JSON
 * answer. Every mutation whose change took effect is recorded ({@link AuditTrail}) on the way out, with the status
 * it answered: a 2xx, or any answer after its service said the change was written ({@link Commit}: a resume whose
 * DRAIN then failed to queue answers 503 and is recorded with 503). A mutation refused or failed before its write
 * changed nothing and is not recorded (its request log line remains). What every request goes through (404, 405,
 * errors, the log line) is the {@link Router}'s.
 */
final class ManagementApi {
    static final String SUBSCRIPTIONS_PATH = "/api/v1/subscriptions";
    static final String DLQ_PATH = "/api/v1/dlq";
    static final String QUEUES_PATH = "/api/v1/queues";
    static final String AUDIT_PATH = "/api/v1/audit";
    static final String STATS_PATH = "/api/v1/stats";
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    private final SubscriptionService subscriptions;
    private final EventReplay replays;
    private final TestEvents testEvents;
    private final Recoveries recoveries;
    private final DeadLetterQueue dlq;
    private final QueueStatistics queues;
    private final AuditTrail audit;
    private final Clock clock;
    private final StructuredLog log;
    private final Router router;
    private final MetricStatistics statistics;
    private final Metrics metrics;

    ManagementApi(SubscriptionService subscriptions, EventReplay replays, TestEvents testEvents, Recoveries recoveries,
                  DeadLetterQueue dlq, QueueStatistics queues, AuditTrail audit, MetricStatistics statistics,
                  Metrics metrics, Clock clock, StructuredLog log) {
        this.statistics = statistics;
        this.metrics = metrics;
        this.subscriptions = subscriptions;
        this.replays = replays;
        this.testEvents = testEvents;
        this.recoveries = recoveries;
        this.dlq = dlq;
        this.queues = queues;
        this.audit = audit;
        this.clock = clock;
        this.log = log;
        this.router = Router.builder(ApiRoutes.Function.MANAGEMENT, log, (method, allow) -> "Allowed methods: " + allow)
                .route("POST", SUBSCRIPTIONS_PATH, audited("subscription.create", ApiCall::auditTarget,
                        this::createSubscription))
                .route("GET", SUBSCRIPTIONS_PATH, this::listSubscriptions)
                .route("GET", SUBSCRIPTIONS_PATH + "/{id}", this::getSubscription)
                .route("PATCH", SUBSCRIPTIONS_PATH + "/{id}", audited("subscription.update", ManagementApi::id,
                        this::updateSubscription))
                .route("DELETE", SUBSCRIPTIONS_PATH + "/{id}", audited("subscription.delete", ManagementApi::id,
                        this::deleteSubscription))
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/rotate-secret", audited("subscription.rotate-secret",
                        ManagementApi::id, this::rotateSecret))
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/pause", audited("subscription.pause", ManagementApi::id,
                        this::pause))
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/resume", audited("subscription.resume", ManagementApi::id,
                        this::resume))
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/recover", audited("subscription.recover",
                        ManagementApi::id, this::recover))
                .route("GET", SUBSCRIPTIONS_PATH + "/{id}/recoveries/{recoveryId}", this::getRecovery)
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/test", audited("subscription.test", ManagementApi::id,
                        this::sendTestEvent))
                .route("POST", "/api/v1/events/{eventId}/replay", audited("event.replay", ApiCall::eventId,
                        this::replay))
                .route("GET", DLQ_PATH, call -> describeDlq())
                .route("GET", QUEUES_PATH, call -> queueStatistics())
                .route("POST", DLQ_PATH + "/redrive", audited("dlq.redrive", call -> "dlq", this::redrive))
                .route("GET", AUDIT_PATH, this::listAudit)
                .route("GET", STATS_PATH, this::stats)
                .onAnswer(this::recordIfChanged)
                .build();
    }

    APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent request, Context context) {
        return router.handle(request, context);
    }

    /** A subscription id no subscription is given (generated ids are 128 random bits). */
    private static final String PRIMING_SUBSCRIPTION_ID = "sub_" + "0".repeat(32);

    /**
     * SnapStart priming of the routes, without a write: a GET of an unknown subscription routed (the router, a
     * DynamoDB GetItem, the 404 answer's JSON; one request log line, request id {@code snapstart-priming}) and a
     * representative subscription's view serialised, as a read or a list answers it.
     */
    void primeRoutes() {
        ApiRequests.expectPrimingStatus(router.handle(
                ApiRequests.primingGet(SUBSCRIPTIONS_PATH + "/" + PRIMING_SUBSCRIPTION_ID), null), 404);
        Instant now = clock.instant();
        Subscription sample = new Subscription(PRIMING_SUBSCRIPTION_ID, "https://hooks.example.com/algohire",
                List.of("job.created", "candidate.*"), "priming", true,
                List.of(new Subscription.SigningSecret("whsec_priming", null)), now, now, null, false, null);
        ApiResponses.json(200, SubscriptionViews.one(sample, now));
    }

    /**
     * SnapStart priming of the list routes an operator opens first, routed as API Gateway passes them: {@code GET
     * /api/v1/subscriptions?limit=1} (a DynamoDB Scan of one item) and {@code GET /api/v1/audit?limit=1} from the
     * start of today (a Query of one day's partition), each answered 200 and serialised (the first use of their
     * page types' serializers). Reads only. Not primed: the DLQ's {@code GET}, whose peek receives messages (it
     * raises their receive count), and the queues' and statistics' routes, which call CloudWatch.
     */
    void primeLists() {
        ApiRequests.expectPrimingStatus(router.handle(
                ApiRequests.primingGet(SUBSCRIPTIONS_PATH, Map.of("limit", "1")), null), 200);
        // From the start of today: one day's partition, so one Query (the whole retention would be one per day).
        String today = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.DAYS).toString();
        ApiRequests.expectPrimingStatus(router.handle(
                ApiRequests.primingGet(AUDIT_PATH, Map.of("limit", "1", "from", today)), null), 200);
    }

    /** The route, marked as the mutation {@code action} on what {@code target} names ({@link #recordIfChanged}). */
    private static Router.Route audited(String action, Function<ApiCall, String> target, Router.Route route) {
        return call -> {
            call.audited(action, target);
            return route.answer(call);
        };
    }

    /**
     * On the way out of every request, with the answer it got however it got it: one audit record of an audited
     * mutation that answered 2xx or whose change its service reported written ({@link ApiCall#committed()}), with
     * the answer's status. Written after the mutation, it never fails it ({@link AuditTrail#record}).
     */
    private void recordIfChanged(ApiCall call, APIGatewayProxyResponseEvent response) {
        String action = call.auditAction();
        int status = response.getStatusCode();
        if (action == null || !((status >= 200 && status < 300) || call.isCommitted())) {
            return;
        }
        audit.record(auditActor(call), action, String.valueOf(call.auditTargetOfCall()), call.requestId(), status);
        metrics.count(RelayMetrics.OPERATOR_ACTIONS, RelayMetrics.ACTION, action);
    }

    private static String id(ApiCall call) {
        return call.parameter("id");
    }

    /** The IAM principal ARN API Gateway authenticated, else {@code local-admin} (no IAM in front). */
    static String auditActor(ApiCall call) {
        var context = call.request().getRequestContext();
        var identity = context == null ? null : context.getIdentity();
        String arn = identity == null ? null : identity.getUserArn();
        return arn == null || arn.isBlank() ? AuditTrail.LOCAL_ACTOR : arn;
    }

    private APIGatewayProxyResponseEvent createSubscription(ApiCall call) {
        SubscriptionService.WithSecret created = subscriptions.create(JsonBody.read(call.request(), true));
        call.auditTarget(created.subscription().subscriptionId());
        return ApiResponses.json(201, SubscriptionViews.withSecret(created));
    }

    /** Newest first; {@code from}/{@code to} bound the records' times (default: the retention period up to now). */
    private APIGatewayProxyResponseEvent listAudit(ApiCall call) {
        String fromText = query(call, "from");
        String toText = query(call, "to");
        Instant now = clock.instant();
        Instant to = toText == null ? now : IngestApi.instant("to", toText);
        Instant from = fromText == null ? Instant.EPOCH : IngestApi.instant("from", fromText);
        if (from.isAfter(to)) {
            throw new RelayException(ErrorCode.INVALID_RANGE, "Parameter from must not be after parameter to.",
                    Map.of("field", "from"));
        }
        String cursor = query(call, "cursor");
        AuditTrail.Page page = audit.list(from, to.isAfter(now) ? now : to, fromText, toText, limit(call),
                cursor == null || cursor.isBlank() ? null : cursor.trim());
        List<Map<String, Object>> entries = page.entries().stream().map(ManagementApi::auditView).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("entries", entries);
        body.put("nextCursor", page.nextCursor());
        return ApiResponses.json(200, body);
    }

    private static Map<String, Object> auditView(AuditEntry entry) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("actor", entry.actor());
        view.put("action", entry.action());
        view.put("target", entry.target());
        view.put("at", entry.at().toString());
        view.put("requestId", entry.requestId());
        view.put("status", entry.status());
        return view;
    }

    private APIGatewayProxyResponseEvent listSubscriptions(ApiCall call) {
        int limit = limit(call);
        String cursor = query(call, "cursor");
        SubscriptionStore.Page page = subscriptions.list(limit, cursor == null || cursor.isBlank()
                ? null : cursor.trim());
        return ApiResponses.json(200, SubscriptionViews.page(page, clock.instant()));
    }

    private static int limit(ApiCall call) {
        String limitParam = query(call, "limit");
        int limit = DEFAULT_LIMIT;
        if (limitParam != null) {
            try {
                limit = Integer.parseInt(limitParam.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new RelayException(ErrorCode.INVALID_LIMIT, "limit must be an integer from 1 to " + MAX_LIMIT,
                        Map.of("field", "limit"));
            }
        }
        return limit;
    }

    private APIGatewayProxyResponseEvent getSubscription(ApiCall call) {
        return ApiResponses.json(200, SubscriptionViews.one(subscriptions.get(call.parameter("id")), clock.instant()));
    }

    private APIGatewayProxyResponseEvent updateSubscription(ApiCall call) {
        Subscription updated = subscriptions.update(call.parameter("id"), JsonBody.read(call.request(), true),
                actor(call), call);
        return ApiResponses.json(200, SubscriptionViews.one(updated, updated.updatedAt()));
    }

    private APIGatewayProxyResponseEvent deleteSubscription(ApiCall call) {
        String id = call.parameter("id");
        subscriptions.delete(id);
        return ApiResponses.json(200, Map.of("success", true, "subscriptionId", id));
    }

    private APIGatewayProxyResponseEvent rotateSecret(ApiCall call) {
        return ApiResponses.json(200, SubscriptionViews.withSecret(subscriptions.rotateSecret(call.parameter("id"))));
    }

    private APIGatewayProxyResponseEvent pause(ApiCall call) {
        Subscription paused = subscriptions.pause(call.parameter("id"), actor(call), call);
        return ApiResponses.json(200, SubscriptionViews.one(paused, clock.instant()));
    }

    private APIGatewayProxyResponseEvent resume(ApiCall call) {
        Subscription resumed = subscriptions.resume(call.parameter("id"), actor(call), call);
        return ApiResponses.json(200, SubscriptionViews.one(resumed, clock.instant()));
    }

    /** 202: the recovery runs in the background; its progress is at the recoveries route. */
    private APIGatewayProxyResponseEvent recover(ApiCall call) {
        return ApiResponses.json(202, SubscriptionViews.recovery(recoveries.start(call.parameter("id"),
                JsonBody.read(call.request(), true), call)));
    }

    private APIGatewayProxyResponseEvent getRecovery(ApiCall call) {
        return ApiResponses.json(200, SubscriptionViews.recovery(recoveries.get(call.parameter("id"),
                call.parameter("recoveryId"))));
    }

    /**
     * Who made the request, for the notices of pause, resume, enable and disable: the IAM identity API Gateway
     * authenticated (its user ARN, which for an assumed role names the role session), else "operator" (the local
     * runtime's admin key names nobody).
     */
    static String actor(ApiCall call) {
        var context = call.request().getRequestContext();
        var identity = context == null ? null : context.getIdentity();
        String arn = identity == null ? null : identity.getUserArn();
        return arn == null || arn.isBlank() ? "operator" : arn;
    }

    /**
     * FAN_OUT again (all matching subscriptions) or one DELIVER for the named one, under webhook-ids of this replay's
     * own.
     */
    private APIGatewayProxyResponseEvent replay(ApiCall call) {
        JsonNode body = JsonBody.read(call.request(), false);
        StoredEvent event = replays.event(call.parameter("eventId"));
        call.eventId(event.eventId());
        call.eventType(event.eventType());
        String subscriptionId = replayTarget(body);
        EventReplay.Queued queued = subscriptionId == null ? replays.toAllSubscriptions(event)
                : replays.toSubscription(event, subscriptionId);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("success", true);
        response.put("eventId", queued.eventId());
        response.put("replayId", queued.replayId());
        if (queued.subscriptionId() != null) {
            response.put("message", "Replay queued for one subscription");
            response.put("subscriptionId", queued.subscriptionId());
            response.put("webhookId", queued.webhookId());
        } else {
            response.put("message", "Replay queued for all matching subscriptions");
        }
        return ApiResponses.json(202, response);
    }

    /**
     * 202: a test event stored and queued to this one subscription. Body optional: {@code {"eventType":"job.created"}}
     * (a type the subscription receives), else its first event type made concrete.
     */
    private APIGatewayProxyResponseEvent sendTestEvent(ApiCall call) {
        Subscription subscription = subscriptions.get(call.parameter("id")); // 404 before the body is looked at
        TestEvents.Sent sent = testEvents.send(subscription, testEventType(JsonBody.read(call.request(), false)),
                call);
        call.eventId(sent.eventId());
        call.eventType(sent.eventType());
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("success", true);
        response.put("eventId", sent.eventId());
        response.put("eventType", sent.eventType());
        response.put("subscriptionId", sent.subscriptionId());
        response.put("webhookId", sent.webhookId());
        return ApiResponses.json(202, response);
    }

    /** The eventType a test event's body names, or null for none (no body, null or {}). */
    private static String testEventType(JsonNode body) {
        if (body == null || body.isNull() || (body.isObject() && body.isEmpty())) {
            return null;
        }
        if (!body.isObject()) {
            throw new RelayException(ErrorCode.INVALID_BODY, "body must be empty or {\"eventType\": \"job.created\"}",
                    Map.of("field", "eventType"));
        }
        for (var field : body.properties()) {
            if (!field.getKey().equals("eventType")) {
                String name = Text.printable(field.getKey(), 40);
                throw new RelayException(ErrorCode.UNKNOWN_FIELD, "Field " + name + " is not one a test event takes; "
                        + "only eventType", Map.of("field", name));
            }
        }
        JsonNode eventType = body.get("eventType");
        if (!eventType.isTextual()) {
            throw new RelayException(ErrorCode.INVALID_EVENT_TYPE, "Field eventType must be a string like "
                    + "job.created", Map.of("field", "eventType"));
        }
        return eventType.textValue();
    }

    /** The subscription a replay body names, or null for none (no body, null or {}). */
    private static String replayTarget(JsonNode body) {
        if (body == null || body.isNull() || (body.isObject() && body.isEmpty())) {
            return null;
        }
        JsonNode subscriptionId = body.isObject() ? body.get("subscriptionId") : null;
        if (subscriptionId == null || !subscriptionId.isTextual() || body.size() != 1) {
            throw new RelayException(ErrorCode.INVALID_SUBSCRIPTION_ID,
                    "body must be empty or {\"subscriptionId\": \"sub_...\"}", Map.of("field", "subscriptionId"));
        }
        return subscriptionId.textValue();
    }

    private APIGatewayProxyResponseEvent describeDlq() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.putAll(dlq.describe());
        return ApiResponses.json(200, body);
    }

    /** {@code {"success":true,"queues":[{"name","url","waiting","inFlight","delayed"}, ...]}}: main, slow, dlq. */
    /** Each queue's counts, and the age of its oldest message from CloudWatch (null when it has no datapoint). */
    private APIGatewayProxyResponseEvent queueStatistics() {
        List<QueueStatistics.Stats> all = queues.all();
        List<String> names = all.stream().map(q -> queueName(q.url())).toList();
        Map<String, Long> ages = statistics == null ? Map.of() : statistics.oldestMessageAges(names, clock.instant());
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            QueueStatistics.Stats q = all.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", q.name());
            row.put("url", q.url());
            row.put("waiting", q.waiting());
            row.put("inFlight", q.inFlight());
            row.put("delayed", q.delayed());
            row.put("oldestAgeSeconds", ages.get(names.get(i)));
            rows.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("queues", rows);
        return ApiResponses.json(200, body);
    }

    /** The queue's name, AWS/SQS's QueueName dimension: the last segment of its URL. */
    static String queueName(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /**
     * The sums of the relay's metrics over {@code from}..{@code to} (default the last 24 hours up to now), read back
     * from CloudWatch; only a window it can answer is asked ({@link StatsWindow}: else a 400 naming the field).
     */
    private APIGatewayProxyResponseEvent stats(ApiCall call) {
        String fromText = query(call, "from");
        String toText = query(call, "to");
        StatsWindow window = StatsWindow.of(fromText == null ? null : IngestApi.instant("from", fromText),
                toText == null ? null : IngestApi.instant("to", toText), clock.instant());
        MetricStatistics.Totals totals = statistics.totals(window);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("from", com.algohire.relay.event.EventItems.timestamp(window.from()));
        body.put("to", com.algohire.relay.event.EventItems.timestamp(window.to()));
        body.put("accepted", totals.accepted());
        body.put("rejected", totals.rejected());
        body.put("duplicates", totals.duplicates());
        body.put("delivered", totals.delivered());
        body.put("failedAttempts", totals.failedAttempts());
        body.put("retries", totals.retries());
        body.put("deadLettered", totals.deadLettered());
        body.put("successRate", totals.successRate());
        return ApiResponses.json(200, body);
    }

    private APIGatewayProxyResponseEvent redrive(ApiCall call) {
        String handle = dlq.redrive(call);
        log.info("dlq redrive started", Map.of("taskHandle", handle));
        return ApiResponses.json(202, Map.of("success", true, "message", "Redrive started", "taskHandle", handle));
    }

    /** A query parameter as the single-value map has it (for a repeated one, API Gateway's last value). */
    private static String query(ApiCall call, String name) {
        Map<String, String> query = call.request().getQueryStringParameters();
        return query == null ? null : query.get(name);
    }
}
