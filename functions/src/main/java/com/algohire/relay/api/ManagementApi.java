package com.algohire.relay.api;

import com.algohire.relay.config.ApiRoutes;
import com.algohire.relay.dlq.DeadLetterQueue;
import com.algohire.relay.queues.QueueStatistics;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.recover.Recoveries;
import com.algohire.relay.replay.EventReplay;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionService;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The management function's routes: subscriptions (create, list, read, change, delete, rotate the secret, pause,
 * resume, recover and its progress), event replay, the DLQ (depth and peek, redrive) and every delivery queue's
 * counts, each a call on its service and the result's JSON answer. What every request goes through (404, 405,
 * errors, the log line) is the {@link Router}'s.
 */
final class ManagementApi {
    static final String SUBSCRIPTIONS_PATH = "/api/v1/subscriptions";
    static final String DLQ_PATH = "/api/v1/dlq";
    static final String QUEUES_PATH = "/api/v1/queues";
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    private final SubscriptionService subscriptions;
    private final EventReplay replays;
    private final Recoveries recoveries;
    private final DeadLetterQueue dlq;
    private final QueueStatistics queues;
    private final Clock clock;
    private final StructuredLog log;
    private final Router router;

    ManagementApi(SubscriptionService subscriptions, EventReplay replays, Recoveries recoveries, DeadLetterQueue dlq,
                  QueueStatistics queues, Clock clock, StructuredLog log) {
        this.subscriptions = subscriptions;
        this.replays = replays;
        this.recoveries = recoveries;
        this.dlq = dlq;
        this.queues = queues;
        this.clock = clock;
        this.log = log;
        this.router = Router.builder(ApiRoutes.Function.MANAGEMENT, log, (method, allow) -> "Allowed methods: " + allow)
                .route("POST", SUBSCRIPTIONS_PATH, this::createSubscription)
                .route("GET", SUBSCRIPTIONS_PATH, this::listSubscriptions)
                .route("GET", SUBSCRIPTIONS_PATH + "/{id}", this::getSubscription)
                .route("PATCH", SUBSCRIPTIONS_PATH + "/{id}", this::updateSubscription)
                .route("DELETE", SUBSCRIPTIONS_PATH + "/{id}", this::deleteSubscription)
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/rotate-secret", this::rotateSecret)
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/pause", this::pause)
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/resume", this::resume)
                .route("POST", SUBSCRIPTIONS_PATH + "/{id}/recover", this::recover)
                .route("GET", SUBSCRIPTIONS_PATH + "/{id}/recoveries/{recoveryId}", this::getRecovery)
                .route("POST", "/api/v1/events/{eventId}/replay", this::replay)
                .route("GET", DLQ_PATH, call -> describeDlq())
                .route("POST", DLQ_PATH + "/redrive", call -> redrive())
                .route("GET", QUEUES_PATH, call -> queueStatistics())
                .build();
    }

    APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent request, Context context) {
        return router.handle(request, context);
    }

    private APIGatewayProxyResponseEvent createSubscription(ApiCall call) {
        return ApiResponses.json(201, SubscriptionViews.withSecret(
                subscriptions.create(JsonBody.read(call.request(), true))));
    }

    private APIGatewayProxyResponseEvent listSubscriptions(ApiCall call) {
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
        String cursor = query(call, "cursor");
        SubscriptionStore.Page page = subscriptions.list(limit, cursor == null || cursor.isBlank()
                ? null : cursor.trim());
        return ApiResponses.json(200, SubscriptionViews.page(page, clock.instant()));
    }

    private APIGatewayProxyResponseEvent getSubscription(ApiCall call) {
        return ApiResponses.json(200, SubscriptionViews.one(subscriptions.get(call.parameter("id")), clock.instant()));
    }

    private APIGatewayProxyResponseEvent updateSubscription(ApiCall call) {
        Subscription updated = subscriptions.update(call.parameter("id"), JsonBody.read(call.request(), true),
                actor(call));
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
        Subscription paused = subscriptions.pause(call.parameter("id"), actor(call));
        return ApiResponses.json(200, SubscriptionViews.one(paused, clock.instant()));
    }

    private APIGatewayProxyResponseEvent resume(ApiCall call) {
        Subscription resumed = subscriptions.resume(call.parameter("id"), actor(call));
        return ApiResponses.json(200, SubscriptionViews.one(resumed, clock.instant()));
    }

    /** 202: the recovery runs in the background; its progress is at the recoveries route. */
    private APIGatewayProxyResponseEvent recover(ApiCall call) {
        return ApiResponses.json(202, SubscriptionViews.recovery(recoveries.start(call.parameter("id"),
                JsonBody.read(call.request(), true))));
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
    private APIGatewayProxyResponseEvent queueStatistics() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("queues", queues.all());
        return ApiResponses.json(200, body);
    }

    private APIGatewayProxyResponseEvent redrive() {
        String handle = dlq.redrive();
        log.info("dlq redrive started", Map.of("taskHandle", handle));
        return ApiResponses.json(202, Map.of("success", true, "message", "Redrive started", "taskHandle", handle));
    }

    /** A query parameter as the single-value map has it (for a repeated one, API Gateway's last value). */
    private static String query(ApiCall call, String name) {
        Map<String, String> query = call.request().getQueryStringParameters();
        return query == null ? null : query.get(name);
    }
}
