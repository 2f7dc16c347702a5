package com.algohire.relay.bench;

import com.algohire.relay.local.LocalRelay;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.AwsBackends;
import com.algohire.relay.localaws.WebhookReceiver;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the local relay end to end over loopback HTTP, each comparison side by side in one run, because this
 * machine is shared and noisy: small vs 1 MiB ingest latency, sequential vs concurrent ingest throughput, and a
 * delivery batch's wall time against the sum of its deliveries. Run with {@code ./relay bench}.
 */
public final class RelayBench {
    private static final int SEQUENTIAL = intArg("bench.sequential", 200);
    private static final int LARGE = intArg("bench.large", 10);
    private static final int THREADS = intArg("bench.threads", 8);
    private static final int RECEIVER_DELAY_MS = 200;
    private static final int BATCH = 10;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final LocalRelay relay;

    private RelayBench(LocalRelay relay) {
        this.relay = relay;
    }

    /**
     * {@code cold} runs {@link ColdStartBench}, {@code isolation} {@link IsolationBench}, {@code cost}
     * {@link CostBench}; no argument, this one.
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && "cold".equals(args[0])) {
            ColdStartBench.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && "cost".equals(args[0])) {
            CostBench.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && "isolation".equals(args[0])) {
            IsolationBench.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        try (AwsBackend backend = AwsBackends.start()) {
            LocalRelay relay = LocalRelay.start(LocalRelay.Options.defaults().withPort(0)
                    .withResourcePrefix("bench-" + UUID.randomUUID().toString().substring(0, 8)), backend);
            try {
                System.out.println("backend: " + backend.description());
                System.out.println("cores: " + Runtime.getRuntime().availableProcessors()
                        + ", java " + Runtime.version());
                new RelayBench(relay).run();
            } finally {
                relay.close();
            }
        }
        System.exit(0);
    }

    private void run() throws Exception {
        String small = "{\"eventType\":\"job.created\",\"payload\":{\"jobId\":\"job_123\",\"title\":\"Senior "
                + "Engineer\"}}";
        // Just under the 1 MiB limit, so the payload goes to S3 beside the item.
        String large = "{\"eventType\":\"job.created\",\"payload\":{\"blob\":\"" + "x".repeat(1_048_576 - 200) + "\"}}";

        post(small); // warm-up: class loading, connections, JIT
        for (int i = 0; i < 30; i++) {
            post(small);
        }
        post(large);

        List<Long> smallLatencies = new ArrayList<>();
        List<Long> largeLatencies = new ArrayList<>();
        // Interleave the two kinds so drift on the machine hits both alike.
        int perLarge = Math.max(1, SEQUENTIAL / LARGE);
        for (int i = 0; i < SEQUENTIAL; i++) {
            smallLatencies.add(post(small));
            if (i % perLarge == 0 && largeLatencies.size() < LARGE) {
                largeLatencies.add(post(large));
            }
        }
        long sequentialStart = System.nanoTime();
        for (int i = 0; i < SEQUENTIAL; i++) {
            post(small);
        }
        double sequentialRate = SEQUENTIAL / seconds(System.nanoTime() - sequentialStart);

        List<Long> concurrentLatencies = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long concurrentStart = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < SEQUENTIAL / THREADS; i++) {
                    concurrentLatencies.add(post(small));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double concurrentRate = (SEQUENTIAL / THREADS) * THREADS / seconds(System.nanoTime() - concurrentStart);
        pool.shutdown();

        System.out.println();
        System.out.println("| ingest (POST /api/v1/events, loopback, local backends) | n | p50 ms | p95 ms | p99 ms |");
        System.out.println("|---|---|---|---|---|");
        row("small payload, sequential", smallLatencies);
        row("1 MiB payload (S3 path), sequential", largeLatencies);
        row("small payload, " + THREADS + " concurrent clients", concurrentLatencies);
        System.out.printf("%nlarge/small p50 ratio: %.1fx%n", (double) pct(largeLatencies, 50) / pct(smallLatencies,
                50));
        System.out.printf("throughput: sequential %.0f req/s, %d clients %.0f req/s (%.1fx)%n",
                sequentialRate, THREADS, concurrentRate, concurrentRate / sequentialRate);

        deliveryBatch();
    }

    /** One event to ten subscribers whose receiver takes 200 ms: a batch's deliveries overlap at the receiver. */
    private void deliveryBatch() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastEnd = new AtomicLong();
        CountDownLatch received = new CountDownLatch(BATCH);
        // The answer function holds each request for the receiver's delay itself, so that it sees it end too.
        WebhookReceiver receiver = new WebhookReceiver(n -> {
            firstStart.accumulateAndGet(System.nanoTime(), Math::min);
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(RECEIVER_DELAY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
            received.countDown();
            return WebhookReceiver.Answer.status(204);
        });
        try {
            // One event, ten subscribers: fan-out queues the ten tasks in one SendMessageBatch, so they reach the
            // delivery handler as one SQS batch, as they would on Lambda.
            for (int i = 0; i < BATCH; i++) {
                String hook = receiver.url() + "/" + i;
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(relay.baseUri()
                        .resolve("/api/v1/subscriptions"))
                        .header("Content-Type", "application/json").header("x-admin-key", relay.keys().adminKey())
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"url\":\"" + hook
                                        + "\",\"eventTypes\":[\"interview.*\"],\"description\":\"bench\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (created.statusCode() != 201) {
                    throw new IllegalStateException("subscription not created: " + created.statusCode() + " "
                            + created.body());
                }
            }
            post("{\"eventType\":\"interview.scheduled\",\"payload\":{\"interviewId\":\"int_1\"}}");
            if (!received.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("only " + (BATCH - received.getCount()) + " of " + BATCH
                        + " delivered");
            }
            double wallMs = (lastEnd.get() - firstStart.get()) / 1e6;
            System.out.println();
            System.out.printf("delivery: 1 event to %d subscribers, receiver takes %d ms: first start to last end "
                    + "%.0f ms, "
                            + "sum of deliveries %d ms (%.1fx faster), peak concurrent at receiver %d%n",
                    BATCH, RECEIVER_DELAY_MS, wallMs, BATCH * RECEIVER_DELAY_MS, BATCH * RECEIVER_DELAY_MS / wallMs,
                    peak.get());
        } finally {
            receiver.close();
        }
    }

    private long post(String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(relay.baseUri().resolve("/api/v1/events"))
                .header("Content-Type", "application/json")
                .header("x-idempotency-key", UUID.randomUUID().toString())
                .header("x-api-key", relay.keys().apiKey())
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long elapsed = System.nanoTime() - start;
        if (response.statusCode() != 202) {
            throw new IllegalStateException("POST answered " + response.statusCode() + ": " + response.body());
        }
        return elapsed;
    }

    private static void row(String name, List<Long> nanos) {
        System.out.printf("| %s | %d | %.1f | %.1f | %.1f |%n", name, nanos.size(),
                pct(nanos, 50) / 1e6, pct(nanos, 95) / 1e6, pct(nanos, 99) / 1e6);
    }

    private static long pct(List<Long> values, int percentile) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static int intArg(String name, int fallback) {
        return Integer.getInteger(name, fallback);
    }
}
