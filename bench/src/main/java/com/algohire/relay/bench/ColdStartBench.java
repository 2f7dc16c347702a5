package com.algohire.relay.bench;

import com.algohire.relay.config.ResourceProvisioner;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.local.LocalRelay;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.AwsBackends;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares the cold start of the SDK's HTTP clients (STYLE.md: measure CRT against URLConnection): for each
 * client, fresh JVMs run {@link ColdStartProbe} against the local backends, interleaved round by round so that
 * machine noise hits every client alike. Run with {@code ./relay bench cold}.
 */
public final class ColdStartBench {
    private static final List<String> CLIENTS = List.of("urlconnection", "apache", "crt");
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 7);
    private static final Pattern RESULT = Pattern.compile("built=(\\d+) firstCalls=(\\d+)");

    private ColdStartBench() {
    }

    /**
     * {@code cold}: the HTTP clients' table, then the functions' ({@link HandlerBench}); {@code cold clients} or
     * {@code cold handlers}: one of them; {@code cold emf}: the EMF writers'.
     */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "all";
        if ("emf".equals(mode)) {
            emf();
            System.exit(0);
        }
        if (!"handlers".equals(mode)) {
            clients();
        }
        if (!"clients".equals(mode)) {
            HandlerBench.run(classpath());
        }
        System.exit(0);
    }

    private static void clients() throws Exception {
        try (AwsBackend backend = AwsBackends.start()) {
            AwsClients clients = LocalRelay.clients(backend);
            ResourceProvisioner.Resources resources = new ResourceProvisioner(clients.dynamoDb(), clients.s3(),
                    clients.sqs()).provision("cold-" + UUID.randomUUID().toString().substring(0, 8));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = classpath();
            Map<String, List<long[]>> results = new LinkedHashMap<>();
            CLIENTS.forEach(c -> results.put(c, new ArrayList<>()));
            for (int round = 0; round < ROUNDS; round++) {
                for (String client : CLIENTS) {
                    Process probe = new ProcessBuilder(java, "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                            "-cp", classpath, ColdStartProbe.class.getName(), client,
                            backend.dynamoDbEndpoint().toString(), resources.eventsTable(),
                            backend.sqsEndpoint().toString(), resources.deliveryQueue().queueUrl())
                            .redirectErrorStream(true).start();
                    String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (!probe.waitFor(60, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                        throw new IllegalStateException(client + " probe failed: " + output);
                    }
                    Matcher m = RESULT.matcher(output);
                    if (!m.find()) {
                        throw new IllegalStateException(client + " probe printed no result: " + output);
                    }
                    results.get(client).add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
                }
            }
            System.out.println("backend: " + backend.description() + "; " + ROUNDS + " fresh JVMs per client, "
                    + "JVM flags as Lambda's java21 runtime sets them by default (C1 only)");
            System.out.println();
            System.out.println("| HTTP client | clients built, median ms since JVM start "
                    + "| first DynamoDB + SQS call done, median ms | vs urlconnection |");
            System.out.println("|---|---|---|---|");
            long base = median(results.get("urlconnection"), 1);
            for (String client : CLIENTS) {
                long done = median(results.get(client), 1);
                System.out.printf("| %s | %d | %d | %.2fx |%n", client, median(results.get(client), 0), done,
                        (double) done / base);
            }
            System.out.println();
        }
    }

    private static final List<String> EMF_WRITERS = List.of("none", "hand", "powertools");
    private static final Pattern EMF_RESULT = Pattern.compile("ready=(\\d+) firstLine=(\\d+)");

    /**
     * The EMF writers compared ({@code ./relay bench cold emf}): fresh JVMs per writer, interleaved, each running
     * {@link EmfProbe}; the classes it loaded counted from {@code -Xlog:class+load}. "none" is the baseline: the
     * same JVM and Jackson, no metrics.
     */
    private static void emf() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = classpath();
        Map<String, List<long[]>> results = new LinkedHashMap<>();
        EMF_WRITERS.forEach(w -> results.put(w, new ArrayList<>()));
        for (int round = 0; round < ROUNDS; round++) {
            for (String writer : EMF_WRITERS) {
                // A name not yet taken: the JVM would rename an existing file to .0 and start a new one.
                File classLog = new File(System.getProperty("java.io.tmpdir"), "emf-classes-" + UUID.randomUUID()
                        + ".log");
                ProcessBuilder builder = new ProcessBuilder(java, "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                        "-Xlog:class+load=info:file=" + classLog.getPath(), "-cp", classpath,
                        EmfProbe.class.getName(), writer).redirectErrorStream(true);
                // As in Lambda: the EMF library detects its environment by this variable and then writes to stdout.
                builder.environment().put("AWS_LAMBDA_FUNCTION_NAME", "emf-bench");
                Process probe = builder.start();
                String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!probe.waitFor(60, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                    throw new IllegalStateException(writer + " probe failed: " + output);
                }
                Matcher m = EMF_RESULT.matcher(output);
                if (!m.find() || (!"none".equals(writer) && !output.contains("\"CloudWatchMetrics\""))) {
                    throw new IllegalStateException(writer + " probe printed no EMF line and result: " + output);
                }
                long classes;
                try (var lines = Files.lines(classLog.toPath())) {
                    classes = lines.count();
                }
                classLog.delete();
                results.get(writer).add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                        Long.parseLong(m.group(2)) - Long.parseLong(m.group(1)), classes});
            }
        }
        System.out.println(ROUNDS + " fresh JVMs per writer, interleaved, C1 only (as Lambda's java21 runtime); "
                + "java " + Runtime.version());
        System.out.println();
        System.out.println("| EMF writer | first line out, median ms since JVM start | emitting it (Jackson already "
                + "loaded), median ms | classes loaded, median | extra classes vs none |");
        System.out.println("|---|---|---|---|---|");
        long baseClasses = median(results.get("none"), 3);
        for (String writer : EMF_WRITERS) {
            System.out.printf("| %s | %d | %d | %d | %d |%n", writer, median(results.get(writer), 1),
                    median(results.get(writer), 2), median(results.get(writer), 3),
                    median(results.get(writer), 3) - baseClasses);
        }
    }

    /** The bench module's runtime classpath, as exec:java loaded it. */
    static String classpath() {
        ClassLoader loader = ColdStartBench.class.getClassLoader();
        List<String> entries = new ArrayList<>();
        if (loader instanceof URLClassLoader urls) {
            for (URL url : urls.getURLs()) {
                entries.add(new File(url.getPath()).getPath());
            }
        }
        return entries.isEmpty() ? System.getProperty("java.class.path")
                : String.join(File.pathSeparator, entries.stream().map(ColdStartBench::thisCheckout).toList());
    }

    /**
     * Our own modules from this checkout's build output rather than from the local Maven repository, where any other
     * checkout on the machine may have installed different code under the same version since this one built.
     */
    private static String thisCheckout(String entry) {
        String root = System.getProperty("maven.multiModuleProjectDirectory");
        Matcher m = Pattern.compile(".*/com/algohire/relay/([a-z-]+)/[^/]+/[^/]+\\.jar").matcher(entry);
        if (root == null || !m.matches()) {
            return entry;
        }
        File classes = new File(new File(new File(root, m.group(1)), "target"), "classes");
        return classes.isDirectory() ? classes.getPath() : entry;
    }

    static long median(List<long[]> samples, int index) {
        List<Long> values = new ArrayList<>();
        samples.forEach(s -> values.add(s[index]));
        Collections.sort(values);
        return values.get(values.size() / 2);
    }
}
