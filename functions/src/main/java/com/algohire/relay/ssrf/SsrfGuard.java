package com.algohire.relay.ssrf;

import java.net.IDN;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Decides which webhook URLs the relay may call, at registration and again at send time, so that a subscriber
 * cannot make the relay reach its own network (loopback, private ranges, cloud metadata at 169.254.169.254, ...).
 *
 * <p>Rules: an absolute {@code https} URL without userinfo, its port (if any) from 1 to 65535; {@code http} only for
 * allowlisted hosts; a numeric host only in canonical form (decimal, octal, hex and short spellings such as
 * {@code 2130706433}, {@code 0177.0.0.1}, {@code 0x7f.1} are refused rather than interpreted, since resolvers
 * disagree on them); every address the host resolves to must be public ({@link BlockedRanges}). At send time
 * {@link #resolve} is the HTTP client's DNS hook, so the connection goes to an address that was checked, never to a
 * second, rebound answer.
 *
 * <p>The allowlist ({@code host} or {@code host:port}, from SSRF_ALLOWLIST) is the only way around the checks and
 * exists for the local runtime and tests.
 *
 * <p>At send time the lookup is bounded by the time the attempt has left ({@link #resolve(String, int, Duration)}):
 * the JDK resolver has no timeout of its own, and a resolver that hangs would otherwise hold the delivery past
 * its function's deadline.
 */
public final class SsrfGuard {
    /** Turns a host name into its addresses; the JDK resolver in production, swappable in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private static final int MAX_URL_LENGTH = 2048;

    private final Set<String> allowlist;
    private final Resolver resolver;
    /**
     * Where bounded lookups run. Platform threads, not virtual ones: the JDK resolver blocks in native code, which
     * would pin a virtual thread's carrier for as long as DNS hangs. Daemon threads, idle ones retired after a
     * minute; a lookup that outlives its attempt finishes (or hangs) there without holding anyone up.
     */
    private final ExecutorService lookups = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "ssrf-dns-lookup");
        thread.setDaemon(true);
        return thread;
    });

    public SsrfGuard(Set<String> allowlist) {
        this(allowlist, InetAddress::getAllByName);
    }

    public SsrfGuard(Set<String> allowlist, Resolver resolver) {
        this.allowlist = allowlist.stream().map(e -> e.trim().toLowerCase(Locale.ROOT)).map(SsrfGuard::bracketIpv6)
                .collect(Collectors.toUnmodifiableSet());
        this.resolver = resolver;
    }

    /**
     * Checks a URL for registration: syntax rules and, unless allowlisted, that the host resolves only to public
     * addresses. A host that does not resolve now is accepted (DNS may be set up later); send time checks again.
     *
     * @return the parsed URL
     * @throws UrlRejectedException naming the rule broken, never echoing the URL
     */
    public URI checkUrl(String url) throws UrlRejectedException {
        URI uri = checkSyntax(url);
        if (!isAllowlisted(uri)) {
            try {
                resolveChecked(uri.getHost(), null);
            } catch (UrlRejectedException e) {
                throw e;
            } catch (UnknownHostException notResolvableNow) {
                // accepted; the send-time check decides
            }
        }
        return uri;
    }

    /** The syntax rules alone (scheme, userinfo, host form), without DNS: used before every send. */
    public URI checkSyntax(String url) throws UrlRejectedException {
        if (url == null || url.isBlank()) {
            throw invalid("url is required");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw invalid("url is longer than " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw invalid("url is not a valid absolute URL");
        }
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getScheme() == null) {
            throw invalid("url must be an absolute https URL");
        }
        if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            throw invalid("url must not contain userinfo (credentials before @)");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw invalid("url must name a valid host");
        }
        // java.net.URI takes any digits as a port; HTTP clients refuse 0 and anything above 65535 only when a
        // delivery is attempted, long after registration.
        if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65_535)) {
            throw invalid("url port must be from 1 to 65535");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        boolean allowlisted = isAllowlisted(uri);
        if (!scheme.equals("https") && !(scheme.equals("http") && allowlisted)) {
            throw invalid("url must use https");
        }
        if (uri.getRawFragment() != null) {
            throw invalid("url must not contain a fragment");
        }
        if (!allowlisted) {
            checkHostForm(host);
        }
        return uri;
    }

    /**
     * Resolves a host for a connection to {@code port}: all its addresses, each checked unless {@code host} or
     * {@code host:port} is allowlisted. Any blocked address refuses the whole host, since a resolver may hand out
     * the blocked one next time.
     */
    public InetAddress[] resolve(String host, int port) throws UnknownHostException {
        return resolve(host, port, null);
    }

    /**
     * As {@link #resolve(String, int)}, giving DNS at most {@code timeout} (null: no bound).
     *
     * @throws DnsTimeoutException when the resolver has not answered in time (or the time is already up)
     */
    public InetAddress[] resolve(String host, int port, Duration timeout) throws UnknownHostException {
        if (isAllowlisted(host, port)) {
            return lookUp(unbracket(host), timeout);
        }
        return resolveChecked(host, timeout);
    }

    /** As {@link #resolve(String, int)} when the port is unknown: only a port-less allowlist entry exempts the host. */
    public InetAddress[] resolve(String host) throws UnknownHostException {
        return resolve(host, -1);
    }

    public boolean isAllowlisted(URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
        return isAllowlisted(uri.getHost(), port);
    }

    /** Exact match of {@code host} or {@code host:port}; a port-specific entry exempts that port only. */
    private boolean isAllowlisted(String rawHost, int port) {
        String host = bracketIpv6(normalizeHost(rawHost));
        return allowlist.contains(host) || (port >= 0 && allowlist.contains(host + ":" + port));
    }

    /** Why an address is refused, or null when it is public. */
    public static String blockedReason(InetAddress address) {
        return BlockedRanges.reason(address);
    }

    private InetAddress[] resolveChecked(String rawHost, Duration timeout) throws UnknownHostException {
        String host = unbracket(rawHost);
        checkHostForm(host);
        InetAddress[] addresses = lookUp(host, timeout);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException("host did not resolve");
        }
        for (InetAddress address : addresses) {
            String reason = BlockedRanges.reason(address);
            if (reason != null) {
                throw blocked("url host resolves to a " + reason + " address, which webhooks may not reach");
            }
        }
        return addresses;
    }

    /** The resolver's answer, waited for at most {@code timeout} when there is one. */
    private InetAddress[] lookUp(String host, Duration timeout) throws UnknownHostException {
        if (timeout == null) {
            return resolver.resolve(host);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new DnsTimeoutException("no time left to resolve the host");
        }
        Future<InetAddress[]> lookup = lookups.submit(() -> resolver.resolve(host));
        try {
            return lookup.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            throw new DnsTimeoutException("host did not resolve within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            lookup.cancel(true);
            Thread.currentThread().interrupt();
            throw new DnsTimeoutException("interrupted while resolving the host");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownHostException unknown) {
                throw unknown;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("resolver failed", cause);
        }
    }

    /** Refuses numeric hosts that are not canonical, and judges literal addresses without any DNS. */
    private static void checkHostForm(String rawHost) throws UrlRejectedException {
        String host = unbracket(rawHost);
        if (host.contains(":")) {
            InetAddress literal = ipv6Literal(host);
            String reason = BlockedRanges.reason(literal);
            if (reason != null) {
                throw blocked("url host is a " + reason + " address, which webhooks may not reach");
            }
            return;
        }
        String lower = host.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".")) {
            lower = lower.substring(0, lower.length() - 1);
        }
        if (looksNumeric(lower)) {
            byte[] address = parseInetAton(lower);
            if (address == null) {
                throw invalid("url host is not a valid IP address");
            }
            String canonical = Arrays.stream(new int[] {0, 1, 2, 3}).mapToObj(i -> Integer.toString(address[i] & 0xFF))
                    .collect(Collectors.joining("."));
            String reason;
            try {
                reason = BlockedRanges.reason(Inet4Address.getByAddress(address));
            } catch (UnknownHostException e) {
                throw invalid("url host is not a valid IP address");
            }
            if (reason != null) {
                throw blocked("url host is a " + reason + " address, which webhooks may not reach");
            }
            if (!canonical.equals(lower)) {
                throw invalid("url host must be a dotted-decimal IPv4 address without leading zeros");
            }
        }
    }

    /** Hosts made only of digits, dots and hex spellings are IP addresses to some resolver (inet_aton). */
    private static boolean looksNumeric(String host) {
        if (host.isEmpty()) {
            return false;
        }
        for (String part : host.split("\\.", -1)) {
            if (!part.matches("0x[0-9a-f]*|[0-9]+")) {
                return false;
            }
        }
        return true;
    }

    /** inet_aton(3): 1 to 4 parts, each decimal, 0-prefixed octal or 0x-prefixed hex; the last fills the rest. */
    static byte[] parseInetAton(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length > 4) {
            return null;
        }
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            try {
                if (part.startsWith("0x")) {
                    values[i] = part.length() == 2 ? 0 : Long.parseLong(part.substring(2), 16);
                } else if (part.length() > 1 && part.startsWith("0")) {
                    values[i] = Long.parseLong(part.substring(1), 8);
                } else {
                    values[i] = Long.parseLong(part);
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        long result = 0;
        for (int i = 0; i < values.length - 1; i++) {
            if (values[i] > 0xFF) {
                return null;
            }
            result |= values[i] << (8 * (3 - i));
        }
        long last = values[values.length - 1];
        int lastBits = 8 * (4 - (values.length - 1));
        if (last >= (1L << lastBits)) {
            return null;
        }
        result |= last;
        return new byte[] {(byte) (result >>> 24), (byte) (result >>> 16), (byte) (result >>> 8), (byte) result};
    }

    private static InetAddress ipv6Literal(String host) throws UrlRejectedException {
        if (!host.matches("[0-9a-fA-F:.]+")) {
            throw invalid("url host is not a valid IPv6 address");
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw invalid("url host is not a valid IPv6 address");
        }
    }

    /** {@code ::1} and {@code [::1]} name the same host; entries and hosts are compared in the bracketed form. */
    private static String bracketIpv6(String host) {
        return host.indexOf(':') != host.lastIndexOf(':') && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String normalizeHost(String host) {
        String lower = host == null ? "" : host.toLowerCase(Locale.ROOT);
        try {
            return IDN.toASCII(lower);
        } catch (IllegalArgumentException e) {
            return lower;
        }
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static UrlRejectedException invalid(String message) {
        return new UrlRejectedException(message, false);
    }

    private static UrlRejectedException blocked(String message) {
        return new UrlRejectedException(message, true);
    }
}
