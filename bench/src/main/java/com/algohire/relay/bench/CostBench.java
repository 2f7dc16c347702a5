package com.algohire.relay.bench;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.local.LocalRelay;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.AwsBackends;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code ./relay bench cost}: pushes N events through the local relay in each scenario (1 or 3 subscribers; a
 * small payload, one just under the inline limit ({@link EventIngestion#INLINE_PAYLOAD_LIMIT}) and a 300 KB one
 * stored in S3; with and without one 500 per delivery), counts every AWS
 * call the functions and Lambda's SQS pollers make ({@link CallCounter}), each handler invocation and its duration,
 * and the bytes the functions write to stdout (CloudWatch Logs ingestion), and prints them per event with the
 * us-east-1 list price of a million events ({@link Prices}).
 */
public final class CostBench {
    private static final int EVENTS = Integer.getInteger("bench.events", 200);
    private static final int LARGE_EVENTS = Integer.getInteger("bench.largeEvents", 50);
    private static final Duration QUIET = Duration.ofSeconds(3);

    record Scenario(String name, int subscribers, int payloadBytes, boolean retryOnce) {
    }

    private final PrintStream out;
    private final CountingStdout stdout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private CostBench(PrintStream out, CountingStdout stdout) {
        this.out = out;
        this.stdout = stdout;
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        CountingStdout counting = new CountingStdout(out);
        // The functions print to System.out as they are built: count from the start, show nothing of it.
        System.setOut(new PrintStream(counting, true, StandardCharsets.UTF_8));
        List<Scenario> scenarios = new ArrayList<>();
        // Small; just under the inline limit (the JSON around the filler keeps the payload below it); large (S3).
        for (int payload : new int[] {200, EventIngestion.INLINE_PAYLOAD_LIMIT, 300 * 1024}) {
            for (int subscribers : new int[] {1, 3}) {
                for (boolean retry : new boolean[] {false, true}) {
                    String size = payload < 1024 ? "small" : payload / 1024 + " KB"
                            + (payload > EventIngestion.INLINE_PAYLOAD_LIMIT ? " (S3)" : " inline");
                    scenarios.add(new Scenario(size + ", " + subscribers + " sub" + (retry ? ", one 500" : ""),
                            subscribers, payload, retry));
                }
            }
        }
        try (AwsBackend backend = AwsBackends.start()) {
            out.println("backend: " + backend.description() + "; cores: " + Runtime.getRuntime()
                    .availableProcessors() + ", java " + Runtime.version() + "; events per scenario: " + EVENTS
                    + " (" + LARGE_EVENTS + " for large payloads)");
            CostBench bench = new CostBench(out, counting);
            List<Result> results = new ArrayList<>();
            for (Scenario scenario : scenarios) {
                results.add(bench.run(backend, scenario));
            }
            Report.print(out, results);
        }
        System.exit(0);
    }

    /** What one scenario measured, per event. */
    record Result(Scenario scenario, int events, Map<String, CallCounter.Totals> calls,
                  Map<String, List<Long>> invocations, long logBytes, long logLines, long emfBytes) {
    }

    private Result run(AwsBackend backend, Scenario scenario) throws Exception {
        Map<String, CallCounter.Totals> totals = CallCounter.newTotals();
        Map<String, List<Long>> invocations = new ConcurrentHashMap<>();
        String prefix = "cost-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, RelaySchema.Table> tables = Map.of(
                prefix + "-" + RelaySchema.EVENTS.logicalName(), RelaySchema.EVENTS,
                prefix + "-" + RelaySchema.SUBSCRIPTIONS.logicalName(), RelaySchema.SUBSCRIPTIONS);
        AtomicInteger delivered = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> answer(exchange, scenario.retryOnce(), seen, delivered, refused));
        receiver.start();
        LongAdder counting = new LongAdder();
        try (var sideReads = LocalRelay.clients(backend).dynamoDb()) {
            var functions = new CallCounter("function", sideReads, tables, totals);
            var pollers = new CallCounter("event source", sideReads, tables, totals);
            LocalRelay.Options options = LocalRelay.Options.parse(new String[] {"--sweep-interval-seconds",
                    "86400"}, Map.of()).withPort(0).withResourcePrefix(prefix);
            LocalRelay relay = LocalRelay.start(options, backend, new LocalRelay.Instrumentation(List.of(functions),
                    List.of(pollers), (function, nanos) -> {
                        if (counting.sum() > 0) {
                            invocations.computeIfAbsent(function, f -> Collections.synchronizedList(
                                    new ArrayList<>())).add(nanos);
                        }
                    }));
            try {
                String type = "job.cost" + scenario.subscribers();
                for (int i = 0; i < scenario.subscribers(); i++) {
                    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/s" + i;
                    send(relay, "/api/v1/subscriptions", relay.keys().adminKey(), "x-admin-key",
                            "{\"url\":\"" + url + "\",\"eventTypes\":[\"" + type + "\"],\"description\":\"cost\"}",
                            201);
                }
                // Warm-up (class loading, JIT, connections) before anything is counted.
                int warm = 20;
                for (int i = 0; i < warm; i++) {
                    post(relay, type, scenario.payloadBytes());
                }
                awaitDeliveries(delivered, warm * scenario.subscribers());
                awaitQuiet(totals);
                totals.clear();
                invocations.clear();
                stdout.reset();
                counting.increment();
                int events = scenario.payloadBytes() > EventIngestion.INLINE_PAYLOAD_LIMIT ? LARGE_EVENTS : EVENTS;
                int start = delivered.get();
                for (int i = 0; i < events; i++) {
                    post(relay, type, scenario.payloadBytes());
                }
                awaitDeliveries(delivered, start + events * scenario.subscribers());
                awaitQuiet(totals);
                Map<String, CallCounter.Totals> counted = CallCounter.sorted(totals);
                long logBytes = stdout.bytes();
                long logLines = stdout.lines();
                long emfBytes = stdout.emfBytes();
                // The timing pass: the same events again, without the counter's side reads, for the durations.
                functions.itemImages(false);
                pollers.itemImages(false);
                invocations.clear();
                start = delivered.get();
                for (int i = 0; i < events; i++) {
                    post(relay, type, scenario.payloadBytes());
                }
                awaitDeliveries(delivered, start + events * scenario.subscribers());
                awaitQuiet(totals);
                return new Result(scenario, events, counted, new LinkedHashMap<>(invocations), logBytes, logLines,
                        emfBytes);
            } finally {
                relay.close();
            }
        } finally {
            receiver.stop(0);
        }
    }

    /** 2xx, or, with {@code retryOnce}, 500 the first time a subscriber sees a body (the retry carries the same). */
    private static void answer(HttpExchange exchange, boolean retryOnce, Set<String> seen, AtomicInteger delivered,
                               AtomicInteger refused) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestURI().getPath() + "|" + java.util.Arrays.hashCode(body) + "|"
                    + body.length;
            if (retryOnce && seen.add(id)) {
                refused.incrementAndGet();
                exchange.sendResponseHeaders(500, -1);
                return;
            }
            delivered.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
        }
    }

    private void awaitDeliveries(AtomicInteger delivered, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (delivered.get() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + delivered.get() + " of " + expected + " delivered");
            }
            Thread.sleep(50);
        }
    }

    /** Until no call has been counted for {@link #QUIET}: the last deletions and log writes are in. */
    private static void awaitQuiet(Map<String, CallCounter.Totals> totals) throws InterruptedException {
        long last = -1;
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < QUIET.toNanos()) {
            long now = totals.entrySet().stream().filter(e -> !e.getKey().contains("ReceiveMessage"))
                    .mapToLong(e -> e.getValue().calls.sum()).sum();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
            Thread.sleep(100);
        }
    }

    private void post(LocalRelay relay, String type, int payloadBytes) throws Exception {
        String filler = payloadBytes < 1024 ? "Senior Engineer" : "x".repeat(payloadBytes - 100);
        send(relay, "/api/v1/events", relay.keys().apiKey(), "x-api-key", "{\"eventType\":\"" + type
                + "\",\"payload\":{\"jobId\":\"job_123\",\"title\":\"" + filler + "\"}}", 202);
    }

    private void send(LocalRelay relay, String path, String key, String keyHeader, String body, int expected)
            throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(relay.baseUri().resolve(path))
                .header("Content-Type", "application/json").header(keyHeader, key)
                .header("x-idempotency-key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    /** Counts what the functions print (one line each: JSON log lines, EMF lines) and shows none of it. */
    static final class CountingStdout extends OutputStream {
        /** -Dbench.functionLog=FILE keeps the functions' lines there, to see what they did. */
        private static final PrintStream FUNCTION_LOG = functionLog();
        private final PrintStream passThrough;
        private final LongAdder bytes = new LongAdder();
        private final LongAdder lines = new LongAdder();
        private final LongAdder emfBytes = new LongAdder();
        private final ThreadLocal<java.io.ByteArrayOutputStream> line =
                ThreadLocal.withInitial(java.io.ByteArrayOutputStream::new);

        CountingStdout(PrintStream passThrough) {
            this.passThrough = passThrough;
        }

        @Override
        public void write(int b) {
            java.io.ByteArrayOutputStream current = line.get();
            if (b == '\n') {
                String text = current.toString(StandardCharsets.UTF_8);
                bytes.add(current.size() + 1L);
                lines.increment();
                if (text.contains("\"_aws\"")) {
                    emfBytes.add(current.size() + 1L);
                }
                if (!text.startsWith("{")) {
                    passThrough.println(text); // not a function's line: the local runtime's own notices
                } else if (FUNCTION_LOG != null) {
                    synchronized (this) {
                        FUNCTION_LOG.println(text);
                    }
                }
                current.reset();
            } else {
                current.write(b);
            }
        }

        private static PrintStream functionLog() {
            String file = System.getProperty("bench.functionLog");
            try {
                return file == null ? null : new PrintStream(new java.io.FileOutputStream(file), true,
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void reset() {
            bytes.reset();
            lines.reset();
            emfBytes.reset();
        }

        long bytes() {
            return bytes.sum();
        }

        long lines() {
            return lines.sum();
        }

        long emfBytes() {
            return emfBytes.sum();
        }
    }
}
