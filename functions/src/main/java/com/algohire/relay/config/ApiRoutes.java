package com.algohire.relay.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every HTTP route of the relay, the function that serves it and the credential it demands: read by the CDK stack
 * to build the REST API and by the local runtime's API Gateway emulation, so the two cannot drift apart.
 */
public final class ApiRoutes {

    /** What answers a route: a Lambda function, or API Gateway itself. */
    public enum Function {
        /** com.algohire.relay.api.IngestApiHandler */
        INGEST,
        /** com.algohire.relay.api.ManagementApiHandler */
        MANAGEMENT,
        /**
         * No function: API Gateway answers with a fixed response (a MOCK integration), {@link #LIVENESS_BODY}; the
         * local emulator answers the same. A request costs no invocation and no AWS call.
         */
        GATEWAY
    }

    /** The credential a route demands. */
    public enum Auth {
        /** Open: the liveness check. */
        NONE,
        /** An API key of the ingest usage plan (header x-api-key). */
        API_KEY,
        /** The management credential: IAM (SigV4) on AWS; the local runtime's admin key locally. */
        OPERATOR
    }

    /** One method on one API Gateway resource path, e.g. GET /api/v1/events/{eventId}. */
    public record Route(String method, String resource, Function function, Auth auth) {
        private static final Pattern PARAMETER = Pattern.compile("\\{([^}/]+)}");

        /** The names of the path parameters, in order, e.g. [eventId]. */
        public List<String> pathParameters() {
            List<String> names = new ArrayList<>();
            Matcher matcher = PARAMETER.matcher(resource);
            while (matcher.find()) {
                names.add(matcher.group(1));
            }
            return names;
        }
    }

    /**
     * What GET /health answers, from API Gateway itself on AWS and from the emulator locally: status 200, that the
     * API is up. Whether the table and the queue answer is the deep check, {@link #DEEP_HEALTH}, behind a credential.
     */
    public static final String LIVENESS_BODY = "{\"success\":true,\"status\":\"ok\"}";

    public static final Route POST_EVENT = new Route("POST", "/api/v1/events", Function.INGEST, Auth.API_KEY);
    public static final Route HEALTH = new Route("GET", "/health", Function.GATEWAY, Auth.NONE);
    /** The deep check: one DescribeTable and one GetQueueAttributes per request, so operators only. */
    public static final Route DEEP_HEALTH = new Route("GET", "/api/v1/health", Function.INGEST, Auth.OPERATOR);

    public static final List<Route> ALL = List.of(
            POST_EVENT,
            new Route("GET", "/api/v1/events", Function.INGEST, Auth.OPERATOR),
            new Route("GET", "/api/v1/events/{eventId}", Function.INGEST, Auth.OPERATOR),
            new Route("POST", "/api/v1/events/{eventId}/replay", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("GET", "/api/v1/subscriptions", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("POST", "/api/v1/subscriptions", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("GET", "/api/v1/subscriptions/{id}", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("PATCH", "/api/v1/subscriptions/{id}", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("DELETE", "/api/v1/subscriptions/{id}", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("POST", "/api/v1/subscriptions/{id}/rotate-secret", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("POST", "/api/v1/subscriptions/{id}/pause", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("POST", "/api/v1/subscriptions/{id}/resume", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("POST", "/api/v1/subscriptions/{id}/recover", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("GET", "/api/v1/subscriptions/{id}/recoveries/{recoveryId}", Function.MANAGEMENT,
                    Auth.OPERATOR),
            new Route("POST", "/api/v1/subscriptions/{id}/test", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("GET", "/api/v1/dlq", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("POST", "/api/v1/dlq/redrive", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("GET", "/api/v1/queues", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("GET", "/api/v1/audit", Function.MANAGEMENT, Auth.OPERATOR),
            new Route("GET", "/api/v1/stats", Function.MANAGEMENT, Auth.OPERATOR),
            DEEP_HEALTH,
            HEALTH);

    private ApiRoutes() {
    }
}
