package com.algohire.relay.delivery;

import com.algohire.relay.internal.Text;
import com.algohire.relay.ssrf.DnsTimeoutException;
import com.algohire.relay.ssrf.SsrfGuard;
import com.algohire.relay.ssrf.UrlRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * One webhook POST: SSRF-checked, redirects not followed, bounded by the delivery timeout end to end, reading at
 * most the first 1 KB of the answer.
 *
 * <p>Why Apache HttpClient 5 rather than java.net.http: its {@link DnsResolver} hook lets {@link SsrfGuard} resolve
 * and check the host and hand the client only the checked addresses, so the socket connects to an address that
 * was checked (no DNS-rebinding window), while TLS SNI and certificate hostname verification still use the name.
 * No proxy is configured (a proxy would connect on our behalf, unchecked).
 *
 * <p>An attempt may be given less than the delivery timeout (what is left of its invocation): that limit bounds the
 * whole exchange, connecting and DNS included (the client calls its DNS hook on the attempt's own thread, which is
 * how the hook learns the attempt's end).
 */
final class DeliveryAttempt implements AutoCloseable {
    static final String USER_AGENT = "AlgoHire-Webhook-Relay/1.0";
    static final int MAX_RESPONSE_BYTES = 1024;

    /**
     * What came of one POST; {@code statusCode} is null when no response arrived. {@code responseBody} is the only
     * text a receiver chose that the relay keeps (in the delivery log, the health record, the task's lastError,
     * notices and log lines): it is made {@link Text#wellFormed} here, where it enters, so that nothing a receiver
     * answers can make a later write or send fail.
     */
    record Result(Integer statusCode, long latencyMs, String errorKind, String responseBody, Duration retryAfter) {
        Result {
            responseBody = Text.wellFormed(responseBody);
        }

        boolean delivered() {
            return statusCode != null && statusCode >= 200 && statusCode < 300;
        }

        /** An attempt that failed before any response: {@code errorKind} says why. */
        static Result notSent(String errorKind, long startNanos) {
            return new Result(null, elapsed(startNanos), errorKind, null, null);
        }
    }

    private final SsrfGuard guard;
    private final Duration timeout;
    private final Clock clock;
    private final CloseableHttpClient http;
    private final PoolingHttpClientConnectionManager connections;
    private final ScheduledExecutorService deadlines;
    /** When the attempt running on this thread must end (System.nanoTime), for the DNS hook. */
    private final ThreadLocal<Long> attemptEnds = new ThreadLocal<>();

    DeliveryAttempt(SsrfGuard guard, Duration timeout, Clock clock) {
        this.guard = guard;
        this.timeout = timeout;
        this.clock = clock;
        Timeout t = Timeout.of(timeout);
        this.connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new GuardedDnsResolver(guard, this::timeLeft))
                .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(t).setSocketTimeout(t)
                        .setTimeToLive(TimeValue.ofMinutes(5)).build())
                .setMaxConnTotal(200)
                .setMaxConnPerRoute(50)
                .build();
        this.http = HttpClients.custom()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(t).setRedirectsEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                // Only the first 1 KB of a response is read: no reason to ask receivers for compressed bodies.
                .disableContentCompression()
                .disableAuthCaching()
                .setUserAgent(USER_AGENT)
                .build();
        this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "delivery-deadlines");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The delivery timeout this attempt maker was built with: the longest any attempt gets. */
    Duration timeout() {
        return timeout;
    }

    Result post(String url, Map<String, String> headers, String body) {
        return post(url, headers, body, timeout);
    }

    /** One POST bounded by {@code limit} (or the delivery timeout, if shorter) from start to end. */
    Result post(String url, Map<String, String> headers, String body, Duration limit) {
        long start = System.nanoTime();
        Duration bound = limit.compareTo(timeout) < 0 ? limit : timeout;
        if (bound.toMillis() <= 0) {
            return Result.notSent("TIMEOUT", start); // a zero timeout means "none" to the client: never ask for it
        }
        URI uri;
        try {
            uri = guard.checkSyntax(url);
        } catch (UrlRejectedException e) {
            return new Result(null, 0, e.blockedAddress() ? "SSRF_BLOCKED" : "INVALID_URL", null, null);
        }
        HttpPost request;
        try {
            request = request(uri, headers, body, bound);
        } catch (RuntimeException e) {
            return Result.notSent("INVALID_URL", start);
        }
        return send(null, request, start, bound);
    }

    /**
     * Sends {@code request}, bounded by {@code bound} from {@code start}, and reads the answer's status, Retry-After
     * and first bytes. {@code target} null: the client takes the host from the request's URI and resolves it
     * through the SSRF guard (every real attempt); only {@link #primeLoopback} passes one.
     */
    private Result send(HttpHost target, HttpPost request, long start, Duration bound) {
        AtomicBoolean timedOut = new AtomicBoolean();
        // Socket timeouts bound each read; this bounds the whole exchange (a receiver dripping bytes included).
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            timedOut.set(true);
            request.cancel();
        }, bound.toMillis(), TimeUnit.MILLISECONDS);
        ClassicHttpResponse response = null;
        boolean bodyUnread = false;
        attemptEnds.set(start + bound.toNanos());
        try {
            response = http.executeOpen(target, request, null);
            int status = response.getCode();
            Header retryAfter = response.getFirstHeader("Retry-After");
            Prefix prefix = readPrefix(response.getEntity());
            bodyUnread = prefix.truncated();
            return new Result(status, elapsed(start), status >= 200 && status < 300 ? null : "HTTP_STATUS",
                    prefix.text(),
                    RetryPolicy.parseRetryAfter(retryAfter == null ? null : retryAfter.getValue(), clock.instant()));
        } catch (IOException | RuntimeException e) {
            return new Result(null, elapsed(start), errorKind(e, timedOut.get()), null, null);
        } finally {
            attemptEnds.remove();
            deadline.cancel(false);
            if (bodyUnread) {
                // Closing normally would read the rest of the body to reuse the connection: a receiver streaming
                // gigabytes would hold the attempt until the deadline. Drop the connection instead.
                request.cancel();
            }
            closeQuietly(response);
        }
    }

    private HttpPost request(URI uri, Map<String, String> headers, String body, Duration bound) {
        HttpPost request = new HttpPost(uri);
        request.setConfig(requestConfig(bound));
        headers.forEach(request::setHeader);
        request.setEntity(new ByteArrayEntity(body.getBytes(StandardCharsets.UTF_8),
                ContentType.create("application/json")));
        return request;
    }

    /** A public address written as a literal: the guard checks it without a DNS lookup. Never connected to. */
    static final String PRIMING_URL = "https://1.1.1.1/algohire-priming";

    /**
     * SnapStart priming: the SSRF guard's syntax and address checks on {@link #PRIMING_URL} (no DNS: the host is a
     * literal) and the request {@link #post} would send, built and dropped. Nothing is sent.
     */
    void prime(Map<String, String> headers, String body) throws UnknownHostException {
        URI uri = guard.checkSyntax(PRIMING_URL);
        guard.resolve(uri.getHost(), 443);
        request(uri, headers, body, timeout);
    }

    /** How long the loopback exchange of {@link #primeLoopback} may take, accepting included. */
    static final Duration PRIMING_TIMEOUT = Duration.ofSeconds(2);

    /**
     * SnapStart priming of a whole exchange through this attempt maker's own client, without a webhook: one POST of
     * {@code body} to a throwaway server this method opens on the loopback interface and closes before it returns,
     * which answers {@code 200} with a short body. That loads and runs what only a real send does (the pool's lease
     * and release, the connection operator, the socket's connect, write and read, the response parser, the 1 KB
     * body prefix and the Retry-After lookup of {@link #post}), so that the first delivery after a restore does not.
     *
     * <p>Why this cannot weaken the SSRF guard: the target is an {@link HttpHost} carrying the loopback
     * {@link InetAddress} built here, so the client connects to it without asking the DNS hook (the only place the
     * guard is bypassed); a real attempt always goes through {@link #post}, which passes no target, so the client
     * takes the host from the task's URL and resolves it through {@link GuardedDnsResolver}. Nothing a task or a
     * subscription carries (URL, header, flag) reaches this method; the port is the one the OS gave the server
     * opened here, which accepts one connection and closes. The pooled connection the exchange leaves behind is
     * closed before returning ({@link #closeIdleConnections}): its server is gone.
     *
     * @return the status the loopback server answered (200)
     */
    int primeLoopback(Map<String, String> headers, String body) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            server.setSoTimeout((int) PRIMING_TIMEOUT.toMillis());
            Thread responder = Thread.ofPlatform().daemon().name("delivery-priming-responder")
                    .start(() -> answerOnce(server));
            long start = System.nanoTime();
            HttpPost request = request(URI.create("http://" + loopback.getHostAddress() + ":" + server.getLocalPort()
                    + "/algohire-priming"), headers, body, PRIMING_TIMEOUT);
            Result result = send(new HttpHost("http", loopback, server.getLocalPort()), request, start,
                    PRIMING_TIMEOUT);
            try {
                responder.join(PRIMING_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (result.statusCode() == null) {
                throw new IOException("the loopback priming exchange failed: " + result.errorKind());
            }
            return result.statusCode();
        } finally {
            closeIdleConnections();
        }
    }

    /** The loopback server's one answer: reads the request's head and body, answers 200 "ok", closes. */
    private static void answerOnce(ServerSocket server) {
        try (Socket socket = server.accept()) {
            socket.setSoTimeout((int) PRIMING_TIMEOUT.toMillis());
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (head.length() < 64 * 1024 && !head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.append((char) c);
            }
            Matcher length = CONTENT_LENGTH.matcher(head);
            in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException | RuntimeException ignored) {
            // the client side reports the failure (no answer)
        }
    }

    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)\r\ncontent-length:\\s*(\\d{1,9})");

    /**
     * Closes every pooled connection not in use. After SnapStart restores the function, a connection in the pool
     * was opened by the process the snapshot was taken of, minutes to weeks earlier; its peer has long forgotten
     * it, and reusing it would cost the next delivery to that receiver a reset. Called at the end of priming and
     * in CRaC's afterRestore.
     */
    void closeIdleConnections() {
        connections.closeExpired();
        connections.closeIdle(TimeValue.ZERO_MILLISECONDS);
    }

    /** The connections the pool holds, leased or idle (tests). */
    int pooledConnections() {
        var stats = connections.getTotalStats();
        return stats.getLeased() + stats.getAvailable();
    }

    /**
     * The client's settings for one request, its timeouts cut to {@code bound}. The connect timeout set here is the
     * one the client uses for a new connection (it takes precedence over the pool's), hence the deprecated setter.
     */
    @SuppressWarnings("deprecation")
    private static RequestConfig requestConfig(Duration bound) {
        Timeout t = Timeout.of(bound);
        return RequestConfig.custom().setResponseTimeout(t).setConnectTimeout(t).setRedirectsEnabled(false).build();
    }

    /** What is left of the attempt on this thread; null outside an attempt (then DNS is not bounded here). */
    private Duration timeLeft() {
        Long end = attemptEnds.get();
        return end == null ? null : Duration.ofNanos(end - System.nanoTime());
    }

    /** The first bytes of a response body, and whether more followed them unread. */
    private record Prefix(String text, boolean truncated) {
    }

    private static String errorKind(Throwable e, boolean timedOut) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UrlRejectedException rejected) {
                return rejected.blockedAddress() ? "SSRF_BLOCKED" : "INVALID_URL";
            }
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof DnsTimeoutException) {
                return "DNS_TIMEOUT";
            }
        }
        if (timedOut) {
            return "TIMEOUT";
        }
        if (e instanceof IllegalArgumentException) {
            return "INVALID_URL"; // what the client says of a URI it cannot use (e.g. a port out of range)
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedIOException) {
                return "TIMEOUT"; // SocketTimeoutException, ConnectTimeoutException
            }
            if (cause instanceof UnknownHostException) {
                return "DNS";
            }
            if (cause instanceof SSLException) {
                return "TLS";
            }
        }
        return "CONNECTION";
    }

    /**
     * Reads at most {@link #MAX_RESPONSE_BYTES} (and one byte more, to learn whether the body goes on) without
     * closing the stream, since closing it would drain the rest.
     */
    private static Prefix readPrefix(HttpEntity entity) throws IOException {
        if (entity == null) {
            return new Prefix(null, false);
        }
        InputStream in = entity.getContent();
        if (in == null) {
            return new Prefix(null, false);
        }
        byte[] bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
        boolean truncated = bytes.length > MAX_RESPONSE_BYTES;
        int length = Math.min(bytes.length, MAX_RESPONSE_BYTES);
        return new Prefix(Text.fromUtf8(bytes, length), truncated);
    }

    private static void closeQuietly(ClassicHttpResponse response) {
        if (response == null) {
            return;
        }
        try {
            response.close();
        } catch (IOException | RuntimeException ignored) {
            // the connection was dropped on purpose (unread body) or by the receiver; the result is already known
        }
    }

    private static long elapsed(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        try {
            http.close();
        } catch (IOException ignored) {
            // closing idle connections; nothing to do
        }
    }

    /**
     * The client's only way to turn a host into addresses: through the guard, which checks every one, within what
     * is left of the attempt.
     */
    private record GuardedDnsResolver(SsrfGuard guard, Supplier<Duration> timeLeft) implements DnsResolver {
        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            return guard.resolve(host, -1, timeLeft.get());
        }

        @Override
        public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
            return Arrays.stream(guard.resolve(host, port, timeLeft.get())).map(a -> new InetSocketAddress(a, port))
                    .toList();
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }
}
