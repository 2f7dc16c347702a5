package com.algohire.relay.local.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator console: serves the page ({@code /console/}, its scripts and styles from the classpath's
 * {@code console/} directory) and forwards the page's API calls ({@code /console/api} followed by the API's path,
 * e.g. {@code /console/api/api/v1/events}) to a {@link ConsoleForwarder}, which adds the credential.
 *
 * <p>Because this server holds a credential and listens on loopback, any web page the operator visits could try
 * to use it: a cross-site form or fetch (CSRF), or a page on a name the attacker re-points at 127.0.0.1 (DNS
 * rebinding). So an API call is forwarded only when all hold:
 * <ul>
 *   <li>its {@code Host} is one of the loopback names this server answers to (rebinding sends the attacker's;
 *       {@link HostCheck}, the check every local server shares);</li>
 *   <li>its {@code Origin}, when present, is this server's own origin;</li>
 *   <li>its {@code Sec-Fetch-Site}, when present, is {@code same-origin};</li>
 *   <li>it carries {@value #TOKEN_HEADER} with this start's random token, which the page reads from its own HTML
 *       (a cross-site page cannot read that HTML, and a form cannot set a header), compared in constant time;</li>
 *   <li>its body, if any, is JSON (a form can send only urlencoded, multipart or text/plain).</li>
 * </ul>
 * The page itself is served only to an allowed {@code Host} too, so a rebinding page cannot read the token.
 * Every answer carries a strict Content-Security-Policy: scripts and styles from this origin only, no inline
 * script, calls to this origin only, no framing.
 */
public final class ConsoleHandler implements HttpHandler {
    public static final String PATH = "/console";
    public static final String API_PREFIX = PATH + "/api";
    public static final String TOKEN_HEADER = "X-Relay-Console-Token";
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";
    private static final Pattern ASSET = Pattern.compile("[a-z0-9][a-z0-9.-]*\\.(js|css|svg|html)");
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml", "html", "text/html; charset=utf-8");
    private static final Set<String> METHODS = Set.of("GET", "POST", "PATCH", "DELETE");
    private static final int MAX_BODY = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleHandler.class);

    private final ConsoleForwarder forwarder;
    private final String token;
    private final HostCheck hosts;

    /**
     * @param hosts the {@code Host} header values this server answers to, e.g. {@code localhost:3000},
     *              {@code 127.0.0.1:3000} ({@link HostCheck#loopback})
     */
    public ConsoleHandler(ConsoleForwarder forwarder, HostCheck hosts) {
        this(forwarder, hosts, newToken());
    }

    ConsoleHandler(ConsoleForwarder forwarder, HostCheck hosts, String token) {
        this.forwarder = forwarder;
        this.hosts = hosts;
        this.token = token;
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            securityHeaders(exchange);
            if (!hosts.admit(exchange)) {
                return;
            }
            String host = exchange.getRequestHeaders().getFirst("Host");
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals(API_PREFIX) || path.startsWith(API_PREFIX + "/")) {
                api(exchange, host, path.substring(API_PREFIX.length()));
            } else {
                page(exchange, path);
            }
        }
    }

    private void api(HttpExchange exchange, String host, String apiPath) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        if (origin != null && !origin.equalsIgnoreCase("http://" + host)) {
            refuse(exchange, 403, "CONSOLE_ORIGIN_REFUSED", "Cross-origin request refused (Origin " + origin + ")");
            return;
        }
        // Browsers say where a request comes from even when they send no Origin (a GET): only the page itself.
        String site = exchange.getRequestHeaders().getFirst("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin")) {
            refuse(exchange, 403, "CONSOLE_ORIGIN_REFUSED", "Cross-site request refused (Sec-Fetch-Site " + site + ")");
            return;
        }
        if (!tokenMatches(exchange.getRequestHeaders().getFirst(TOKEN_HEADER), token)) {
            refuse(exchange, 403, "CONSOLE_TOKEN_REQUIRED", "The console's API needs the " + TOKEN_HEADER
                    + " header of this start (reload the page after a restart)");
            return;
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null && !isJson(contentType)) {
            // The page sends JSON only; a form's types (urlencoded, multipart, text/plain) never reach the API.
            refuse(exchange, 415, "CONSOLE_CONTENT_TYPE_REFUSED", "The console forwards JSON bodies only "
                    + "(Content-Type application/json), was: " + contentType);
            return;
        }
        // No dot segments, encoded dots or slashes: a path that resolves outside /api/v1/ upstream never leaves here.
        String lowerPath = apiPath.toLowerCase(Locale.ROOT);
        if (!METHODS.contains(method) || !apiPath.startsWith("/api/v1/") || apiPath.contains("/.")
                || lowerPath.contains("%2e") || lowerPath.contains("%2f") || lowerPath.contains("%5c")
                || apiPath.contains("\\")) {
            refuse(exchange, 404, "ROUTE_NOT_FOUND", "The console forwards only " + METHODS + " /api/v1/...");
            return;
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            refuse(exchange, 413, "PAYLOAD_TOO_LARGE", "The console forwards bodies up to 1 MiB");
            return;
        }
        if (body.length > 0 && contentType == null) {
            refuse(exchange, 415, "CONSOLE_CONTENT_TYPE_REFUSED", "A body needs Content-Type application/json");
            return;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        String query = exchange.getRequestURI().getRawQuery();
        ConsoleForwarder.Answer answer;
        try {
            answer = forwarder.forward(method, apiPath + (query == null ? "" : "?" + query), headers, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            refuse(exchange, 502, "CONSOLE_UPSTREAM_UNREACHABLE", "Interrupted while calling the relay's API");
            return;
        } catch (IOException | RuntimeException e) {
            LOG.warn("console: {} {} could not reach {}: {}", method, apiPath, forwarder.target(), e.toString());
            refuse(exchange, 502, "CONSOLE_UPSTREAM_UNREACHABLE", "Could not reach the relay's API ("
                    + forwarder.target() + "): " + e.getClass().getSimpleName());
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        send(exchange, answer.status(), answer.body());
    }

    private void page(HttpExchange exchange, String path) throws IOException {
        if (!"GET".equalsIgnoreCase(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "GET");
            refuse(exchange, 405, "METHOD_NOT_ALLOWED", "The console's pages are read with GET");
            return;
        }
        if (path.equals(PATH)) {
            exchange.getResponseHeaders().set("Location", PATH + "/");
            send(exchange, 308, new byte[0]);
            return;
        }
        String name = path.equals(PATH + "/") ? "index.html" : path.substring(PATH.length() + 1);
        if (!ASSET.matcher(name).matches()) {
            refuse(exchange, 404, "NOT_FOUND", "No such console file: " + name);
            return;
        }
        byte[] content;
        try (InputStream in = ConsoleHandler.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                refuse(exchange, 404, "NOT_FOUND", "No such console file: " + name);
                return;
            }
            content = in.readAllBytes();
        }
        if (name.equals("index.html")) {
            content = new String(content, StandardCharsets.UTF_8)
                    .replace("{{CONSOLE_TOKEN}}", token)
                    .replace("{{CONSOLE_TARGET}}", escapeHtml(forwarder.target()))
                    .getBytes(StandardCharsets.UTF_8);
        }
        exchange.getResponseHeaders().set("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
        send(exchange, 200, content);
    }

    /**
     * Compares the presented token with this start's in constant time: both are hashed first, so that neither
     * the position of the first wrong character nor the token's length shows in the time taken.
     */
    static boolean tokenMatches(String presented, String expected) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(presented), sha256(expected));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json");
    }

    private static void securityHeaders(HttpExchange exchange) {
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Cache-Control", "no-store");
        headers.set("Cross-Origin-Resource-Policy", "same-origin");
        headers.set("Cross-Origin-Opener-Policy", "same-origin");
    }

    private static void refuse(HttpExchange exchange, int status, String code, String message) throws IOException {
        String body = "{\"success\":false,\"error\":{\"code\":\"" + code + "\",\"message\":\""
                + jsonEscape(message) + "\"}}";
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The message may quote a request's header or path: escaped whole, control characters included. */
    private static String jsonEscape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    private static String escapeHtml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** For tests: the allowed hosts. */
    List<String> hosts() {
        return hosts.hosts();
    }
}
