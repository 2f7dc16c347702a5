package com.algohire.relay.local;

import com.algohire.relay.internal.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A webhook receiver built into {@code ./relay local}, so that a newcomer can watch deliveries succeed, fail, retry,
 * park in the DLQ and be redriven without writing a receiver first. {@code POST /demo/receiver/<status>} answers
 * that status (200–599), so "breaking the receiver" is pointing the subscription at {@code /demo/receiver/500}
 * and mending it is pointing it back at {@code /demo/receiver/200}. {@code GET /demo/receiver} lists the last 50
 * webhooks received: time, path, the status answered, {@code webhook-id} and the event's type and id. The body is
 * not kept (payloads stay in the relay), and the signature is not checked (the receiver does not know the
 * subscription's secret: see webhook-verifier for a receiver that does).
 *
 * <p>It is served behind the API emulator's Host check ({@code ApiGatewayEmulator#serve}): only loopback
 * {@code Host}s are answered, so a web page re-pointed at 127.0.0.1 (DNS rebinding) cannot read the list.
 */
final class DemoReceiver implements HttpHandler {
    static final String PATH = "/demo/receiver";
    private static final Pattern STATUS = Pattern.compile(Pattern.quote(PATH) + "/([1-5][0-9][0-9])/?");
    private static final int KEPT = 50;
    private static final int MAX_BODY = 11 * 1024 * 1024;

    private final Clock clock;
    private final Deque<Map<String, Object>> received = new ArrayDeque<>();

    DemoReceiver(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getRawPath();
            if (method.equals("GET") && (path.equals(PATH) || path.equals(PATH + "/"))) {
                send(exchange, 200, Map.of("received", list()));
                return;
            }
            Matcher status = STATUS.matcher(path);
            if (!method.equals("POST") || !status.matches()) {
                send(exchange, 404, Map.of("error", "POST " + PATH + "/<status> (200-599) answers that status; "
                        + "GET " + PATH + " lists what arrived"));
                return;
            }
            int answer = Integer.parseInt(status.group(1));
            if (answer < 200) {
                send(exchange, 404, Map.of("error", "the status must be 200-599"));
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(MAX_BODY);
            }
            record(path, answer, exchange.getRequestHeaders().getFirst("webhook-id"), body);
            send(exchange, answer, Map.of("demoReceiver", "answered " + answer));
        }
    }

    private void record(String path, int answer, String webhookId, byte[] body) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("at", clock.instant().toString());
        entry.put("path", path);
        entry.put("answered", answer);
        entry.put("webhookId", webhookId);
        try {
            var node = Json.mapper().readTree(body);
            entry.put("type", node.path("type").asText(null));
            entry.put("eventId", node.path("id").asText(null));
        } catch (IOException | RuntimeException notJson) {
            entry.put("type", null);
        }
        synchronized (received) {
            received.addFirst(entry);
            while (received.size() > KEPT) {
                received.removeLast();
            }
        }
    }

    /** The last webhooks received, newest first. */
    List<Map<String, Object>> list() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = Json.mapper().writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
