package com.algohire.relay.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.Map;

/** Reads what the API handlers route on from an API Gateway proxy request. */
final class ApiRequests {
    private ApiRequests() {
    }

    /**
     * The request's path as the API defines it, e.g. {@code /api/v1/events/123}, without a trailing slash.
     *
     * <p>Built from the matched resource and its path parameters when API Gateway supplies them: {@code path} also
     * carries whatever a custom domain's base-path mapping put in front (e.g. {@code /relay/api/v1/events}), which
     * would otherwise match no route. Requests without a resource (hand-built ones) fall back to {@code path}.
     */
    static String path(APIGatewayProxyRequestEvent request) {
        String resource = request.getResource();
        if (resource != null && resource.startsWith("/")) {
            String path = resource;
            Map<String, String> parameters = request.getPathParameters();
            if (parameters != null) {
                for (Map.Entry<String, String> parameter : parameters.entrySet()) {
                    path = path.replace("{" + parameter.getKey() + "}", String.valueOf(parameter.getValue()));
                }
            }
            if (!path.contains("{")) {
                return withoutTrailingSlash(path);
            }
        }
        String path = request.getPath();
        return path == null || path.isEmpty() ? "/" : withoutTrailingSlash(path);
    }

    /** The request id of the synthetic requests SnapStart priming routes: what their log line is known by. */
    static final String PRIMING_REQUEST_ID = "snapstart-priming";

    /** A synthetic GET of {@code path} for priming, as API Gateway would pass it (no randomness drawn for its id). */
    static APIGatewayProxyRequestEvent primingGet(String path) {
        return primingGet(path, null);
    }

    /** As {@link #primingGet(String)}, with query string parameters. */
    static APIGatewayProxyRequestEvent primingGet(String path, Map<String, String> query) {
        return new APIGatewayProxyRequestEvent().withHttpMethod("GET").withPath(path).withQueryStringParameters(query)
                .withHeaders(Map.of("Accept", "application/json"))
                .withRequestContext(new APIGatewayProxyRequestEvent.ProxyRequestContext()
                        .withRequestId(PRIMING_REQUEST_ID));
    }

    /**
     * Fails a priming step whose routed request did not answer as expected (the router answers 500 rather than
     * throw when, say, DynamoDB is unreachable), so that priming's log line names the step.
     */
    static void expectPrimingStatus(APIGatewayProxyResponseEvent response, int expected) {
        if (response.getStatusCode() != expected) {
            throw new IllegalStateException("priming request answered " + response.getStatusCode() + ", not "
                    + expected);
        }
    }

    private static String withoutTrailingSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
