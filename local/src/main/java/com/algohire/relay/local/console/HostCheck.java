package com.algohire.relay.local.console;

import com.algohire.relay.internal.Json;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code Host} header values a local server answers to, and the one answer to any other: the defence against
 * DNS rebinding, shared by every server the local tools run ({@code ./relay local}'s API, ingest, demo receiver
 * and console, and {@code ./relay console}'s).
 *
 * <p>A page on an attacker's name whose DNS is re-pointed at 127.0.0.1 reaches a loopback server from the
 * operator's own browser, under the attacker's origin (so it may read the answers), but its requests carry the
 * attacker's name in {@code Host}: answering only the loopback names of the server's own port (and any name the
 * operator gave) turns it away before any route, credential or body is looked at. Such a request gets 421
 * Misdirected Request in the relay's error envelope, code {@value #CODE}.
 */
public final class HostCheck {
    public static final String CODE = "MISDIRECTED_REQUEST";
    public static final int STATUS = 421;

    private final Set<String> allowed;

    private HostCheck(Set<String> allowed) {
        this.allowed = Set.copyOf(allowed);
    }

    /**
     * The loopback names a browser on this machine may use for {@code port}: {@code localhost}, {@code 127.0.0.1}
     * and {@code [::1]} with the port (and without it on port 80, where browsers leave it out).
     */
    public static HostCheck loopback(int port) {
        return new HostCheck(Set.of()).and("localhost", port).and("127.0.0.1", port).and("[::1]", port);
    }

    /** This check, also answering {@code name} on {@code port} (a name or address the operator gave with --host). */
    public HostCheck and(String name, int port) {
        String host = name.toLowerCase(Locale.ROOT);
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]"; // an IPv6 literal, as a Host header spells it
        }
        Set<String> next = new LinkedHashSet<>(allowed);
        next.add(host + ":" + port);
        if (port == 80) {
            next.add(host);
        }
        return new HostCheck(next);
    }

    /** Whether a request with this {@code Host} header (null: none) is answered; the name is case-insensitive. */
    public boolean allows(String hostHeader) {
        return hostHeader != null && allowed.contains(hostHeader.trim().toLowerCase(Locale.ROOT));
    }

    /** The allowed values, sorted, as the refusal names them. */
    public List<String> hosts() {
        return allowed.stream().sorted().toList();
    }

    /**
     * Answers 421 unless the exchange's {@code Host} is allowed.
     *
     * @return true when the request may be served; false when it has been refused (the exchange is answered)
     */
    public boolean admit(HttpExchange exchange) throws IOException {
        if (allows(exchange.getRequestHeaders().getFirst("Host"))) {
            return true;
        }
        refuse(exchange);
        return false;
    }

    /** A filter that admits only allowed Hosts, for every context of a server ({@code HttpContext.getFilters()}). */
    public Filter filter() {
        return new Filter() {
            @Override
            public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
                if (admit(exchange)) {
                    chain.doFilter(exchange);
                } else {
                    exchange.close();
                }
            }

            @Override
            public String description() {
                return "answers only Host " + hosts();
            }
        };
    }

    private void refuse(HttpExchange exchange) throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", CODE);
        // The refused Host is not echoed: it is the attacker's text, and the operator knows what they typed.
        error.put("message", "This server answers only to Host " + String.join(", ", hosts())
                + " (a page on another name cannot use it)");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("error", error);
        byte[] bytes = Json.mapper().writeValueAsBytes(body);
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json; charset=utf-8");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Cache-Control", "no-store");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        exchange.sendResponseHeaders(STATUS, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
