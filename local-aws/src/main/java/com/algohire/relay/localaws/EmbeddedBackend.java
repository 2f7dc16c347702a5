package com.algohire.relay.localaws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** ElasticMQ in this JVM for SQS, and a {@code moto_server} subprocess for DynamoDB and S3, both on loopback. */
final class EmbeddedBackend implements AwsBackend {
    /** Overrides the moto_server executable (default: found on PATH). */
    static final String MOTO_SERVER = "MOTO_SERVER";
    private static final String HOST = "127.0.0.1";

    private final SQSRestServer sqs;
    private final int sqsPort;
    private final Process moto;
    private final int motoPort;

    private EmbeddedBackend(SQSRestServer sqs, int sqsPort, Process moto, int motoPort) {
        this.sqs = sqs;
        this.sqsPort = sqsPort;
        this.moto = moto;
        this.motoPort = motoPort;
    }

    /**
     * The child server and the shutdown hook that stops it, sharing one lock: the hook is registered before the
     * process starts, and either the hook runs first (then nothing is started any more) or the start completes
     * and the hook, waiting for it, stops what was started. So a JVM stopped at any moment (Ctrl-C or SIGTERM
     * during start-up, an IDE's stop button) takes the child down with it; only SIGKILL, which runs no hooks, can
     * leave it behind.
     */
    private static final class Child {
        private Process process;
        private EmbeddedBackend backend;
        private boolean shuttingDown;

        synchronized Process start(ProcessBuilder builder) throws IOException {
            if (shuttingDown) {
                throw new IllegalStateException("the JVM is shutting down");
            }
            process = builder.start();
            return process;
        }

        synchronized void started(EmbeddedBackend backend) {
            this.backend = backend;
        }

        synchronized void shutDown() {
            shuttingDown = true;
            if (backend != null) {
                backend.close();
            } else if (process != null) {
                stop(process);
            }
        }
    }

    static EmbeddedBackend start() {
        Child child = new Child();
        Runtime.getRuntime().addShutdownHook(new Thread(child::shutDown, "stop-local-aws"));
        int sqsPort = freePort();
        SQSRestServer sqs = SQSRestServerBuilder.withInterface(HOST)
                .withPort(sqsPort)
                .withServerAddress(new NodeAddress("http", HOST, sqsPort, ""))
                .withAWSRegion("us-east-1")
                .withAWSAccountId("000000000000")
                .start();
        sqs.waitUntilStarted();
        try {
            int motoPort = freePort();
            Process moto = startMoto(motoPort, child);
            EmbeddedBackend backend = new EmbeddedBackend(sqs, sqsPort, moto, motoPort);
            child.started(backend);
            return backend;
        } catch (RuntimeException e) {
            sqs.stopAndWait();
            child.shutDown();
            throw e;
        }
    }

    private static Process startMoto(int port, Child child) {
        String executable = System.getenv().getOrDefault(MOTO_SERVER, "moto_server");
        Path log;
        Process process;
        try {
            log = Files.createTempFile("moto_server-", ".log");
            ProcessBuilder builder = new ProcessBuilder(executable, "-H", HOST, "-p", Integer.toString(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            serializeRequests(builder);
            process = child.start(builder);
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + executable + " (moto 5, for DynamoDB and S3). "
                    + "Install moto[server], set " + MOTO_SERVER + " to its path, or set AWS_ENDPOINT_URL / "
                    + "RELAY_BACKEND=localstack.", e);
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(executable + " exited with " + process.exitValue() + "; see " + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 200);
                requireSerialized(log);
                return process;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        throw new IllegalStateException(executable + " did not listen on " + HOST + ":" + port + " within 60 s; see "
                + log);
    }

    /**
     * Makes moto handle one request at a time, as DynamoDB makes each request atomic: moto_server runs requests on
     * concurrent threads and checks a conditional put's condition without a lock, so without this two concurrent
     * puts of one key could both succeed (seen as two 202s for one idempotency key). The {@code sitecustomize.py}
     * beside this class, first on moto's PYTHONPATH, wraps moto's WSGI application in a lock.
     */
    private static void serializeRequests(ProcessBuilder builder) throws IOException {
        Path dir = Files.createTempDirectory("moto-serialized-");
        try (var in = EmbeddedBackend.class.getResourceAsStream("sitecustomize.py")) {
            if (in == null) {
                throw new IllegalStateException("sitecustomize.py is missing from the local-aws jar");
            }
            Files.copy(in, dir.resolve("sitecustomize.py"));
        }
        String existing = builder.environment().get("PYTHONPATH");
        builder.environment().put("PYTHONPATH",
                existing == null || existing.isEmpty() ? dir.toString() : dir + java.io.File.pathSeparator + existing);
    }

    /** The line sitecustomize.py writes once it has wrapped moto's application (before moto listens). */
    static final String SERIALIZED_MARKER = "relay sitecustomize: moto requests serialized";

    private static void requireSerialized(Path log) throws IOException {
        if (!Files.readString(log).contains(SERIALIZED_MARKER)) {
            throw new IllegalStateException("moto_server started without the request serializer (another "
                    + "sitecustomize module shadows ours?), so conditional writes would not be atomic; see " + log);
        }
    }

    /** Stops a child and whatever it started: SIGTERM, then SIGKILL after 5 s. */
    private static void stop(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for moto_server", e);
        }
    }

    @Override
    public URI sqsEndpoint() {
        return URI.create("http://" + HOST + ":" + sqsPort);
    }

    @Override
    public URI dynamoDbEndpoint() {
        return URI.create("http://" + HOST + ":" + motoPort);
    }

    @Override
    public URI s3Endpoint() {
        return dynamoDbEndpoint();
    }

    @Override
    public String description() {
        return "ElasticMQ in-JVM on " + sqsEndpoint() + " + moto_server on " + dynamoDbEndpoint();
    }

    @Override
    public synchronized void close() {
        if (moto.isAlive()) {
            stop(moto);
            sqs.stopAndWait();
        }
    }
}
