package com.algohire.relay.api;

import com.algohire.relay.audit.Commit;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import java.util.Map;
import java.util.function.Function;

/**
 * One request as a route sees it: the request, its method and path, the path parameters of the route it matched,
 * the ids its log line reports, which the route fills in as it learns them, and, for an audited mutation, its
 * action and whether its change has been written (the {@link Commit} its service is handed).
 */
final class ApiCall implements Commit {
    private final APIGatewayProxyRequestEvent request;
    private final String method;
    private final String path;
    private final long startedNanos;
    private Map<String, String> parameters = Map.of();
    private String eventId;
    private String eventType;
    private String requestId;
    private String auditTarget;
    private String auditAction;
    private Function<ApiCall, String> auditTargetOf;
    private boolean committed;

    ApiCall(APIGatewayProxyRequestEvent request, String method, String path, long startedNanos) {
        this.request = request;
        this.method = method;
        this.path = path;
        this.startedNanos = startedNanos;
    }

    APIGatewayProxyRequestEvent request() {
        return request;
    }

    /** Upper case; empty when the request has none. */
    String method() {
        return method;
    }

    /** As {@link ApiRequests#path} gives it. */
    String path() {
        return path;
    }

    /** A path parameter of the matched route, e.g. {@code eventId} of {@code /api/v1/events/{eventId}}. */
    String parameter(String name) {
        return parameters.get(name);
    }

    void parameters(Map<String, String> parameters) {
        this.parameters = Map.copyOf(parameters);
    }

    long elapsedMs() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    String eventId() {
        return eventId;
    }

    void eventId(String eventId) {
        this.eventId = eventId;
    }

    String eventType() {
        return eventType;
    }

    void eventType(String eventType) {
        this.eventType = eventType;
    }

    /** API Gateway's request id, else the Lambda request id, else one the router made up: never null. */
    String requestId() {
        return requestId;
    }

    void requestId(String requestId) {
        this.requestId = requestId;
    }

    /** What a mutation acted on when its path does not name it (a created subscription's new id). */
    String auditTarget() {
        return auditTarget;
    }

    void auditTarget(String auditTarget) {
        this.auditTarget = auditTarget;
    }

    /** Marks the call as the audited mutation {@code action} on what {@code target} names once it has answered. */
    void audited(String action, Function<ApiCall, String> target) {
        this.auditAction = action;
        this.auditTargetOf = target;
    }

    /** The audit action of this call's route, or null for a route that is not audited. */
    String auditAction() {
        return auditAction;
    }

    /** What the audit record names, asked on the way out (a created subscription's id is known only then). */
    String auditTargetOfCall() {
        return auditTargetOf == null ? null : auditTargetOf.apply(this);
    }

    @Override
    public void committed() {
        committed = true;
    }

    /** Whether the service said the change was written, whatever it answered after. */
    boolean isCommitted() {
        return committed;
    }
}
