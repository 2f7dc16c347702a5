package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.ssrf.SsrfGuard;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link DeliveryAttempt} against raw receivers on 127.0.0.1 that misbehave in ways a friendly server would not. */
class DeliveryAttemptIntegrationTest {

    /** Answers every connection with the given status line and headers, then writes body bytes until the peer goes. */
    private static final class StreamingReceiver implements AutoCloseable {
        final AtomicLong bodyBytesWritten = new AtomicLong();
        private final ServerSocket server;
        private final Thread acceptor;

        StreamingReceiver(String statusLineAndHeaders) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        Thread.ofVirtual().start(() -> answer(socket, statusLineAndHeaders));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private void answer(Socket socket, String head) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                readRequestHead(in);
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'x');
                String chunkHeader = Integer.toHexString(chunk.length) + "\r\n";
                while (true) { // an endless chunked body: the receiver "streams gigabytes"
                    out.write(chunkHeader.getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    bodyBytesWritten.addAndGet(chunk.length);
                }
            } catch (IOException peerClosed) {
                // the relay stopped reading and closed the connection
            }
        }

        private static void readRequestHead(InputStream in) throws IOException {
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            int b;
            while (matched < end.length && (b = in.read()) != -1) {
                matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
            }
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/hook";
        }

        @Override
        public void close() throws IOException {
            server.close();
            acceptor.interrupt();
        }
    }

    @Test
    void post_whenReceiverStreamsEndlessBody_readsFirstKilobyteAndReturnsStatusWithoutWaitingForTimeout()
            throws Exception {
        Duration timeout = Duration.ofSeconds(5);
        try (StreamingReceiver receiver = new StreamingReceiver(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
             DeliveryAttempt attempt = new DeliveryAttempt(new SsrfGuard(Set.of("127.0.0.1")), timeout,
                     Clock.systemUTC())) {
            long start = System.nanoTime();
            DeliveryAttempt.Result result = attempt.post(receiver.url(), Map.of(), "{}");
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(result.statusCode()).as("result %s", result).isEqualTo(200);
            assertThat(result.delivered()).isTrue();
            assertThat(result.errorKind()).isNull();
            assertThat(result.responseBody()).hasSize(DeliveryAttempt.MAX_RESPONSE_BYTES)
                    .containsOnlyOnce("x".repeat(1024));
            assertThat(millis).as("took %d ms", millis).isLessThan(timeout.toMillis() / 2);
            Thread.sleep(200); // what the receiver manages to push after we hung up is bounded by socket buffers
            assertThat(receiver.bodyBytesWritten.get()).isLessThan(64L * 1024 * 1024);
        }
    }

    @Test
    void post_whenErrorStatusWithEndlessBody_returnsStatusAndRetryAfter() throws Exception {
        try (StreamingReceiver receiver = new StreamingReceiver(
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nTransfer-Encoding: chunked\r\n\r\n");
             DeliveryAttempt attempt = new DeliveryAttempt(new SsrfGuard(Set.of("127.0.0.1")), Duration.ofSeconds(5),
                     Clock.systemUTC())) {
            DeliveryAttempt.Result result = attempt.post(receiver.url(), Map.of(), "{}");

            assertThat(result.statusCode()).as("result %s", result).isEqualTo(503);
            assertThat(result.errorKind()).isEqualTo("HTTP_STATUS");
            assertThat(result.retryAfter()).isEqualTo(Duration.ofSeconds(120));
        }
    }

    @Test
    void post_whenHostAllowlistedOnlyForAnotherPort_refusesWithoutConnecting() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.answering(200);
             DeliveryAttempt attempt = new DeliveryAttempt(new SsrfGuard(Set.of("localhost:1")), Duration.ofSeconds(2),
                     Clock.systemUTC())) {
            DeliveryAttempt.Result result = attempt.post("https://localhost:" + receiver.port() + "/hook", Map.of(), "{}");

            assertThat(result.errorKind()).as("result %s", result).isEqualTo("SSRF_BLOCKED");
            assertThat(result.statusCode()).isNull();
        }
    }

    @Test
    void post_whenDnsHangs_givesUpWithinTheAttemptsLimitAsDnsTimeout() throws Exception {
        SsrfGuard hanging = new SsrfGuard(Set.of(), host -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new java.net.UnknownHostException("interrupted");
        });
        try (DeliveryAttempt attempt = new DeliveryAttempt(hanging, Duration.ofSeconds(10), Clock.systemUTC())) {
            long start = System.nanoTime();
            DeliveryAttempt.Result result = attempt.post("https://hangs.example.com/hook", Map.of(), "{}",
                    Duration.ofMillis(500));
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(result.errorKind()).as("result %s", result).isEqualTo("DNS_TIMEOUT");
            assertThat(result.statusCode()).isNull();
            assertThat(millis).as("took %d ms", millis).isLessThan(2000);
        }
    }

    @Test
    void post_whenGivenLessThanTheDeliveryTimeout_timesOutAtTheShorterLimit() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> new WebhookReceiver.Answer(200, 5000, Map.of()));
             DeliveryAttempt attempt = new DeliveryAttempt(new SsrfGuard(Set.of("127.0.0.1")), Duration.ofSeconds(10),
                     Clock.systemUTC())) {
            long start = System.nanoTime();
            DeliveryAttempt.Result result = attempt.post(receiver.url(), Map.of(), "{}", Duration.ofMillis(600));
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(result.errorKind()).as("result %s", result).isEqualTo("TIMEOUT");
            assertThat(millis).as("took %d ms", millis).isBetween(500L, 3000L);
        }
    }

    @Test
    void primeLoopback_whenGuardBlocksLoopback_answers200LeavesNoPooledConnectionAndTheGuardStillBlocks()
            throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.answering(200);
             DeliveryAttempt attempt = new DeliveryAttempt(new SsrfGuard(Set.of()), Duration.ofSeconds(2),
                     Clock.systemUTC())) {
            int status = attempt.primeLoopback(Map.of("webhook-id", "msg_priming"), "{\"a\":1}");

            assertThat(status).isEqualTo(200);
            assertThat(attempt.pooledConnections()).isZero();
            // A task's URL to loopback is still refused: the priming path is not reachable through post().
            DeliveryAttempt.Result result = attempt.post("https://127.0.0.1:" + receiver.port() + "/hook", Map.of(),
                    "{}");
            assertThat(result.errorKind()).as("result %s", result).isEqualTo("SSRF_BLOCKED");
            assertThat(receiver.requests()).isEmpty();
        }
    }

    @Test
    void closeIdleConnections_afterADelivery_emptiesThePoolAndTheNextDeliveryConnectsAnew() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.answering(200);
             DeliveryAttempt attempt = new DeliveryAttempt(new SsrfGuard(Set.of("127.0.0.1")), Duration.ofSeconds(2),
                     Clock.systemUTC())) {
            assertThat(attempt.post(receiver.url(), Map.of(), "{}").delivered()).isTrue();
            assertThat(attempt.pooledConnections()).isEqualTo(1);

            attempt.closeIdleConnections();

            assertThat(attempt.pooledConnections()).isZero();
            assertThat(attempt.post(receiver.url(), Map.of(), "{}").delivered()).isTrue();
            assertThat(receiver.requests()).hasSize(2);
        }
    }
}
