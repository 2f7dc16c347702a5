package com.algohire.relay.local.console;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code ./relay console --api-url URL}: the operator console for a deployed stack, served on this machine's
 * loopback interface only, its API calls signed with the operator's own AWS credentials ({@link SigV4Forwarder}).
 */
public final class ConsoleMain {
    public static final int DEFAULT_PORT = 3100;

    private ConsoleMain() {
    }

    /**
     * The command line.
     *
     * @param apiUrl  the deployed API's URL with its stage (the stack's ApiUrl output)
     * @param region  null to read it from the URL
     * @param profile null for the SDK's default (AWS_PROFILE, then "default")
     */
    public record Options(String apiUrl, int port, String region, String profile) {
        public static final String USAGE = """
                usage: ./relay console --api-url URL [--port N] [--region REGION] [--profile NAME]
                  --api-url URL     the deployed stack's API URL with its stage (the stack's ApiUrl output),
                                    e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod
                  --port N          local port of the console (default 3100; 0 picks a free one)
                  --region REGION   the API's region (default: read from the URL)
                  --profile NAME    the AWS credentials profile (default: the SDK's chain: environment,
                                    AWS_PROFILE or "default", SSO, container/instance roles)
                The console listens on 127.0.0.1 only and signs each API call with SigV4; the credentials need only
                the operator policy the stack outputs.""";

        public static Options parse(String[] args) {
            String apiUrl = null;
            String port = String.valueOf(DEFAULT_PORT);
            String region = null;
            String profile = null;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1)
                        : (i + 1 < args.length ? args[++i] : null);
                if (value == null || value.isBlank()) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                switch (name) {
                    case "--api-url" -> apiUrl = value;
                    case "--port" -> port = value;
                    case "--region" -> region = value;
                    case "--profile" -> profile = value;
                    default -> throw new IllegalArgumentException("unknown option: " + name);
                }
            }
            if (apiUrl == null) {
                throw new IllegalArgumentException("--api-url is required (the stack's ApiUrl output)");
            }
            int portNumber;
            try {
                portNumber = Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                portNumber = -1;
            }
            if (portNumber < 0 || portNumber > 65_535) {
                throw new IllegalArgumentException("--port must be a number from 0 to 65535, was: " + port);
            }
            return new Options(apiUrl, portNumber, region, profile);
        }
    }

    /** The console's server: loopback only, the console at {@code /console/}, nothing else. */
    public static final class Server implements AutoCloseable {
        private final HttpServer http;
        private final ExecutorService executor;

        private Server(HttpServer http, ExecutorService executor) {
            this.http = http;
            this.executor = executor;
        }

        /** Binds 127.0.0.1 ({@code port} 0 for a free one) and serves the console over {@code forwarder}. */
        public static Server start(ConsoleForwarder forwarder, int port) {
            HttpServer http;
            try {
                // Loopback only: the Host and Origin checks stop browsers, not other machines' clients, and this
                // process holds the operator's AWS credentials.
                http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port
                        + " (in use? choose another with --port)", e);
            }
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            http.setExecutor(executor);
            int bound = http.getAddress().getPort();
            http.createContext(ConsoleHandler.PATH, new ConsoleHandler(forwarder, HostCheck.loopback(bound)));
            http.start();
            return new Server(http, executor);
        }

        public InetSocketAddress address() {
            return http.getAddress();
        }

        public URI consoleUri() {
            return URI.create("http://127.0.0.1:" + address().getPort() + ConsoleHandler.PATH + "/");
        }

        @Override
        public void close() {
            http.stop(0);
            executor.shutdownNow();
        }
    }

    static String banner(Server server, SigV4Forwarder forwarder, Options options) {
        return """

                AlgoHire Webhook Event Relay console
                  console       %s   (open it in a browser on this machine)
                  API           %s, each call signed with SigV4 (execute-api)
                  credentials   %s
                  listening     127.0.0.1 only; API calls need this start's page token, a loopback Host and a
                                same Origin
                Stop with Ctrl-C.
                """.formatted(server.consoleUri(), forwarder.target(), options.profile() != null
                ? "profile " + options.profile()
                : "the SDK's default chain (environment, AWS_PROFILE or \"default\", SSO, roles)");
    }

    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.println(Options.USAGE);
            return;
        }
        Options options;
        SigV4Forwarder forwarder;
        try {
            options = Options.parse(args);
            forwarder = SigV4Forwarder.create(options.apiUrl(), options.region(), options.profile());
        } catch (IllegalArgumentException e) {
            System.err.println("relay console: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        try {
            forwarder.checkCredentials();
        } catch (RuntimeException e) {
            // The SDK's message names the providers it tried and why each failed; never a credential.
            System.err.println("relay console: no usable AWS credentials: " + e.getMessage());
            System.err.println("  (for an SSO profile, run: aws sso login"
                    + (options.profile() == null ? "" : " --profile " + options.profile()) + ")");
            System.exit(1);
            return;
        }
        Server server = Server.start(forwarder, options.port());
        out.println(banner(server, forwarder, options));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
    }
}
