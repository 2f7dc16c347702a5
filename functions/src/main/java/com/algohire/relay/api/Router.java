package com.algohire.relay.api;

import com.algohire.relay.config.ApiRoutes;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.internal.Text;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What every request to an API function goes through, whichever function: its path matched against the function's
 * routes, 404 ROUTE_NOT_FOUND and 405 METHOD_NOT_ALLOWED (with {@code Allow}), a {@link RelayException} turned into
 * its answer by {@link ApiErrors} and anything else into a 500, then the function's {@link Answered} hook with
 * the final answer (the management function's audit), and one log line.
 *
 * <p>A function's routes are those {@link ApiRoutes} gives it, no more and no fewer: {@link Builder#build()} refuses
 * any other set, so a route added to the stack and the local runtime without a handler here (or the reverse) fails
 * the function's construction, which every handler test and the stack's runtime contract test perform.
 */
final class Router {
    /** Answers a request on one route; refuses with a {@link RelayException}. */
    @FunctionalInterface
    interface Route {
        APIGatewayProxyResponseEvent answer(ApiCall call);
    }

    /**
     * Told of every request with the answer it gets, whichever way it was reached (a route's return, a refusal, our
     * own fault): the one place that sees a request's final status. Must not throw; if it does, it is logged and
     * the answer stands.
     */
    @FunctionalInterface
    interface Answered {
        void answered(ApiCall call, APIGatewayProxyResponseEvent response);
    }

    /** A 405, with the methods its {@code Allow} header lists. */
    private static final class MethodNotAllowed extends RelayException {
        private static final long serialVersionUID = 1L;
        private final String allow;

        MethodNotAllowed(String message, String allow) {
            super(ErrorCode.METHOD_NOT_ALLOWED, message);
            this.allow = allow;
        }
    }

    /** The order methods are listed in an {@code Allow} header and its message. */
    private static final List<String> METHOD_ORDER = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
            "OPTIONS");
    /** How much of an unmatched path the 404's message echoes. */
    private static final int ECHO_LIMIT = 100;

    /** One resource path, e.g. {@code /api/v1/events/{eventId}}, and its routes by method. */
    private record Resource(String template, Pattern pattern, List<String> parameterNames, Map<String, Route> routes) {
        /** A {@code {name}} segment matches any non-empty segment, as in API Gateway; any other, itself. */
        static Resource of(String template) {
            StringBuilder regex = new StringBuilder();
            List<String> names = new ArrayList<>();
            for (String segment : template.substring(1).split("/", -1)) {
                regex.append('/');
                if (segment.startsWith("{") && segment.endsWith("}")) {
                    names.add(segment.substring(1, segment.length() - 1));
                    regex.append("([^/]+)");
                } else {
                    regex.append(Pattern.quote(segment));
                }
            }
            return new Resource(template, Pattern.compile(regex.toString()), List.copyOf(names), new LinkedHashMap<>());
        }

        String allow() {
            return routes.keySet().stream().sorted(Comparator.comparingInt(Router::methodRank))
                    .collect(Collectors.joining(", "));
        }
    }

    private final List<Resource> resources;
    private final BiFunction<String, String, String> methodNotAllowedMessage;
    private final StructuredLog log;
    private final Answered answered;

    private Router(List<Resource> resources, BiFunction<String, String, String> methodNotAllowedMessage,
                   StructuredLog log, Answered answered) {
        // Literal resources before parameterized ones, as API Gateway matches them.
        this.resources = resources.stream().sorted(Comparator.comparingInt(r -> r.parameterNames().size())).toList();
        this.methodNotAllowedMessage = methodNotAllowedMessage;
        this.log = log;
        this.answered = answered;
    }

    /**
     * @param methodNotAllowedMessage the 405's message from the request's method and the allowed methods (each
     *                                function kept its own wording)
     */
    static Builder builder(ApiRoutes.Function function, StructuredLog log,
                           BiFunction<String, String, String> methodNotAllowedMessage) {
        return new Builder(function, log, methodNotAllowedMessage);
    }

    static final class Builder {
        private final ApiRoutes.Function function;
        private final StructuredLog log;
        private final BiFunction<String, String, String> methodNotAllowedMessage;
        private final Map<String, Resource> resources = new LinkedHashMap<>();
        private Answered answered = (call, response) -> { };

        private Builder(ApiRoutes.Function function, StructuredLog log,
                        BiFunction<String, String, String> methodNotAllowedMessage) {
            this.function = function;
            this.log = log;
            this.methodNotAllowedMessage = methodNotAllowedMessage;
        }

        /** Answers {@code method} on {@code resource} (an API Gateway resource path, e.g. /api/v1/events/{eventId}). */
        Builder route(String method, String resource, Route route) {
            if (resources.computeIfAbsent(resource, Resource::of).routes().putIfAbsent(method, route) != null) {
                throw new IllegalStateException("two routes for " + method + " " + resource);
            }
            return this;
        }

        /** Tells {@code hook} of every request's final answer, before its log line. */
        Builder onAnswer(Answered hook) {
            this.answered = hook;
            return this;
        }

        /** @throws IllegalStateException unless the routes are exactly those ApiRoutes gives this function */
        Router build() {
            Set<String> declared = ApiRoutes.ALL.stream().filter(r -> r.function() == function)
                    .map(r -> r.method() + " " + r.resource()).collect(Collectors.toCollection(TreeSet::new));
            Set<String> routed = new TreeSet<>();
            resources.values().forEach(r -> r.routes().keySet().forEach(m -> routed.add(m + " " + r.template())));
            if (!declared.equals(routed)) {
                throw new IllegalStateException("the " + function + " function routes " + routed
                        + " but ApiRoutes gives it " + declared);
            }
            return new Router(List.copyOf(resources.values()), methodNotAllowedMessage, log, answered);
        }
    }

    /** Routes the request, answers it whatever happens, and writes its log line. */
    APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent request, Context context) {
        long started = System.nanoTime();
        String requestId = requestId(request, context);
        String method = request.getHttpMethod() == null ? "" : request.getHttpMethod().toUpperCase(Locale.ROOT);
        ApiCall call = new ApiCall(request, method, ApiRequests.path(request), started);
        call.requestId(requestId != null ? requestId : "rtr_" + UUID.randomUUID());
        // The resource as API Gateway matched it (hand-built requests have none: their path stands in).
        String route = method + " " + (request.getResource() != null ? request.getResource() : call.path());
        String errorCode = null;
        APIGatewayProxyResponseEvent response;
        try {
            response = route(call);
        } catch (RelayException e) {
            errorCode = e.code().name();
            if (call.eventId() == null && e.details().get("eventId") instanceof String id) {
                call.eventId(id);
            }
            response = ApiErrors.response(e, e instanceof MethodNotAllowed m ? Map.of("Allow", m.allow) : Map.of());
        } catch (RuntimeException e) {
            errorCode = ErrorCode.INTERNAL_ERROR.name();
            // The class name only: an exception's message can carry payload data or resource names.
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("requestId", requestId);
            fields.put("route", route);
            fields.put("path", call.path());
            fields.put("exception", e.getClass().getName());
            log.error("unexpected failure", fields);
            response = ApiErrors.internalError(requestId, method, call.path());
        }
        try {
            answered.answered(call, response);
        } catch (RuntimeException e) {
            log.error("answer hook failed", Map.of("route", route, "exception", e.getClass().getName()));
        }
        // Ids and the path are fine to log; bodies (payloads, URLs with tokens, secrets) and header values are not.
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("requestId", requestId);
        fields.put("method", method);
        fields.put("route", route);
        fields.put("path", call.path());
        fields.put("status", response.getStatusCode());
        fields.put("errorCode", errorCode);
        fields.put("eventId", call.eventId());
        fields.put("eventType", call.eventType());
        fields.put("processingTimeMs", call.elapsedMs());
        log.info("request", fields);
        return response;
    }

    private APIGatewayProxyResponseEvent route(ApiCall call) {
        for (Resource resource : resources) {
            Matcher matcher = resource.pattern().matcher(call.path());
            if (!matcher.matches()) {
                continue;
            }
            Route route = resource.routes().get(call.method());
            if (route == null) {
                String allow = resource.allow();
                throw new MethodNotAllowed(methodNotAllowedMessage.apply(call.method(), allow), allow);
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            for (int i = 0; i < resource.parameterNames().size(); i++) {
                parameters.put(resource.parameterNames().get(i), matcher.group(i + 1));
            }
            call.parameters(parameters);
            return route.answer(call);
        }
        throw new RelayException(ErrorCode.ROUTE_NOT_FOUND, "No route for " + call.method() + " "
                + Text.printable(call.path(), ECHO_LIMIT) + ".");
    }

    private static int methodRank(String method) {
        int rank = METHOD_ORDER.indexOf(method);
        return rank < 0 ? METHOD_ORDER.size() : rank;
    }

    private static String requestId(APIGatewayProxyRequestEvent request, Context context) {
        if (request.getRequestContext() != null && request.getRequestContext().getRequestId() != null) {
            return request.getRequestContext().getRequestId();
        }
        return context == null ? null : context.getAwsRequestId();
    }
}
