package com.algohire.relay.local;

import com.algohire.relay.api.ApiResponses;
import com.algohire.relay.config.ApiRoutes.Auth;
import com.algohire.relay.internal.Json;
import com.algohire.relay.local.console.HostCheck;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server on localhost that does what the deployed REST API does in front of the Lambda functions: matches
 * the route, checks the credential the stack requires, enforces the 10 MB payload limit, turns the request into
 * the Lambda proxy integration's {@link APIGatewayProxyRequestEvent}, invokes the handler and writes its response.
 *
 * <p>Unlike API Gateway it listens on the developer's machine, with well-known keys, where any web page the
 * developer opens can reach it: every context it serves (the API's routes and what {@link #serve} adds) answers
 * only a loopback {@code Host} of its own port or the name it was bound by ({@link HostCheck}), before any route
 * or key is looked at, so a page on a name re-bound to 127.0.0.1 (DNS rebinding) gets 421 and nothing else.
 */
public final class ApiGatewayEmulator implements AutoCloseable {
    /** API Gateway's hard limit on a request payload. */
    public static final int MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
    public static final String API_KEY_HEADER = "x-api-key";
    /** Stands in locally for the IAM (SigV4) authorization the management routes have on AWS. */
    public static final String ADMIN_KEY_HEADER = "x-admin-key";
    public static final String STAGE = "local";
    private static final String ACCOUNT = "000000000000";
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);
    private static final Logger LOG = LoggerFactory.getLogger(ApiGatewayEmulator.class);

    /**
     * One method on one API Gateway resource, e.g. {@code GET /api/v1/events/{eventId}}, integrated with a function.
     */
    public record Route(String method, String resource, Auth auth, String functionName,
                        RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler) {
        public Route {
            method = method.toUpperCase(Locale.ROOT);
        }

        List<String> segments() {
            return List.of(resource.substring(1).split("/", -1));
        }
    }

    /** The local credentials: the ingest API key and the management key. */
    public record Keys(String apiKey, String adminKey) {
        @Override
        public String toString() {
            return "Keys[redacted]";
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Route> routes;
    private final Keys keys;
    private final Duration functionTimeout;
    private final HostCheck hosts;

    private ApiGatewayEmulator(HttpServer server, ExecutorService executor, List<Route> routes, Keys keys,
                               Duration functionTimeout, HostCheck hosts) {
        this.server = server;
        this.hosts = hosts;
        this.executor = executor;
        this.routes = List.copyOf(routes);
        this.keys = keys;
        this.functionTimeout = functionTimeout;
    }

    /**
     * Binds {@code address} (port 0 picks a free one) and starts serving, to the loopback names of the bound port
     * and to {@code address}'s own name (what --host gave).
     */
    public static ApiGatewayEmulator start(InetSocketAddress address, List<Route> routes, Keys keys,
                                           Duration functionTimeout) {
        HttpServer server;
        try {
            server = HttpServer.create(address, 128);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address.getHostString() + ":" + address.getPort()
                    + " (in use? pick another with --port)", e);
        }
        AtomicInteger threads = new AtomicInteger();
        // API Gateway invokes concurrent requests in parallel (one Lambda container each); a pool does that here.
        ExecutorService executor = Executors.newFixedThreadPool(64, r -> {
            Thread thread = new Thread(r, "api-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        int port = server.getAddress().getPort();
        HostCheck hosts = HostCheck.loopback(port).and(address.getHostString(), port);
        ApiGatewayEmulator emulator = new ApiGatewayEmulator(server, executor, routes, keys, functionTimeout, hosts);
        server.createContext("/", emulator::handle).getFilters().add(hosts.filter());
        server.setExecutor(executor);
        server.start();
        return emulator;
    }

    /**
     * Serves {@code path} and everything under it with {@code handler} instead of the API's routes, behind the
     * same Host check.
     */
    public void serve(String path, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(path, handler).getFilters().add(hosts.filter());
    }

    /** The {@code Host}s this server answers to, for a handler served beside it that checks them itself. */
    public HostCheck hosts() {
        return hosts;
    }

    /** {@code http://host:port}, without a trailing slash. */
    public URI baseUri() {
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        String requestId = UUID.randomUUID().toString();
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String rawPath = exchange.getRequestURI().getRawPath();
            Match match = match(method, rawPath);
            if (match == null) {
                // What a REST API answers for a path or method it does not have.
                gatewayError(exchange, requestId, 403, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token");
                return;
            }
            if (!authorized(match.route().auth(), exchange)) {
                if (match.route().auth() == Auth.API_KEY) {
                    gatewayError(exchange, requestId, 403, "INVALID_API_KEY", "Forbidden");
                } else {
                    // An IAM route called without a SigV4 signature.
                    gatewayError(exchange, requestId, 403, "MISSING_AUTHENTICATION_TOKEN",
                            "Missing Authentication Token");
                }
                return;
            }
            byte[] body = readBody(exchange);
            if (body == null) {
                gatewayError(exchange, requestId, 413, "REQUEST_TOO_LARGE", "Request Too Long");
                return;
            }
            APIGatewayProxyRequestEvent event = toProxyEvent(exchange, match, body, requestId);
            APIGatewayProxyResponseEvent response;
            try {
                response = match.route().handler().handleRequest(event,
                        LocalLambdaContext.create(match.route().functionName(), functionTimeout));
            } catch (RuntimeException | Error e) {
                // On AWS an unhandled exception in a proxy integration is a 502 with this fixed body.
                LOG.error("{} threw on {} {} (request {})", match.route().functionName(), method, rawPath,
                        requestId, e);
                gatewayError(exchange, requestId, 502, "DEFAULT_5XX", "Internal server error");
                return;
            }
            writeResponse(exchange, requestId, response);
        } catch (IOException e) {
            // The client went away mid-exchange; nothing left to answer.
            LOG.debug("request {} aborted: {}", requestId, e.toString());
        }
    }

    record Match(Route route, Map<String, String> pathParameters) {
    }

    /**
     * API Gateway's resource matching: same number of segments, literal segments equal, a {@code {param}} segment
     * matching any non-empty one; when several resources match, the one with more literal segments wins.
     */
    Match match(String method, String rawPath) {
        if (rawPath == null || !rawPath.startsWith("/")) {
            return null;
        }
        List<String> actual = List.of(rawPath.substring(1).split("/", -1));
        Match best = null;
        int bestLiterals = -1;
        for (Route route : routes) {
            if (!route.method().equals(method)) {
                continue;
            }
            List<String> template = route.segments();
            if (template.size() != actual.size()) {
                continue;
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            int literals = 0;
            boolean matches = true;
            for (int i = 0; i < template.size() && matches; i++) {
                String expected = template.get(i);
                String segment = actual.get(i);
                if (expected.startsWith("{") && expected.endsWith("}")) {
                    matches = !segment.isEmpty();
                    parameters.put(expected.substring(1, expected.length() - 1), decodePathSegment(segment));
                } else {
                    matches = expected.equals(segment);
                    literals++;
                }
            }
            if (matches && literals > bestLiterals) {
                best = new Match(route, parameters);
                bestLiterals = literals;
            }
        }
        return best;
    }

    private boolean authorized(Auth auth, HttpExchange exchange) {
        return switch (auth) {
            case NONE -> true;
            case API_KEY -> sameSecret(exchange.getRequestHeaders().getFirst(API_KEY_HEADER), keys.apiKey());
            case OPERATOR -> sameSecret(exchange.getRequestHeaders().getFirst(ADMIN_KEY_HEADER), keys.adminKey());
        };
    }

    private static boolean sameSecret(String presented, String expected) {
        return presented != null && expected != null && MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    /** The body, or null when it is over API Gateway's limit (read no further than the limit). */
    /**
     * The request body, or null when it is over API Gateway's 10 MB limit. A refused body is still read (and
     * discarded, up to {@link #MAX_DRAIN_BYTES}) before the 413 goes out: the JDK server closes a connection with
     * unread input, and a client still sending then sees a reset instead of the answer.
     */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        try (InputStream in = exchange.getRequestBody()) {
            if (declared != null) {
                try {
                    if (Long.parseLong(declared.trim()) > MAX_PAYLOAD_BYTES) {
                        drain(in);
                        return null;
                    }
                } catch (NumberFormatException ignored) {
                    // The server itself rejects a malformed length; read what arrives.
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) != -1) {
                out.write(buffer, 0, read);
                if (out.size() > MAX_PAYLOAD_BYTES) {
                    drain(in);
                    return null;
                }
            }
            return out.toByteArray();
        }
    }

    /** Refused bodies are read this far at most; past it the connection is dropped (a local tool, not a sink). */
    private static final long MAX_DRAIN_BYTES = 4L * MAX_PAYLOAD_BYTES;

    private static void drain(InputStream in) throws IOException {
        in.transferTo(new java.io.OutputStream() {
            private long seen;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                seen += len;
                if (seen > MAX_DRAIN_BYTES) {
                    throw new IOException("refused body too large to drain");
                }
            }
        });
    }

    private APIGatewayProxyRequestEvent toProxyEvent(HttpExchange exchange, Match match, byte[] body,
                                                     String requestId) {
        Route route = match.route();
        String rawPath = exchange.getRequestURI().getRawPath();
        String sourceIp = exchange.getRemoteAddress().getAddress().getHostAddress();

        // The JDK server does not keep the client's spelling of header names; lower case is what API Gateway
        // passes for HTTP/2 clients, so handlers have to look headers up case-insensitively either way.
        Map<String, List<String>> multiHeaders = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                multiHeaders.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        multiHeaders.putIfAbsent("x-forwarded-for", List.of(sourceIp));
        multiHeaders.putIfAbsent("x-forwarded-proto", List.of("http"));
        multiHeaders.putIfAbsent("x-forwarded-port",
                List.of(Integer.toString(exchange.getLocalAddress().getPort())));
        Map<String, String> headers = new LinkedHashMap<>();
        multiHeaders.forEach((name, values) -> headers.put(name, values.getLast()));

        Map<String, List<String>> multiQuery = parseQuery(exchange.getRequestURI().getRawQuery());
        Map<String, String> query = null;
        if (multiQuery != null) {
            query = new LinkedHashMap<>();
            for (var entry : multiQuery.entrySet()) {
                query.put(entry.getKey(), entry.getValue().getLast());
            }
        }

        var identity = new APIGatewayProxyRequestEvent.RequestIdentity()
                .withSourceIp(sourceIp)
                .withUserAgent(headers.get("user-agent"));
        if (route.auth() == Auth.API_KEY) {
            identity.setApiKey(headers.get(API_KEY_HEADER));
        } else if (route.auth() == Auth.OPERATOR) {
            // What IAM authorization puts in the identity for the calling principal.
            identity.withAccountId(ACCOUNT).withCaller("local-admin").withUser("local-admin")
                    .withUserArn("arn:aws:iam::" + ACCOUNT + ":user/local-admin");
        }
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        var context = new APIGatewayProxyRequestEvent.ProxyRequestContext()
                .withAccountId(ACCOUNT)
                .withApiId("local")
                .withStage(STAGE)
                .withRequestId(requestId)
                .withExtendedRequestId(requestId)
                .withResourceId(Integer.toHexString(route.resource().hashCode()))
                .withResourcePath(route.resource())
                .withHttpMethod(route.method())
                // As behind a custom domain: the path the client used, with no stage prefix.
                .withPath(rawPath)
                .withProtocol(exchange.getProtocol())
                .withDomainName(headers.getOrDefault("host", "localhost"))
                .withRequestTime(REQUEST_TIME.format(now))
                .withRequestTimeEpoch(now.toInstant().toEpochMilli())
                .withIdentity(identity);

        var event = new APIGatewayProxyRequestEvent()
                .withResource(route.resource())
                .withPath(rawPath)
                .withHttpMethod(route.method())
                .withHeaders(headers)
                .withMultiValueHeaders(multiHeaders)
                .withQueryStringParameters(query)
                .withMultiValueQueryStringParameters(multiQuery)
                .withPathParameters(match.pathParameters().isEmpty() ? null : match.pathParameters())
                .withRequestContext(context)
                .withIsBase64Encoded(false);
        if (body.length > 0) {
            String text = textBody(headers.get("content-type"), body);
            if (text != null) {
                event.setBody(text);
            } else {
                event.setBody(Base64.getEncoder().encodeToString(body));
                event.setIsBase64Encoded(true);
            }
        }
        return event;
    }

    /**
     * The body as text when the media type is textual and the bytes are valid UTF-8; otherwise null, and the body
     * travels base64-encoded as it does for an API with binary media types. Invalid UTF-8 in a JSON body therefore
     * reaches the handler byte for byte, so it can refuse it rather than see silently substituted characters.
     */
    static String textBody(String contentType, byte[] body) {
        if (contentType != null && !isTextual(contentType)) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean isTextual(String contentType) {
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return type.startsWith("text/") || type.endsWith("/json") || type.endsWith("+json")
                || type.endsWith("/xml") || type.endsWith("+xml") || type.equals("application/x-www-form-urlencoded")
                || type.equals("application/javascript") || type.isEmpty();
    }

    private static Map<String, List<String>> parseQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
            parameters.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return parameters.isEmpty() ? null : parameters;
    }

    private static String decodeQuery(String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformedEscape) {
            return raw;
        }
    }

    private static String decodePathSegment(String raw) {
        // A '+' in a path is a plus sign, not a space as in a query string.
        return decodeQuery(raw.replace("+", "%2B"));
    }

    private static void writeResponse(HttpExchange exchange, String requestId, APIGatewayProxyResponseEvent response)
            throws IOException {
        if (response == null || response.getStatusCode() == null) {
            // API Gateway's answer to a malformed Lambda proxy response.
            LOG.error("handler returned no status code (request {})", requestId);
            gatewayError(exchange, requestId, 502, "DEFAULT_5XX", "Internal server error");
            return;
        }
        var out = exchange.getResponseHeaders();
        if (response.getMultiValueHeaders() != null) {
            response.getMultiValueHeaders().forEach((name, values) -> out.put(name, new ArrayList<>(values)));
        }
        if (response.getHeaders() != null) {
            response.getHeaders().forEach(out::set);
        }
        // Framing is the server's job, as it is API Gateway's.
        out.remove("Content-Length");
        out.remove("Transfer-Encoding");
        out.set("x-amzn-RequestId", requestId);
        byte[] body = response.getBody() == null ? new byte[0]
                : Boolean.TRUE.equals(response.getIsBase64Encoded())
                ? Base64.getDecoder().decode(response.getBody())
                : response.getBody().getBytes(StandardCharsets.UTF_8);
        send(exchange, response.getStatusCode(), body);
    }

    /**
     * An answer API Gateway gives without invoking the function, in the envelope the stack's gateway responses
     * give it ({@code RelayApi}: the response type as the code), with the security headers.
     */
    private static void gatewayError(HttpExchange exchange, String requestId, int status, String responseType,
                                     String message) throws IOException {
        var headers = exchange.getResponseHeaders();
        ApiResponses.SECURITY_HEADERS.forEach(headers::set);
        headers.set("Content-Type", "application/json");
        headers.set("x-amzn-ErrorType", responseType);
        headers.set("x-amzn-RequestId", requestId);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", responseType);
        error.put("message", message);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("error", error);
        send(exchange, status, Json.mapper().writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        boolean noBody = body.length == 0 || status == 204 || status == 304
                || "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        }
    }
}
