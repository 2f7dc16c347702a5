package com.algohire.relay.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An HTTP proxy in front of a real AWS-protocol server that forwards every request and, for the ones a rule
 * picks, lets the server carry the request out and then drops the connection instead of returning the answer:
 * the "timed-out write that did commit" of a real network. The SDK client sees a connection error and retries
 * on its own, exactly as it would against AWS, so a test sees what production code sees (e.g. a
 * ConditionalCheckFailedException for its own, already committed, conditional put).
 *
 * <p>It can also hold a request back before forwarding it ({@link #delayRequest}): AWS answering slowly.
 *
 * <p>Rules match on the operation ({@code X-Amz-Target}, e.g. {@code DynamoDB_20120810.PutItem} or
 * {@code AmazonSQS.SendMessage}) and on the request body, and fire a set number of times.
 */
public final class ReplyLosingProxy implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "keep-alive");

    /** One forwarded request as the proxy saw it. */
    public record Seen(String operation, String body, boolean replyLost) {
    }

    private record Rule(String operation, Predicate<String> body, AtomicInteger remaining) {
    }

    /** Requests a rule holds back for {@code delay} before forwarding them: an AWS call that is slow today. */
    private record Delay(String operation, Predicate<String> body, Duration delay, AtomicInteger remaining) {
    }

    private final HttpServer server;
    private final URI target;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<Delay> delays = new CopyOnWriteArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    private ReplyLosingProxy(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "reply-losing-proxy");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::forward);
        server.start();
    }

    /** Starts a proxy forwarding to {@code target} (scheme, host and port of the real server). */
    public static ReplyLosingProxy to(URI target) {
        try {
            return new ReplyLosingProxy(target);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the proxy", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    /** The next {@code times} requests of {@code operation} whose body satisfies {@code body} lose their reply. */
    public ReplyLosingProxy loseReply(String operation, Predicate<String> body, int times) {
        rules.add(new Rule(operation, body, new AtomicInteger(times)));
        return this;
    }

    /**
     * The next {@code times} requests of {@code operation} whose body satisfies {@code body} wait {@code delay}
     * before the proxy forwards them (the client's own timeouts may give up first, as they would against AWS).
     */
    public ReplyLosingProxy delayRequest(String operation, Predicate<String> body, Duration delay, int times) {
        delays.add(new Delay(operation, body, delay, new AtomicInteger(times)));
        return this;
    }

    /** Every request forwarded so far, in order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    public long count(String operation) {
        return seen.stream().filter(s -> operation.equals(s.operation())).count();
    }

    private void forward(HttpExchange exchange) throws IOException {
        byte[] requestBody = exchange.getRequestBody().readAllBytes();
        String operation = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String text = new String(requestBody, StandardCharsets.UTF_8);
        for (Delay delay : delays) {
            if (delay.operation().equals(operation) && delay.body().test(text)
                    && delay.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                try {
                    Thread.sleep(delay.delay().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(requestBody));
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                header.getValue().forEach(value -> request.header(header.getKey(), value));
            }
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        boolean lose = rules.stream().anyMatch(rule -> rule.operation().equals(operation) && rule.body().test(text)
                && rule.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0);
        seen.add(new Seen(operation, text, lose));
        if (lose) {
            // The server has done the work; the client never hears of it. Throwing makes the JDK server close the
            // connection without a response, which the client reads as a broken connection.
            throw new IOException("reply dropped on purpose");
        }
        response.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                values.forEach(value -> exchange.getResponseHeaders().add(name, value));
            }
        });
        byte[] body = response.body();
        exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
