package com.algohire.relay.api;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.dlq.DeadLetterQueue;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.internal.Text;
import com.algohire.relay.replay.EventReplay;
import com.algohire.relay.ssrf.SsrfGuard;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionService;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The management function, behind its own credential: subscriptions CRUD and secret rotation, event replay, and
 * the DLQ's depth, peek and redrive.
 */
public final class ManagementApiHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private static final Pattern SUBSCRIPTION = Pattern.compile("/api/v1/subscriptions/([^/]+)");
    private static final Pattern ROTATE = Pattern.compile("/api/v1/subscriptions/([^/]+)/rotate-secret");
    private static final Pattern REPLAY = Pattern.compile("/api/v1/events/([^/]+)/replay");
    private static final int MAX_BODY_CHARS = 64 * 1024;
    /** Body fields whose errors have a code of their own; any other is INVALID_BODY. */
    private static final Map<String, ErrorCode> NAMED_FIELDS = Map.of("url", ErrorCode.INVALID_URL,
            "eventTypes", ErrorCode.INVALID_EVENT_TYPES, "description", ErrorCode.INVALID_DESCRIPTION,
            "subscriptionId", ErrorCode.INVALID_SUBSCRIPTION_ID);

    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    private final SubscriptionService subscriptions;
    private final EventReplay replays;
    private final DeadLetterQueue dlq;
    private final Clock clock;
    private final StructuredLog log;

    public ManagementApiHandler() {
        this(RelayConfig.fromEnvironment(), AwsClients.fromEnvironment());
    }

    public ManagementApiHandler(RelayConfig config, AwsClients clients) {
        this(config, clients.dynamoDb(), clients.sqs(), clients.s3(), Clock.systemUTC(), StructuredLog.stdout());
    }

    /** One client per service for the whole container, shared by everything the handler builds. */
    private ManagementApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, Clock clock,
                                 StructuredLog log) {
        this(config, dynamoDb, sqs, new EventStore(dynamoDb, new PayloadStore(s3, config.payloadBucket()), config.eventsTable(),
                clock), clock, log);
    }

    ManagementApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, Clock clock,
                         StructuredLog log) {
        SubscriptionStore subscriptionStore = new SubscriptionStore(dynamoDb, config.subscriptionsTable());
        this.subscriptions = new SubscriptionService(subscriptionStore, new SsrfGuard(config.ssrfAllowlist()),
                config.knownDomains(), config.secretRotationOverlap(), clock);
        this.replays = new EventReplay(events, subscriptionStore, new TaskQueue(sqs, config.deliveryQueueUrl()));
        this.dlq = new DeadLetterQueue(sqs, config.deliveryDlqUrl(), config.deliveryQueueUrl(), clock);
        this.clock = clock;
        this.log = log;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent request, Context context) {
        String requestId = request.getRequestContext() != null && request.getRequestContext().getRequestId() != null
                ? request.getRequestContext().getRequestId() : context == null ? null : context.getAwsRequestId();
        String method = request.getHttpMethod() == null ? "" : request.getHttpMethod().toUpperCase(Locale.ROOT);
        String path = ApiRequests.path(request);
        long start = System.nanoTime();
        String errorCode = null;
        APIGatewayProxyResponseEvent response;
        try {
            response = route(method, path, request);
        } catch (RelayException e) {
            errorCode = e.code().name();
            response = ApiErrors.response(e);
        } catch (RuntimeException e) {
            errorCode = "INTERNAL_ERROR";
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("requestId", requestId);
            fields.put("method", method);
            fields.put("path", path);
            fields.put("exception", e.getClass().getName());
            log.error("request failed", fields);
            response = ApiErrors.internalError(requestId, method, path);
        }
        // The same line as the ingest function's, so one log query covers both. Path only: ids are fine to log,
        // bodies (URLs with tokens, secrets) are not.
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("requestId", requestId);
        fields.put("method", method);
        fields.put("route", method + " " + (request.getResource() != null ? request.getResource() : path));
        fields.put("path", path);
        fields.put("status", response.getStatusCode());
        fields.put("errorCode", errorCode);
        fields.put("processingTimeMs", (System.nanoTime() - start) / 1_000_000);
        log.info("request", fields);
        return response;
    }

    private APIGatewayProxyResponseEvent route(String method, String path, APIGatewayProxyRequestEvent request) {
        Matcher m;
        if (path.equals("/api/v1/subscriptions")) {
            return switch (method) {
                case "POST" -> ApiResponses.json(201, SubscriptionViews.withSecret(subscriptions.create(body(request, true))));
                case "GET" -> listSubscriptions(request);
                default -> throw methodNotAllowed("GET, POST");
            };
        }
        if ((m = ROTATE.matcher(path)).matches()) {
            if (!method.equals("POST")) {
                throw methodNotAllowed("POST");
            }
            return ApiResponses.json(200, SubscriptionViews.withSecret(subscriptions.rotateSecret(m.group(1))));
        }
        if ((m = SUBSCRIPTION.matcher(path)).matches()) {
            String id = m.group(1);
            return switch (method) {
                case "GET" -> ApiResponses.json(200, SubscriptionViews.one(subscriptions.get(id), clock.instant()));
                case "PATCH" -> {
                    Subscription updated = subscriptions.update(id, body(request, true));
                    yield ApiResponses.json(200, SubscriptionViews.one(updated, updated.updatedAt()));
                }
                case "DELETE" -> {
                    subscriptions.delete(id);
                    yield ApiResponses.json(200, Map.of("success", true, "subscriptionId", id));
                }
                default -> throw methodNotAllowed("GET, PATCH, DELETE");
            };
        }
        if ((m = REPLAY.matcher(path)).matches()) {
            if (!method.equals("POST")) {
                throw methodNotAllowed("POST");
            }
            return replay(m.group(1), body(request, false));
        }
        if (path.equals("/api/v1/dlq")) {
            if (!method.equals("GET")) {
                throw methodNotAllowed("GET");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("success", true);
            body.putAll(dlq.describe());
            return ApiResponses.json(200, body);
        }
        if (path.equals("/api/v1/dlq/redrive")) {
            if (!method.equals("POST")) {
                throw methodNotAllowed("POST");
            }
            String handle = dlq.redrive();
            log.info("dlq redrive started", Map.of("taskHandle", handle));
            return ApiResponses.json(202, Map.of("success", true, "message", "Redrive started", "taskHandle", handle));
        }
        throw new RelayException(ErrorCode.NOT_FOUND, "No route for " + method + " " + truncate(path));
    }

    private APIGatewayProxyResponseEvent listSubscriptions(APIGatewayProxyRequestEvent request) {
        String limitParam = query(request, "limit");
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
        String cursor = query(request, "cursor");
        SubscriptionStore.Page page = subscriptions.list(limit, cursor == null || cursor.isBlank() ? null : cursor.trim());
        return ApiResponses.json(200, SubscriptionViews.page(page, clock.instant()));
    }

    /** FAN_OUT again (all matching subscriptions) or one DELIVER for the named one, under webhook-ids of this replay's own. */
    private APIGatewayProxyResponseEvent replay(String eventId, JsonNode body) {
        StoredEvent event = replays.event(eventId);
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

    private static JsonNode body(APIGatewayProxyRequestEvent request, boolean required) {
        String text = request.getBody();
        if (text != null && Boolean.TRUE.equals(request.getIsBase64Encoded())) {
            text = new String(java.util.Base64.getDecoder().decode(text), java.nio.charset.StandardCharsets.UTF_8);
        }
        if (text == null || text.isBlank()) {
            if (required) {
                throw new RelayException(ErrorCode.INVALID_BODY, "request body must be a JSON object");
            }
            return null;
        }
        String contentType = header(request, "content-type");
        if (contentType != null && !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new RelayException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
        }
        if (text.length() > MAX_BODY_CHARS) {
            throw new RelayException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is larger than " + MAX_BODY_CHARS + " characters");
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new RelayException(ErrorCode.INVALID_JSON, "request body is not valid JSON");
        }
        refuseLoneSurrogates(body, null);
        return body;
    }

    /**
     * Unpaired surrogates (JSON escapes like {@code \ud800}) anywhere in a body: DynamoDB refuses such strings,
     * which would be a 500 on every retry. The code names the top-level field (INVALID_URL, INVALID_DESCRIPTION...).
     */
    private static void refuseLoneSurrogates(JsonNode node, String field) {
        if (node == null) {
            return;
        }
        if (node.isTextual() && Text.hasLoneSurrogate(node.textValue())) {
            String name = field == null ? "body" : field;
            throw new RelayException(field == null ? ErrorCode.INVALID_BODY
                            : NAMED_FIELDS.getOrDefault(field, ErrorCode.INVALID_BODY),
                    "Field " + truncate(name) + " contains an unpaired UTF-16 surrogate (an escape such as \\ud800 "
                            + "without its pair), which is not Unicode text", Map.of("field", truncate(name)));
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                String name = field == null ? entry.getKey() : field;
                if (Text.hasLoneSurrogate(entry.getKey())) {
                    throw new RelayException(ErrorCode.INVALID_BODY, "A field name contains an unpaired UTF-16 surrogate",
                            Map.of("field", "body"));
                }
                refuseLoneSurrogates(entry.getValue(), name);
            }
        } else if (node.isArray()) {
            node.forEach(element -> refuseLoneSurrogates(element, field));
        }
    }

    private static String header(APIGatewayProxyRequestEvent request, String name) {
        if (request.getHeaders() == null) {
            return null;
        }
        return request.getHeaders().entrySet().stream().filter(e -> e.getKey() != null && e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static String query(APIGatewayProxyRequestEvent request, String name) {
        return request.getQueryStringParameters() == null ? null : request.getQueryStringParameters().get(name);
    }

    private static RelayException methodNotAllowed(String allowed) {
        return new RelayException(ErrorCode.METHOD_NOT_ALLOWED, "Allowed methods: " + allowed);
    }

    private static String truncate(String text) {
        return Text.truncate(text, 128);
    }
}
