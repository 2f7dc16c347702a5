package com.algohire.relay.bench;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.internal.Json;
import com.algohire.relay.local.LocalRelay;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.AwsBackends;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Subscriber isolation, side by side in one run: a healthy subscriber of every event type alone, then the same load
 * with a failing subscriber (500s, dropped connections, answers later than the delivery timeout: 40 % of
 * requests) and a slow one (a second per request) beside it, once with the slow lane and once without, and last
 * with a down one (503 to everything) added, whose breaker opens. Prints the healthy subscriber's end-to-end
 * latency (202 answered → first byte at its receiver), p50 and p99 in each phase, the ratios, what the failing and
 * slow endpoints were sent, and what the down endpoint was sent: in all, and while its breaker was not CLOSED (and
 * how many of those were probes). It also prints what the local relay ran with: each delivery lane's event-source
 * settings and the isolation thresholds.
 *
 * <p>The breaker is observed from outside, as an operator would: {@code GET /api/v1/subscriptions/{id}} every
 * {@link #SAMPLE_EVERY} ({@code health.breaker}, {@code health.retryAt}), and the down receiver timestamps each
 * request. A request counts as "while not CLOSED" when the last sample before it showed OPEN or HALF_OPEN; it is a
 * probe when it is the first such request of a cool-down that had ended ({@code retryAt} passed) or the breaker
 * showed HALF_OPEN. Samples are 200 ms apart, so a request right at a transition can be misfiled; when the view has
 * no breaker field the counts print as n/a.
 * Run with {@code ./relay bench isolation}, which sets a short retry schedule and delivery timeout unless given.
 */
final class IsolationBench {
    private static final int EVENTS = Integer.getInteger("bench.events", 300);
    private static final int CLIENTS = Integer.getInteger("bench.clients", 8);
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(200);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private IsolationBench() {
    }

    /**
     * What one phase measured.
     *
     * @param breaker requests to the down endpoint while its breaker was not CLOSED, or null when not observed
     */
    private record Phase(String name, List<Long> latenciesMs, int missing, int failingRequests, int slowRequests,
                         int downRequests, BreakerCounts breaker) {
    }

    /** Requests the down endpoint received while its breaker was OPEN or HALF_OPEN, and the probes among them. */
    record BreakerCounts(int notClosed, int probes) {
    }

    /** One look at the failing subscription's breaker: null fields when the view does not have them. */
    record Sample(Instant at, String breaker, Instant retryAt) {
    }

    static void main(String[] args) throws Exception {
        try (AwsBackend backend = AwsBackends.start()) {
            System.out.println("backend: " + backend.description());
            System.out.println("cores: " + Runtime.getRuntime().availableProcessors() + ", java " + Runtime.version());
            System.out.println("settings: RETRY_SCHEDULE_SECONDS=" + System.getenv("RETRY_SCHEDULE_SECONDS")
                    + " DELIVERY_TIMEOUT_MS=" + System.getenv("DELIVERY_TIMEOUT_MS") + " events=" + EVENTS
                    + " clients=" + CLIENTS);
            IsolationBench bench = new IsolationBench();
            Phase alone = bench.phase(backend, false, true, false);
            Phase crowded = bench.phase(backend, true, true, false);
            // The same crowd with the breaker but no slow lane: what the bulkhead itself is worth.
            Phase oneLane = bench.phase(backend, true, false, false);
            // The crowd and an endpoint that is down (503 to all), whose breaker opens: what reaches it then.
            Phase withDown = bench.phase(backend, true, true, true);
            System.out.println();
            System.out.println("| phase | healthy p50 ms | healthy p99 ms | not delivered in " + WAIT.toMinutes()
                    + " min | requests to failing | to slow | to down"
                    + " | of which breaker not CLOSED | of those, probes |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            for (Phase p : List.of(alone, crowded, oneLane, withDown)) {
                System.out.printf("| %s | %d | %d | %d | %d | %d | %d | %s | %s |%n", p.name(),
                        pct(p.latenciesMs(), 50), pct(p.latenciesMs(), 99), p.missing(), p.failingRequests(),
                        p.slowRequests(), p.downRequests(),
                        p.breaker() == null ? "n/a" : Integer.toString(p.breaker().notClosed()),
                        p.breaker() == null ? "n/a" : Integer.toString(p.breaker().probes()));
            }
            System.out.printf("p99 ratio (with neighbours / alone): %.2f; p50 ratio: %.2f%n",
                    (double) pct(crowded.latenciesMs(), 99) / Math.max(1, pct(alone.latenciesMs(), 99)),
                    (double) pct(crowded.latenciesMs(), 50) / Math.max(1, pct(alone.latenciesMs(), 50)));
            System.out.printf("without the slow lane: p99 ratio %.2f; p50 ratio: %.2f%n",
                    (double) pct(oneLane.latenciesMs(), 99) / Math.max(1, pct(alone.latenciesMs(), 99)),
                    (double) pct(oneLane.latenciesMs(), 50) / Math.max(1, pct(alone.latenciesMs(), 50)));
            System.out.printf("with a down endpoint too: p99 ratio %.2f; p50 ratio: %.2f%n",
                    (double) pct(withDown.latenciesMs(), 99) / Math.max(1, pct(alone.latenciesMs(), 99)),
                    (double) pct(withDown.latenciesMs(), 50) / Math.max(1, pct(alone.latenciesMs(), 50)));
        }
        System.exit(0);
    }

    private Phase phase(AwsBackend backend, boolean neighbours, boolean slowLane, boolean withDown)
            throws Exception {
        LocalRelay.Options options = LocalRelay.Options.parse(new String[0], System.getenv()).withPort(0)
                .withResourcePrefix("iso-" + UUID.randomUUID().toString().substring(0, 8));
        if (!slowLane) {
            options = options.withDeliveryConcurrency(options.deliveryMaxConcurrency(), 0);
        }
        LocalRelay relay = LocalRelay.start(options, backend);
        if (!neighbours) {
            printRelaySettings(relay);
        }
        List<Sample> samples = new CopyOnWriteArrayList<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = null;
        try (Receiver healthy = new Receiver(Behaviour.HEALTHY);
             Receiver failing = new Receiver(Behaviour.FAILING);
             Receiver slow = new Receiver(Behaviour.SLOW);
             Receiver down = new Receiver(Behaviour.DOWN)) {
            subscribe(relay, healthy);
            if (neighbours) {
                subscribe(relay, failing);
                subscribe(relay, slow);
            }
            if (withDown) {
                String downId = subscribe(relay, down);
                sampler = Thread.ofVirtual().name("breaker-sampler").start(() -> sample(relay, downId, samples,
                        sampling));
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
            sampling.set(false);
            if (sampler != null) {
                sampler.join();
            }
            return new Phase(!neighbours ? "healthy subscriber alone" : withDown ? "the same, and a down endpoint"
                    : slowLane ? "with a failing and a slow neighbour" : "the same, without the slow lane",
                    latencies, missing, failing.requests.get(), slow.requests.get(), down.requests.get(),
                    withDown ? breakerCounts(samples, down.arrivals) : null); // no down endpoint: nothing to count
        } finally {
            sampling.set(false);
            relay.close();
        }
    }

    /** What the local relay ran with, so that the figures can be set beside a deployment's. */
    private static void printRelaySettings(LocalRelay relay) {
        for (LocalRelay.Lane lane : relay.lanes()) {
            System.out.println("delivery lane " + lane.name() + ": " + lane.settings().describe());
        }
        RelayConfig.Isolation i = relay.config().isolation();
        System.out.println("isolation: breaker opens after " + i.consecutiveFailures() + " consecutive failures or "
                + i.failureRatePercent() + " % of >= " + i.minRequests() + " attempts in " + i.window().toSeconds()
                + " s; cool-down " + i.cooldown().toSeconds() + " s doubling to " + i.maxCooldown().toSeconds()
                + " s; slow lane above " + i.slowLatency().toMillis() + " ms; disabled after "
                + i.disableAfter().toHours() + " h of failure; slow lane "
                + (relay.config().deliverySlowQueueUrl().isEmpty() ? "off" : "on"));
    }

    /** Reads the subscription's breaker every {@link #SAMPLE_EVERY} until told to stop. */
    private void sample(LocalRelay relay, String subscriptionId, List<Sample> samples, AtomicBoolean sampling) {
        while (sampling.get()) {
            Instant at = Instant.now();
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(relay.baseUri()
                        .resolve("/api/v1/subscriptions/" + subscriptionId))
                        .header("x-admin-key", relay.keys().adminKey()).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    samples.add(parseSample(at, response.body()));
                }
                Thread.sleep(SAMPLE_EVERY);
            } catch (IOException e) {
                // a missed sample; the next one follows
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The breaker and retryAt of a GET subscription answer, wherever the view nests {@code health}. */
    static Sample parseSample(Instant at, String body) throws IOException {
        JsonNode health = Json.mapper().readTree(body).findValue("health");
        if (health == null || !health.isObject()) {
            return new Sample(at, null, null);
        }
        JsonNode breaker = health.get("breaker");
        JsonNode retryAt = health.get("retryAt");
        Instant retry = null;
        if (retryAt != null && retryAt.isTextual()) {
            try {
                retry = Instant.parse(retryAt.asText());
            } catch (java.time.format.DateTimeParseException e) {
                retry = null;
            }
        }
        // The view writes it in lower case (closed, open, half_open); the counting compares the enum's names.
        return new Sample(at, breaker == null || breaker.isNull() ? null
                : breaker.asText().toUpperCase(java.util.Locale.ROOT), retry);
    }

    /**
     * Files each request to the failing endpoint under the last sample taken before it: not CLOSED when that showed
     * OPEN or HALF_OPEN; a probe when HALF_OPEN, or OPEN with its retryAt passed, counting at most one probe per
     * cool-down (per retryAt). Null when no sample showed a breaker at all (the view does not have the field).
     */
    static BreakerCounts breakerCounts(List<Sample> samples, List<Instant> requests) {
        List<Sample> seen = samples.stream().filter(s -> s.breaker() != null)
                .sorted(java.util.Comparator.comparing(Sample::at)).toList();
        if (seen.isEmpty()) {
            return null;
        }
        int notClosed = 0;
        java.util.Set<String> probedCooldowns = new java.util.HashSet<>();
        for (Instant request : requests.stream().sorted().toList()) {
            Sample last = null;
            for (Sample s : seen) {
                if (s.at().isAfter(request)) {
                    break;
                }
                last = s;
            }
            if (last == null || "CLOSED".equals(last.breaker())) {
                continue;
            }
            notClosed++;
            boolean cooldownOver = "HALF_OPEN".equals(last.breaker())
                    || last.retryAt() != null && !request.isBefore(last.retryAt());
            if (cooldownOver) {
                probedCooldowns.add(String.valueOf(last.retryAt()));
            }
        }
        return new BreakerCounts(notClosed, probedCooldowns.size());
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

    /** Subscribes the receiver to every event type; returns the subscription's id. */
    private String subscribe(LocalRelay relay, Receiver receiver) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(relay.baseUri()
                .resolve("/api/v1/subscriptions"))
                .header("Content-Type", "application/json").header("x-admin-key", relay.keys().adminKey())
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + receiver.url()
                        + "\",\"eventTypes\":[\"*\"]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("subscribe answered " + response.statusCode() + ": " + response.body());
        }
        return Json.mapper().readTree(response.body()).findValue("subscriptionId").asText();
    }

    private static long pct(List<Long> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private enum Behaviour { HEALTHY, FAILING, SLOW, DOWN }

    /** A webhook receiver on loopback with one behaviour; records when each event's first request arrived. */
    private static final class Receiver implements AutoCloseable {
        final Map<String, Long> firstArrival = new ConcurrentHashMap<>();
        final AtomicInteger requests = new AtomicInteger();
        /** When each request arrived (wall clock, to compare with the breaker's retryAt). */
        final List<Instant> arrivals = new CopyOnWriteArrayList<>();
        private final HttpServer server;

        Receiver(Behaviour behaviour) throws IOException {
            Random random = new Random(behaviour.ordinal());
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", exchange -> {
                long arrived = System.nanoTime();
                arrivals.add(Instant.now());
                requests.incrementAndGet();
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                firstArrival.putIfAbsent(Json.mapper().readTree(body).get("id").asText(), arrived);
                int status = 204;
                int roll;
                synchronized (random) {
                    roll = random.nextInt(100);
                }
                if (behaviour == Behaviour.DOWN) {
                    status = 503;
                } else if (behaviour == Behaviour.SLOW) {
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
