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

    static EmbeddedBackend start() {
        int sqsPort = freePort();
        SQSRestServer sqs = SQSRestServerBuilder.withInterface(HOST)
                .withPort(sqsPort)
                .withServerAddress(new NodeAddress("http", HOST, sqsPort, ""))
                .withAWSRegion("us-east-1")
                .withAWSAccountId("000000000000")
                .start();
        sqs.waitUntilStarted();
        Process moto = null;
        try {
            int motoPort = freePort();
            moto = startMoto(motoPort);
            EmbeddedBackend backend = new EmbeddedBackend(sqs, sqsPort, moto, motoPort);
            Runtime.getRuntime().addShutdownHook(new Thread(backend::close, "stop-local-aws"));
            return backend;
        } catch (RuntimeException e) {
            sqs.stopAndWait();
            if (moto != null) {
                moto.destroyForcibly();
            }
            throw e;
        }
    }

    private static Process startMoto(int port) {
        String executable = System.getenv().getOrDefault(MOTO_SERVER, "moto_server");
        Path log;
        Process process;
        try {
            log = Files.createTempFile("moto_server-", ".log");
            process = new ProcessBuilder(executable, "-H", HOST, "-p", Integer.toString(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
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
                return process;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException(executable + " did not listen on " + HOST + ":" + port + " within 60 s; see " + log);
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
            moto.destroy();
            try {
                if (!moto.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    moto.destroyForcibly();
                }
            } catch (InterruptedException e) {
                moto.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            sqs.stopAndWait();
        }
    }
}
