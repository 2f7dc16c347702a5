package com.algohire.relay.local;

import com.algohire.relay.api.IngestApiHandler;
import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.ApiRoutes;
import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.config.ResourceProvisioner;
import com.algohire.relay.delivery.DeliveryHandler;
import com.algohire.relay.ingest.SweeperHandler;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.local.ApiGatewayEmulator.Keys;
import com.algohire.relay.local.ApiGatewayEmulator.Route;
import com.algohire.relay.local.console.ConsoleHandler;
import com.algohire.relay.local.console.LocalForwarder;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.AwsBackends;
import com.algohire.relay.metrics.CloudWatchEmfSink;
import com.algohire.relay.metrics.EmfSink;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The whole relay on one machine with no AWS account: local AWS backends, the resources the stack defines, the
 * deployed handler classes behind an API Gateway emulation, the sweeper on its schedule, and the two delivery
 * lanes' event sources, polled with the stack's settings ({@link RelaySchema#DELIVERY_SOURCE},
 * {@link RelaySchema#DELIVERY_SLOW_SOURCE}). There is no notification topic: a subscription's state change is the
 * delivery or management function's log line. {@code ./relay local} runs {@link #main}.
 */
public final class LocalRelay implements AutoCloseable {
    /** API Gateway's integration timeout bounds the API functions. */
    static final Duration API_FUNCTION_TIMEOUT = Duration.ofSeconds(29);
    static final Duration SWEEPER_FUNCTION_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DELIVERY_FUNCTION_TIMEOUT = Duration.ofSeconds(RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS);

    /**
     * What can be set from the command line or the environment.
     *
     * @param host           interface to listen on; loopback unless asked otherwise, the keys are well known
     * @param port           0 picks a free port
     * @param sweepInterval  how often the sweeper runs (the stack's schedule is every minute)
     * @param keys           the local ingest API key and management key
     * @param resourcePrefix names of tables, bucket and queues are this plus the schema's logical names
     * @param ssrfAllowlist  hosts a local relay may deliver to although the SSRF guard would refuse them
     * @param deliveryMaxConcurrency     the main lane's pollers (the stack's deliveryMaxConcurrency)
     * @param deliverySlowMaxConcurrency the slow lane's pollers (the stack's deliverySlowMaxConcurrency)
     */
    public record Options(String host, int port, Duration sweepInterval, Keys keys, String resourcePrefix,
                          String ssrfAllowlist, int deliveryMaxConcurrency, int deliverySlowMaxConcurrency) {
        public static final String USAGE = """
                usage: ./relay local [--port N] [--host ADDRESS] [--sweep-interval-seconds N]
                                     [--delivery-max-concurrency N] [--delivery-slow-max-concurrency N]
                  --port N                    HTTP port (default 3000, env PORT; 0 picks a free one)
                  --host ADDRESS              interface to bind (default 127.0.0.1, env RELAY_LOCAL_HOST), and
                                              the one Host besides the loopback names the routes answer
                  --sweep-interval-seconds N  sweeper period (default 60, env SWEEP_INTERVAL_SECONDS)
                  --delivery-max-concurrency N       main delivery lane's pollers, as the stack's context setting
                                                     (default %d, env RELAY_LOCAL_DELIVERY_MAX_CONCURRENCY)
                  --delivery-slow-max-concurrency N  slow lane's pollers (default %d,
                                                     env RELAY_LOCAL_DELIVERY_SLOW_MAX_CONCURRENCY)
                env RELAY_LOCAL_API_KEY / RELAY_LOCAL_ADMIN_KEY set the local keys; SSRF_ALLOWLIST the hosts
                webhooks may go to despite the SSRF guard (default localhost,127.0.0.1);
                RELAY_BACKEND=embedded|localstack|endpoint and AWS_ENDPOINT_URL choose the AWS backend.""".formatted(
                RelaySchema.DELIVERY_SOURCE.defaultMaxConcurrency(),
                RelaySchema.DELIVERY_SLOW_SOURCE.defaultMaxConcurrency());

        public static Options defaults() {
            return parse(new String[0], Map.of());
        }

        /** Flags win over the environment, which wins over the defaults. */
        public static Options parse(String[] args, Map<String, String> env) {
            String host = env.getOrDefault("RELAY_LOCAL_HOST", "127.0.0.1");
            String port = env.getOrDefault("PORT", "3000");
            String sweep = env.getOrDefault("SWEEP_INTERVAL_SECONDS", "60");
            String mainConcurrency = env.getOrDefault("RELAY_LOCAL_DELIVERY_MAX_CONCURRENCY",
                    Integer.toString(RelaySchema.DELIVERY_SOURCE.defaultMaxConcurrency()));
            String slowConcurrency = env.getOrDefault("RELAY_LOCAL_DELIVERY_SLOW_MAX_CONCURRENCY",
                    Integer.toString(RelaySchema.DELIVERY_SLOW_SOURCE.defaultMaxConcurrency()));
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.isBlank()) {
                    continue;
                }
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1)
                        : (i + 1 < args.length ? args[++i] : null);
                if (value == null) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                switch (name) {
                    case "--port" -> port = value;
                    case "--host" -> host = value;
                    case "--sweep-interval-seconds" -> sweep = value;
                    case "--delivery-max-concurrency" -> mainConcurrency = value;
                    case "--delivery-slow-max-concurrency" -> slowConcurrency = value;
                    default -> throw new IllegalArgumentException("unknown option: " + name);
                }
            }
            return new Options(host, number("--port", port, 0, 65_535),
                    Duration.ofSeconds(number("--sweep-interval-seconds", sweep, 1, 86_400)),
                    new Keys(env.getOrDefault("RELAY_LOCAL_API_KEY", "local-ingest-key"),
                            env.getOrDefault("RELAY_LOCAL_ADMIN_KEY", "local-admin-key")),
                    env.getOrDefault("RELAY_LOCAL_PREFIX", "relay-local"),
                    env.getOrDefault(EnvVars.SSRF_ALLOWLIST, "localhost,127.0.0.1"),
                    // 1 is allowed here (Lambda's smallest is 2): one poller is a useful local setting.
                    number("--delivery-max-concurrency", mainConcurrency, 1, 1000),
                    number("--delivery-slow-max-concurrency", slowConcurrency, 1, 1000));
        }

        private static int number(String name, String raw, int min, int max) {
            try {
                int value = Integer.parseInt(raw.trim());
                if (value < min || value > max) {
                    throw new NumberFormatException();
                }
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a number from " + min + " to " + max + ", was: "
                        + raw);
            }
        }

        public Options withPort(int newPort) {
            return new Options(host, newPort, sweepInterval, keys, resourcePrefix, ssrfAllowlist,
                    deliveryMaxConcurrency, deliverySlowMaxConcurrency);
        }

        public Options withResourcePrefix(String prefix) {
            return new Options(host, port, sweepInterval, keys, prefix, ssrfAllowlist, deliveryMaxConcurrency,
                    deliverySlowMaxConcurrency);
        }

        /**
         * The two lanes' pollers, as a deploy's -c deliveryMaxConcurrency / deliverySlowMaxConcurrency. A slow lane
         * of 0 means none: every delivery on the main queue (what the isolation bench compares the slow lane with).
         */
        public Options withDeliveryConcurrency(int main, int slow) {
            return new Options(host, port, sweepInterval, keys, resourcePrefix, ssrfAllowlist, main, slow);
        }
    }

    /**
     * One delivery lane's event source as this relay runs it.
     *
     * @param name     "main" or "slow"
     * @param queueArn what the lane's records carry as {@code eventSourceARN}
     */
    public record Lane(String name, String queueUrl, String queueArn, SqsEventSourcePoller.Settings settings) {
        /** What Lambda would run for this lane: the same source settings, {@code maxConcurrency} pollers. */
        static Lane of(String name, ResourceProvisioner.QueuePair queue, RelaySchema.EventSource source,
                       int maxConcurrency) {
            return new Lane(name, queue.queueUrl(), queue.queueArn(),
                    SqsEventSourcePoller.Settings.forSource(source, maxConcurrency, DELIVERY_FUNCTION_TIMEOUT));
        }
    }

    /**
     * What the cost bench attaches to a relay ({@link #NONE} for {@code ./relay local}): SDK interceptors on the
     * functions' clients and, apart, on the event sources' pollers (which are Lambda's, not the functions', calls on
     * AWS), and a listener told each handler invocation's duration.
     */
    public record Instrumentation(List<ExecutionInterceptor> functionInterceptors,
                                  List<ExecutionInterceptor> eventSourceInterceptors, InvocationListener invocations) {
        public static final Instrumentation NONE = new Instrumentation(List.of(), List.of(), (function, nanos) -> {
        });
    }

    /** Told, after each handler invocation, which function ran and for how long. */
    @FunctionalInterface
    public interface InvocationListener {
        void invoked(String function, long nanos);
    }

    private final Options options;
    private final AwsBackend backend;
    private final ResourceProvisioner.Resources resources;
    private final ApiGatewayEmulator api;
    private final List<AutoCloseable> workers;
    private final RelayConfig config;
    private final List<Lane> lanes;

    private LocalRelay(Options options, AwsBackend backend, ResourceProvisioner.Resources resources,
                       ApiGatewayEmulator api, List<AutoCloseable> workers, RelayConfig config, List<Lane> lanes) {
        this.options = options;
        this.backend = backend;
        this.resources = resources;
        this.api = api;
        this.workers = workers;
        this.config = config;
        this.lanes = lanes;
    }

    /** The functions' SDK client factory pointed at a local backend's per-service endpoints. */
    public static AwsClients clients(AwsBackend backend) {
        return new AwsClients(backend.region(), backend.credentials(),
                backend.sqsEndpoint(), backend.dynamoDbEndpoint(), backend.s3Endpoint());
    }

    /** Provisions the resources on {@code backend} and starts serving; the backend stays the caller's to close. */
    public static LocalRelay start(Options options, AwsBackend backend) {
        return start(options, backend, Map.of(), Instrumentation.NONE);
    }

    /** As {@link #start(Options, AwsBackend)}, with the bench's interceptors and invocation listener. */
    public static LocalRelay start(Options options, AwsBackend backend, Instrumentation instrumentation) {
        return start(options, backend, Map.of(), instrumentation);
    }

    /**
     * The same, with functions' tunables set over this process's environment (e.g. a short RETRY_SCHEDULE_SECONDS,
     * so that a test sees retries and the DLQ in seconds).
     */
    static LocalRelay start(Options options, AwsBackend backend, Map<String, String> tunables) {
        return start(options, backend, tunables, Instrumentation.NONE);
    }

    private static LocalRelay start(Options options, AwsBackend backend, Map<String, String> tunables,
                                    Instrumentation instrumentation) {
        AwsClients plain = clients(backend);
        AwsClients clients = plain.withInterceptors(instrumentation.functionInterceptors());
        ResourceProvisioner.Resources resources;
        try (var dynamoDb = plain.dynamoDb(); var s3 = plain.s3(); var sqs = plain.sqs()) {
            resources = new ResourceProvisioner(dynamoDb, s3, sqs).provision(options.resourcePrefix());
        }
        Map<String, String> environment = environment(options, backend, resources);
        environment.putAll(tunables);
        RelayConfig config = RelayConfig.fromEnvironment(environment);
        List<Lane> lanes = lanes(options, resources);

        List<AutoCloseable> workers = new ArrayList<>();
        ApiGatewayEmulator api = null;
        try {
            // Workers first: a request accepted by the API should find its consumer already polling.
            var pollerSqs = plain.withInterceptors(instrumentation.eventSourceInterceptors()).sqs();
            workers.add(pollerSqs);
            // One function, two event sources, as in the stack: the same handler serves both lanes and tells
            // them apart by each record's eventSourceARN.
            // CloudWatch Logs' EMF extraction does not exist here: the functions' metric lines are also stored in
            // the backend's CloudWatch, where GET /api/v1/stats reads them as it does on AWS.
            var cloudWatch = plain.cloudWatch(); // not a call the functions make on AWS: never counted
            workers.add(cloudWatch);
            EmfSink metrics = new CloudWatchEmfSink(cloudWatch, EmfSink.stdout());
            var deliveryHandler = timed("delivery", new DeliveryHandler(config, clients, metrics),
                    instrumentation.invocations());
            for (Lane lane : lanes) {
                SqsEventSourcePoller poller = new SqsEventSourcePoller(pollerSqs, lane.queueUrl(), lane.queueArn(),
                        backend.region().id(), "delivery", deliveryHandler, lane.settings());
                workers.add(poller);
                poller.start();
            }
            workers.add(SweeperSchedule.start(timed("sweeper", new SweeperHandler(config, clients, metrics),
                            instrumentation.invocations()), "sweeper",
                    backend.region().id(), options.sweepInterval(), SWEEPER_FUNCTION_TIMEOUT));
            api = ApiGatewayEmulator.start(new InetSocketAddress(options.host(), options.port()),
                    timed(routes(new IngestApiHandler(config, clients, metrics),
                            new ManagementApiHandler(config, clients, metrics)), instrumentation.invocations()),
                    options.keys(), API_FUNCTION_TIMEOUT);
            // Both behind the emulator's Host check (loopback names of the port, or the --host name).
            api.serve(DemoReceiver.PATH, new DemoReceiver(java.time.Clock.systemUTC()));
            api.serve(ConsoleHandler.PATH, new ConsoleHandler(new LocalForwarder(api.baseUri(),
                    ApiGatewayEmulator.ADMIN_KEY_HEADER, options.keys().adminKey()), api.hosts()));
            return new LocalRelay(options, backend, resources, api, workers, config, lanes);
        } catch (RuntimeException e) {
            closeAll(workers);
            if (api != null) {
                api.close();
            }
            throw e;
        }
    }

    /**
     * The functions' environment as the stack sets it, with the names of what was just provisioned; the caller's
     * own environment fills in the tunables (MAX_RETRY_ATTEMPTS, EVENT_RETENTION_DAYS, ...).
     */
    static Map<String, String> environment(Options options, AwsBackend backend,
                                           ResourceProvisioner.Resources resources) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(EnvVars.EVENTS_TABLE, resources.eventsTable());
        env.put(EnvVars.SUBSCRIPTIONS_TABLE, resources.subscriptionsTable());
        env.put(EnvVars.PAYLOAD_BUCKET, resources.payloadBucket());
        env.put(EnvVars.DELIVERY_QUEUE_URL, resources.deliveryQueue().queueUrl());
        env.put(EnvVars.DELIVERY_DLQ_URL, resources.deliveryQueue().dlqUrl());
        env.put(EnvVars.DELIVERY_SLOW_QUEUE_URL, options.deliverySlowMaxConcurrency() == 0 ? ""
                : resources.deliverySlowQueue().queueUrl());
        // No topic locally (moto could serve one, but nobody would read it): the log line is the notice.
        env.put(EnvVars.NOTIFICATION_TOPIC_ARN, "");
        env.put(EnvVars.AWS_REGION, backend.region().id());
        // Local receivers live on loopback, which the SSRF guard refuses everywhere else.
        env.put(EnvVars.SSRF_ALLOWLIST, options.ssrfAllowlist());
        return env;
    }

    /** The main and the slow lane, each with its event source's settings and the chosen concurrency. */
    static List<Lane> lanes(Options options, ResourceProvisioner.Resources resources) {
        Lane main = Lane.of("main", resources.deliveryQueue(), RelaySchema.DELIVERY_SOURCE,
                options.deliveryMaxConcurrency());
        if (options.deliverySlowMaxConcurrency() == 0) {
            return List.of(main); // no slow lane: the relay's config has none either
        }
        return List.of(main, Lane.of("slow", resources.deliverySlowQueue(), RelaySchema.DELIVERY_SLOW_SOURCE,
                options.deliverySlowMaxConcurrency()));
    }

    private static <I, O> RequestHandler<I, O> timed(String function, RequestHandler<I, O> handler,
                                                     InvocationListener listener) {
        if (listener == Instrumentation.NONE.invocations()) {
            return handler;
        }
        return (input, context) -> {
            long start = System.nanoTime();
            try {
                return handler.handleRequest(input, context);
            } finally {
                listener.invoked(function, System.nanoTime() - start);
            }
        };
    }

    private static List<Route> timed(List<Route> routes, InvocationListener listener) {
        List<Route> timed = new ArrayList<>();
        for (Route route : routes) {
            timed.add(GATEWAY.equals(route.functionName()) ? route // no function runs for it
                    : new Route(route.method(), route.resource(), route.auth(), route.functionName(),
                            timed(route.functionName(), route.handler(), listener)));
        }
        return timed;
    }

    /** The "function" of a route API Gateway answers itself ({@link ApiRoutes.Function#GATEWAY}). */
    static final String GATEWAY = "gateway";

    /**
     * The stack's routes ({@link ApiRoutes}), each to the handler class of its function, and GET /health to the
     * fixed answer API Gateway's MOCK integration gives on AWS.
     */
    static List<Route> routes(IngestApiHandler ingest, ManagementApiHandler management) {
        List<Route> routes = new ArrayList<>();
        for (ApiRoutes.Route route : ApiRoutes.ALL) {
            routes.add(switch (route.function()) {
                case INGEST -> new Route(route.method(), route.resource(), route.auth(), "ingest", ingest);
                case MANAGEMENT -> new Route(route.method(), route.resource(), route.auth(), "management",
                        management);
                // API Gateway's MOCK integration on AWS: the fixed answer, no function
                case GATEWAY -> new Route(route.method(), route.resource(), route.auth(), GATEWAY,
                        (request, context) -> new APIGatewayProxyResponseEvent().withStatusCode(200)
                                .withHeaders(Map.of("Content-Type", "application/json"))
                                .withBody(ApiRoutes.LIVENESS_BODY));
            });
        }
        return routes;
    }

    public URI baseUri() {
        return api.baseUri();
    }

    public Keys keys() {
        return options.keys();
    }

    public ResourceProvisioner.Resources resources() {
        return resources;
    }

    /** The configuration the functions run with here (isolation thresholds, queues, timeouts). */
    public RelayConfig config() {
        return config;
    }

    /** The delivery lanes' event sources as polled here. */
    public List<Lane> lanes() {
        return lanes;
    }

    /** What a developer needs to start: where it runs, the keys, and a request that works as pasted. */
    String banner() {
        String url = baseUri().toString();
        String key = "demo-" + HexFormat.of().formatHex(randomBytes(4));
        return """

                AlgoHire Webhook Event Relay (local) is listening on %1$s
                  console       %1$s/console/   (open it in a browser: subscriptions, events, DLQ, audit)
                  demo receiver %1$s/demo/receiver/200   (a webhook URL to subscribe; it answers the status in
                                its path: point the subscription at /demo/receiver/500 to break it; GET
                                %1$s/demo/receiver lists what arrived)
                  AWS backend   %2$s
                  ingest key    %3$s   (header x-api-key, POST /api/v1/events)
                  admin key     %4$s   (header x-admin-key, the other /api/v1 routes)
                  sweeper       every %5$d s
                  delivery      two lanes, polled as the stack's event sources are (RelaySchema):
                %8$s
                  notices       subscription state changes are log lines here (no notification topic)
                  webhooks may go to %7$s (SSRF allowlist), e.g. http://127.0.0.1:9000/hook

                Send an event (run it twice: the second answers 409, the key was used):

                curl -i -X POST %1$s/api/v1/events \\
                  -H 'Content-Type: application/json' \\
                  -H 'x-idempotency-key: %6$s' \\
                  -H 'x-api-key: %3$s' \\
                  -d '{"eventType":"job.created","payload":{"jobId":"job-123","title":"Backend Engineer"}}'

                To see a delivery, subscribe a receiver listening on loopback, then send an event:
                curl -s -X POST %1$s/api/v1/subscriptions -H 'x-admin-key: %4$s' \\
                  -H 'Content-Type: application/json' \\
                  -d '{"url":"http://127.0.0.1:9000/hook","eventTypes":["job.*"],"description":"local receiver"}'

                Read it back:  curl -s %1$s/api/v1/events/<eventId> -H 'x-admin-key: %4$s'
                Health:        curl -s %1$s/health
                Stop with Ctrl-C.
                """.formatted(url, backend.description(), options.keys().apiKey(), options.keys().adminKey(),
                options.sweepInterval().toSeconds(), key, options.ssrfAllowlist(), laneLines());
    }

    private String laneLines() {
        StringBuilder lines = new StringBuilder();
        for (Lane lane : lanes) {
            if (!lines.isEmpty()) {
                lines.append('\n');
            }
            lines.append("    ").append(String.format("%-5s", lane.name())).append(' ')
                    .append(lane.settings().describe());
        }
        return lines.toString();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** Stops taking requests first, then the background workers, so nothing runs against a stopping backend. */
    @Override
    public void close() {
        api.close();
        closeAll(workers);
    }

    private static void closeAll(List<AutoCloseable> closeables) {
        for (AutoCloseable closeable : closeables.reversed()) {
            try {
                closeable.close();
            } catch (Exception e) {
                System.err.println("local relay: stopping " + closeable.getClass().getSimpleName() + " failed: " + e);
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
            out.println(Options.USAGE);
            return;
        }
        Options options;
        try {
            options = Options.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("relay local: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        out.println("Starting the local AWS backend and the relay...");
        AwsBackend backend = AwsBackends.start();
        LocalRelay relay;
        try {
            relay = start(options, backend);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping the relay and its backend...");
            relay.close();
            backend.close();
            stopped.countDown();
        }, "stop-local-relay"));
        out.println(relay.banner());
        stopped.await();
    }
}
