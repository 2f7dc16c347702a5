package com.algohire.relay.localaws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * A subscriber's endpoint on 127.0.0.1 for tests and the bench: records every request and answers it as
 * {@code answers} says for its 1-based number. Each request runs on its own virtual thread, so a batch of
 * deliveries can all be in flight at once.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** A request as received: header names in lower case (several values joined by commas), the raw body. */
    public record Received(Map<String, String> headers, String body) {
    }

    /**
     * How to answer a request: status, a delay before answering, extra response headers, and the body's bytes as
     * they go on the wire (null: {@code answer <status>}), so a test can answer what no well-behaved server would.
     */
    public record Answer(int status, long delayMillis, Map<String, String> headers, byte[] body) {
        public Answer(int status, long delayMillis, Map<String, String> headers) {
            this(status, delayMillis, headers, null);
        }

        public static Answer status(int status) {
            return new Answer(status, 0, Map.of());
        }
    }

    private final List<Received> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private final IntFunction<Answer> answers;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;

    public WebhookReceiver(IntFunction<Answer> answers) {
        this.answers = answers;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers every request with {@code status}. */
    public static WebhookReceiver answering(int status) {
        return new WebhookReceiver(n -> Answer.status(status));
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            Answer answer = answers.apply(count.incrementAndGet());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Received(exchange.getRequestHeaders().entrySet().stream().collect(Collectors.toMap(
                    e -> e.getKey().toLowerCase(Locale.ROOT), e -> String.join(",", e.getValue()))), body));
            sleep(answer.delayMillis());
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            if (answer.status() == 204 || answer.status() == 304) {
                exchange.sendResponseHeaders(answer.status(), -1); // these carry no body
            } else {
                byte[] reply = answer.body() != null ? answer.body()
                        : ("answer " + answer.status()).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(answer.status(), reply.length);
                exchange.getResponseBody().write(reply);
            }
        } catch (IOException clientGone) {
            // the relay timed out and closed the connection
        }
    }

    /** Every request so far, in order of arrival. */
    public List<Received> requests() {
        return requests;
    }

    /** Request {@code number} (1-based), waiting up to {@code timeout} for it to arrive; null if it did not. */
    public Received awaitRequest(int number, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (requests.size() < number && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return requests.size() < number ? null : requests.get(number - 1);
    }

    /** The URL to subscribe: {@code http://127.0.0.1:<port>/hook}; any path below {@code /} is answered alike. */
    public String url() {
        return "http://127.0.0.1:" + port() + "/hook";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
