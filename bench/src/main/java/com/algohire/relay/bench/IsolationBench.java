package com.algohire.relay.bench;

import com.algohire.relay.internal.Json;
import com.algohire.relay.local.LocalRelay;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.AwsBackends;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Subscriber isolation, side by side in one run: a healthy subscriber of every event type alone, then the same load
 * with a failing subscriber (500s, dropped connections, answers later than the delivery timeout) and a slow one
 * (a second per request) beside it. Prints the healthy subscriber's end-to-end latency (202 answered → first byte
 * at its receiver), p50 and p99 in both phases, their ratio, and what the failing endpoint was sent.
 * Run with {@code ./relay bench isolation}, which sets a short retry schedule and delivery timeout unless given.
 */
final class IsolationBench {
    private static final int EVENTS = Integer.getInteger("bench.events", 300);
    private static final int CLIENTS = Integer.getInteger("bench.clients", 8);
    private static final Duration WAIT = Duration.ofMinutes(5);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private IsolationBench() {
    }

    /** What one phase measured. */
    private record Phase(String name, List<Long> latenciesMs, int missing, int failingRequests, int slowRequests) {
    }

    static void main(String[] args) throws Exception {
        try (AwsBackend backend = AwsBackends.start()) {
            System.out.println("backend: " + backend.description());
            System.out.println("cores: " + Runtime.getRuntime().availableProcessors() + ", java " + Runtime.version());
            System.out.println("settings: RETRY_SCHEDULE_SECONDS=" + System.getenv("RETRY_SCHEDULE_SECONDS")
                    + " DELIVERY_TIMEOUT_MS=" + System.getenv("DELIVERY_TIMEOUT_MS") + " events=" + EVENTS
                    + " clients=" + CLIENTS);
            IsolationBench bench = new IsolationBench();
            Phase alone = bench.phase(backend, false);
            Phase crowded = bench.phase(backend, true);
            System.out.println();
            System.out.println("| phase | healthy p50 ms | healthy p99 ms | not delivered in " + WAIT.toMinutes()
                    + " min | requests to failing | to slow |");
            System.out.println("|---|---|---|---|---|---|");
            for (Phase p : List.of(alone, crowded)) {
                System.out.printf("| %s | %d | %d | %d | %d | %d |%n", p.name(), pct(p.latenciesMs(), 50),
                        pct(p.latenciesMs(), 99), p.missing(), p.failingRequests(), p.slowRequests());
            }
            System.out.printf("p99 ratio (with neighbours / alone): %.2f; p50 ratio: %.2f%n",
                    (double) pct(crowded.latenciesMs(), 99) / Math.max(1, pct(alone.latenciesMs(), 99)),
                    (double) pct(crowded.latenciesMs(), 50) / Math.max(1, pct(alone.latenciesMs(), 50)));
        }
        System.exit(0);
    }

    private Phase phase(AwsBackend backend, boolean neighbours) throws Exception {
        LocalRelay relay = LocalRelay.start(LocalRelay.Options.defaults().withPort(0)
                .withResourcePrefix("iso-" + UUID.randomUUID().toString().substring(0, 8)), backend);
        try (Receiver healthy = new Receiver(Behaviour.HEALTHY);
             Receiver failing = new Receiver(Behaviour.FAILING);
             Receiver slow = new Receiver(Behaviour.SLOW)) {
            subscribe(relay, healthy);
            if (neighbours) {
                subscribe(relay, failing);
                subscribe(relay, slow);
            }
            Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> sends = new ArrayList<>();
            AtomicInteger next = new AtomicInteger();
            for (int c = 0; c < CLIENTS; c++) {
                sends.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < EVENTS; i = next.getAndIncrement()) {
                        String[] accepted = post(relay, i);
                        acceptedAt.put(accepted[0], Long.parseLong(accepted[1]));
                    }
                    return null;
                }));
            }
            for (Future<?> send : sends) {
                send.get();
            }
            clients.shutdown();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!healthy.firstArrival.keySet().containsAll(acceptedAt.keySet()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            List<Long> latencies = new ArrayList<>();
            int missing = 0;
            for (Map.Entry<String, Long> accepted : acceptedAt.entrySet()) {
                Long arrived = healthy.firstArrival.get(accepted.getKey());
                if (arrived == null) {
                    missing++;
                } else {
                    latencies.add((arrived - accepted.getValue()) / 1_000_000);
                }
            }
            latencies.sort(null);
            return new Phase(neighbours ? "with a failing and a slow neighbour" : "healthy subscriber alone",
                    latencies, missing, failing.requests.get(), slow.requests.get());
        } finally {
            relay.close();
        }
    }

    /** Posts event {@code i}; returns its eventId and the nanoTime the 202 arrived. */
    private String[] post(LocalRelay relay, int i) throws IOException, InterruptedException {
        String body = "{\"eventType\":\"job.created\",\"payload\":{\"n\":" + i + "}}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(relay.baseUri().resolve("/api/v1/events"))
                .header("Content-Type", "application/json").header("x-api-key", relay.keys().apiKey())
                .header("x-idempotency-key", "iso-" + UUID.randomUUID())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        long at = System.nanoTime();
        if (response.statusCode() != 202) {
            throw new IllegalStateException("ingest answered " + response.statusCode() + ": " + response.body());
        }
        return new String[] {Json.mapper().readTree(response.body()).get("eventId").asText(), Long.toString(at)};
    }

    private void subscribe(LocalRelay relay, Receiver receiver) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(relay.baseUri()
                .resolve("/api/v1/subscriptions"))
                .header("Content-Type", "application/json").header("x-admin-key", relay.keys().adminKey())
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + receiver.url()
                        + "\",\"eventTypes\":[\"*\"]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("subscribe answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static long pct(List<Long> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private enum Behaviour { HEALTHY, FAILING, SLOW }

    /** A webhook receiver on loopback with one behaviour; records when each event's first request arrived. */
    private static final class Receiver implements AutoCloseable {
        final Map<String, Long> firstArrival = new ConcurrentHashMap<>();
        final AtomicInteger requests = new AtomicInteger();
        private final HttpServer server;

        Receiver(Behaviour behaviour) throws IOException {
            Random random = new Random(behaviour.ordinal());
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", exchange -> {
                long arrived = System.nanoTime();
                requests.incrementAndGet();
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                firstArrival.putIfAbsent(Json.mapper().readTree(body).get("id").asText(), arrived);
                int status = 204;
                int roll;
                synchronized (random) {
                    roll = random.nextInt(100);
                }
                if (behaviour == Behaviour.SLOW) {
                    sleep(1000);
                } else if (behaviour == Behaviour.FAILING) {
                    if (roll < 25) {
                        status = 500;
                    } else if (roll < 30) {
                        exchange.close(); // dropped connection, no answer
                        return;
                    } else if (roll < 40) {
                        sleep(3000); // longer than the delivery timeout
                    }
                }
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
