package com.algohire.relay.bench;

import com.algohire.relay.api.IngestApiHandler;
import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.ResourceProvisioner;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Json;
import com.algohire.relay.local.LocalRelay;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.AwsBackends;
import com.algohire.relay.localaws.WebhookReceiver;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The functions' cold starts ({@code ./relay bench cold}, issue 10): fresh JVMs, interleaved round by round, each
 * running {@link HandlerProbe} for one variant: the no-op JVM floor, the plain program, and the ingest, delivery and
 * management handlers unprimed and primed (priming run in init, as SnapStart's beforeCheckpoint runs it before the
 * snapshot). Reports init, first-request and warm-request milliseconds (medians), their ratios, and the classes
 * loaded ({@code -Xlog:class+load}) in all and by the first request, grouped by library.
 */
final class HandlerBench {
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 7);
    private static final List<String> VARIANTS = List.of("noop", "plain", "ingest", "ingest primed", "delivery",
            "delivery primed", "management", "management primed");
    private static final Pattern RESULT = Pattern.compile("RESULT main=(\\d+) init=(\\d+) first=(\\d+) warm=(\\d+)");
    private static final List<String> GROUPS = List.of("AWS SDK", "Jackson", "Apache HttpClient", "relay",
            "Lambda events", "JDK", "lambdas/method handles", "other");

    /** Where to write each variant's first-request class list (the last round's), for a closer look; unset: none. */
    private static final String DUMP_DIR = System.getProperty("bench.dumpClasses");
    /**
     * How long a primed probe waits between priming and its first request: longer than the JDK's keep-alive cache
     * keeps an idle connection (5 s), so that the first request opens its connections anew, as after a restore.
     */
    static final long RESTORE_GAP_MS = Long.getLong("bench.restoreGapMs", 6000);

    private HandlerBench() {
    }

    static void run(String classpath) throws Exception {
        try (AwsBackend backend = AwsBackends.start();
             WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            AwsClients clients = LocalRelay.clients(backend);
            ResourceProvisioner provisioner = new ResourceProvisioner(clients.dynamoDb(), clients.s3(), clients.sqs());
            String suffix = UUID.randomUUID().toString().substring(0, 8);
            Map<String, String> ingestEnv = environment(backend, provisioner.provision("cold-i-" + suffix), receiver);
            ResourceProvisioner.Resources delivery = provisioner.provision("cold-d-" + suffix);
            Map<String, String> deliveryEnv = environment(backend, delivery, receiver);
            String task = deliverTask(RelayConfig.fromEnvironment(deliveryEnv), clients, receiver);

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Map<String, List<long[]>> results = new LinkedHashMap<>();
            Map<String, List<Map<String, Long>>> groups = new LinkedHashMap<>();
            VARIANTS.forEach(v -> {
                results.put(v, new ArrayList<>());
                groups.put(v, new ArrayList<>());
            });
            for (int round = 0; round < ROUNDS; round++) {
                for (String variant : VARIANTS) {
                    String kind = variant.split(" ")[0];
                    boolean primed = variant.endsWith("primed");
                    File classLog = new File(System.getProperty("java.io.tmpdir"), "cold-classes-" + UUID.randomUUID()
                            + ".log");
                    List<String> command = new ArrayList<>(List.of(java, "-XX:+TieredCompilation",
                            "-XX:TieredStopAtLevel=1", "-Xlog:class+load=info:file=" + classLog.getPath(), "-cp",
                            classpath, "-Dbench.restoreGapMs=" + RESTORE_GAP_MS, HandlerProbe.class.getName(), kind,
                            Boolean.toString(primed)));
                    Map<String, String> env = "delivery".equals(kind) || "management".equals(kind) ? deliveryEnv
                            : ingestEnv;
                    if ("delivery".equals(kind)) {
                        command.addAll(List.of("-", task, delivery.deliveryQueue().queueArn()));
                    } else if ("plain".equals(kind)) {
                        command.addAll(List.of(backend.dynamoDbEndpoint().toString(), env.get(EnvVars.EVENTS_TABLE),
                                backend.sqsEndpoint().toString(), env.get(EnvVars.DELIVERY_QUEUE_URL)));
                    }
                    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
                    builder.environment().putAll(env);
                    Process probe = builder.start();
                    String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (!probe.waitFor(120, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                        throw new IllegalStateException(variant + " probe failed: " + output);
                    }
                    Matcher m = RESULT.matcher(output);
                    if (!m.find()) {
                        throw new IllegalStateException(variant + " probe printed no result: " + output);
                    }
                    List<String> lines = Files.readAllLines(classLog.toPath());
                    classLog.delete();
                    List<String> firstRequest = between(lines, "HandlerProbe$BeforeFirst", "HandlerProbe$AfterFirst");
                    long init = Long.parseLong(m.group(2));
                    long first = Long.parseLong(m.group(3));
                    results.get(variant).add(new long[] {Long.parseLong(m.group(1)), init, first,
                            Long.parseLong(m.group(4)), init + first, lines.size(), firstRequest.size()});
                    groups.get(variant).add(byGroup(firstRequest));
                    if (DUMP_DIR != null) {
                        Files.write(Path.of(DUMP_DIR, "first-request-" + variant.replace(' ', '-') + ".txt"),
                                firstRequest);
                    }
                }
            }
            print(results, groups);
        }
    }

    /** The functions' environment as the stack sets it, pointed at the local backends. */
    private static Map<String, String> environment(AwsBackend backend, ResourceProvisioner.Resources r,
                                                   WebhookReceiver receiver) {
        Map<String, String> env = new HashMap<>();
        env.put(EnvVars.EVENTS_TABLE, r.eventsTable());
        env.put(EnvVars.SUBSCRIPTIONS_TABLE, r.subscriptionsTable());
        env.put(EnvVars.PAYLOAD_BUCKET, r.payloadBucket());
        env.put(EnvVars.DELIVERY_QUEUE_URL, r.deliveryQueue().queueUrl());
        env.put(EnvVars.DELIVERY_DLQ_URL, r.deliveryQueue().dlqUrl());
        env.put(EnvVars.DELIVERY_SLOW_QUEUE_URL, r.deliverySlowQueue().queueUrl());
        env.put(EnvVars.SSRF_ALLOWLIST, "127.0.0.1:" + receiver.port());
        env.put(EnvVars.AWS_REGION, backend.region().id());
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put(EnvVars.AWS_ENDPOINT_URL + "_DYNAMODB", backend.dynamoDbEndpoint().toString());
        env.put(EnvVars.AWS_ENDPOINT_URL + "_S3", backend.s3Endpoint().toString());
        env.put(EnvVars.AWS_ENDPOINT_URL + "_SQS", backend.sqsEndpoint().toString());
        // CloudWatch (the management function's statistics) goes where SNS does: moto_server, as locally.
        env.put(EnvVars.AWS_ENDPOINT_URL + "_SNS", backend.dynamoDbEndpoint().toString());
        return env;
    }

    /** A subscription to the receiver and one stored event, through the handlers; the DELIVER task for both. */
    private static String deliverTask(RelayConfig config, AwsClients clients, WebhookReceiver receiver)
            throws Exception {
        APIGatewayProxyResponseEvent created = new ManagementApiHandler(config, clients).handleRequest(
                new APIGatewayProxyRequestEvent().withHttpMethod("POST").withPath("/api/v1/subscriptions")
                        .withHeaders(Map.of("Content-Type", "application/json"))
                        .withBody("{\"url\":\"" + receiver.url() + "\",\"eventTypes\":[\"job.*\"]}"), null);
        String subscriptionId = Json.mapper().readTree(created.getBody()).path("subscription")
                .path("subscriptionId").asText();
        APIGatewayProxyResponseEvent accepted = new IngestApiHandler(config, clients).handleRequest(
                new APIGatewayProxyRequestEvent().withHttpMethod("POST").withPath("/api/v1/events")
                        .withHeaders(Map.of("Content-Type", "application/json", "x-idempotency-key", "cold-event"))
                        .withBody("{\"eventType\":\"job.created\",\"payload\":{\"jobId\":\"job-123\"}}"), null);
        String eventId = Json.mapper().readTree(accepted.getBody()).path("eventId").asText();
        if (subscriptionId.isEmpty() || eventId.isEmpty()) {
            throw new IllegalStateException("setup failed: " + created.getBody() + " " + accepted.getBody());
        }
        return TaskQueue.toJson(DeliveryTask.deliver(eventId, "job.created", subscriptionId,
                WebhookIds.of(eventId, subscriptionId)));
    }

    /** The class names loaded between the two marker classes. */
    private static List<String> between(List<String> lines, String from, String to) {
        List<String> names = new ArrayList<>();
        boolean inside = false;
        for (String line : lines) {
            String name = className(line);
            if (name == null) {
                continue;
            }
            if (name.endsWith(from)) {
                inside = true;
            } else if (name.endsWith(to)) {
                return names;
            } else if (inside) {
                names.add(name);
            }
        }
        return names;
    }

    /** {@code [0.123s][info][class,load] java.lang.Object source: ...} to {@code java.lang.Object}. */
    private static String className(String line) {
        int start = line.indexOf("] ");
        int end = line.indexOf(" source:");
        return start < 0 || end < start ? null : line.substring(line.lastIndexOf("] ", end) + 2, end);
    }

    private static Map<String, Long> byGroup(List<String> classes) {
        Map<String, Long> counts = new TreeMap<>();
        GROUPS.forEach(g -> counts.put(g, 0L));
        classes.forEach(c -> counts.merge(group(c), 1L, Long::sum));
        return counts;
    }

    private static String group(String name) {
        if (name.contains("$$Lambda") || name.contains("LambdaForm$") || name.contains("$Species_")
                || name.startsWith("java.lang.invoke.")) {
            return "lambdas/method handles";
        }
        if (name.startsWith("software.amazon.awssdk.")) {
            return "AWS SDK";
        }
        if (name.startsWith("com.fasterxml.jackson.")) {
            return "Jackson";
        }
        if (name.startsWith("org.apache.hc.")) {
            return "Apache HttpClient";
        }
        if (name.startsWith("com.algohire.")) {
            return "relay";
        }
        if (name.startsWith("com.amazonaws.")) {
            return "Lambda events";
        }
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || name.startsWith("sun.") || name.startsWith("com.sun.")) {
            return "JDK";
        }
        return "other";
    }

    private static void print(Map<String, List<long[]>> results, Map<String, List<Map<String, Long>>> groups) {
        System.out.println("Functions' cold start: " + ROUNDS + " fresh JVMs per variant, interleaved, C1 only (as "
                + "Lambda's java21 runtime), java " + Runtime.version() + ", " + Runtime.getRuntime()
                .availableProcessors() + " cores; medians. init = ms from JVM start until the handler is built (and "
                + "primed); first/warm = one request's ms (warm: median of " + HandlerProbe.WARM + " after the first)");
        System.out.println();
        System.out.println("| variant | init ms | first request ms | warm request ms | first / warm | init + first ms "
                + "| init + first vs plain | classes loaded | by the first request |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        long plain = ColdStartBench.median(results.get("plain"), 4);
        for (String variant : VARIANTS) {
            List<long[]> r = results.get(variant);
            long first = ColdStartBench.median(r, 2);
            long warm = ColdStartBench.median(r, 3);
            String ratio = "noop".equals(variant) ? "-" : String.format("%.1fx", (double) first / Math.max(1, warm));
            System.out.printf("| %s | %d | %d | %d | %s | %d | %.2fx | %d | %d |%n", variant,
                    ColdStartBench.median(r, 1), first, warm, ratio, ColdStartBench.median(r, 4),
                    (double) ColdStartBench.median(r, 4) / plain, ColdStartBench.median(r, 5),
                    ColdStartBench.median(r, 6));
        }
        System.out.println();
        System.out.println("Classes the first request loaded, by library (medians):");
        System.out.println();
        System.out.println("| variant | " + String.join(" | ", GROUPS) + " |");
        System.out.println("|---|" + "---|".repeat(GROUPS.size()));
        for (String variant : VARIANTS) {
            if ("noop".equals(variant)) {
                continue;
            }
            List<Map<String, Long>> samples = groups.get(variant);
            List<String> cells = new ArrayList<>();
            for (String group : GROUPS) {
                List<long[]> values = samples.stream().map(m -> new long[] {m.get(group)}).toList();
                cells.add(Long.toString(ColdStartBench.median(values, 0)));
            }
            System.out.println("| " + variant + " | " + String.join(" | ", cells) + " |");
        }
    }
}
