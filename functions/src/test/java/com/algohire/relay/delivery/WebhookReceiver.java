package com.algohire.relay.delivery;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/** A real HTTP receiver on 127.0.0.1 for tests: answers each request by its 1-based number, and records it. */
final class WebhookReceiver implements AutoCloseable {
    record Received(Map<String, String> headers, String body) {
    }

    record Answer(int status, long delayMillis, Map<String, String> headers) {
        static Answer status(int status) {
            return new Answer(status, 0, Map.of());
        }
    }

    final List<Received> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final AtomicInteger count = new AtomicInteger();

    WebhookReceiver(IntFunction<Answer> answers) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            Answer answer = answers.apply(count.incrementAndGet());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Received(exchange.getRequestHeaders().entrySet().stream().collect(Collectors.toMap(
                    e -> e.getKey().toLowerCase(), e -> String.join(",", e.getValue()))), body));
            try {
                Thread.sleep(answer.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] reply = ("answer " + answer.status()).getBytes(StandardCharsets.UTF_8);
            try {
                exchange.sendResponseHeaders(answer.status(), reply.length);
                exchange.getResponseBody().write(reply);
            } catch (IOException clientGone) {
                // the relay timed out and closed the connection
            }
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
