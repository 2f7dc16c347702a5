package com.algohire.relay.ssrf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * The address ranges a webhook must never reach: everything that is not the public internet (loopback, private,
 * link-local incl. cloud metadata, CGNAT, reserved, documentation, multicast), and IPv6 forms that embed one.
 *
 * <p>Checked against the IANA IPv4 and IPv6 Special-Purpose Address Registries. Ranges the registry marks globally
 * reachable but no webhook receiver lives in (AS112, AMT, PCP/TURN anycast) are refused with their parent block.
 * IPv6 that carries an IPv4 address is decided per form:
 * <ul>
 *   <li>judged by the IPv4 address it carries: IPv4-mapped {@code ::ffff:0:0/96} (a dual-stack socket connects to
 *       the IPv4 address), the well-known NAT64 prefix {@code 64:ff9b::/96} and 6to4 {@code 2002::/16} (a
 *       translator or relay forwards to it);</li>
 *   <li>refused outright: SIIT IPv4-translated {@code ::ffff:0:0:0/96}, IPv4-compatible {@code ::/96}, local-use
 *       NAT64 {@code 64:ff9b:1::/48} (the IPv4 address may sit anywhere in it), Teredo {@code 2001::/32} (inside
 *       {@code 2001::/23}): forms no public receiver is reached by, whose embedded address a translator in the
 *       path could still route to.</li>
 * </ul>
 * Any other IPv6 address outside global unicast {@code 2000::/3} is refused too, so space IANA has not assigned
 * yet cannot become a way around the list.
 */
final class BlockedRanges {

    private record Cidr(byte[] network, int prefix, String label) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private static final List<Cidr> V4 = List.of(
            cidr("0.0.0.0", 8, "this-network"),
            cidr("10.0.0.0", 8, "private"),
            cidr("100.64.0.0", 10, "carrier-grade NAT"),
            cidr("127.0.0.0", 8, "loopback"),
            cidr("169.254.0.0", 16, "link-local/metadata"),
            cidr("172.16.0.0", 12, "private"),
            cidr("192.0.0.0", 24, "IETF protocol assignments"),
            cidr("192.0.2.0", 24, "documentation"),
            cidr("192.31.196.0", 24, "AS112"),
            cidr("192.52.193.0", 24, "AMT"),
            cidr("192.88.99.0", 24, "6to4 relay"),
            cidr("192.168.0.0", 16, "private"),
            cidr("192.175.48.0", 24, "AS112 direct delegation"),
            cidr("198.18.0.0", 15, "benchmarking"),
            cidr("198.51.100.0", 24, "documentation"),
            cidr("203.0.113.0", 24, "documentation"),
            cidr("224.0.0.0", 4, "multicast"),
            cidr("240.0.0.0", 4, "reserved/broadcast")); // 255.255.255.255 included

    private static final List<Cidr> V6 = List.of(
            cidr("::", 96, "unspecified/loopback/IPv4-compatible"),
            cidr("::ffff:0:0:0", 96, "IPv4-translated (SIIT)"),
            cidr("64:ff9b:1::", 48, "local-use NAT64"),
            cidr("100::", 64, "discard"),
            cidr("100:0:0:1::", 64, "dummy prefix"),
            cidr("2001::", 23, "IETF protocol assignments (incl. Teredo)"),
            cidr("2001:db8::", 32, "documentation"),
            cidr("2620:4f:8000::", 48, "AS112 direct delegation"),
            cidr("3fff::", 20, "documentation"),
            cidr("5f00::", 16, "segment routing SIDs"),
            cidr("fc00::", 7, "unique local"),
            cidr("fe80::", 10, "link-local"),
            cidr("fec0::", 10, "site-local"),
            cidr("ff00::", 8, "multicast"));

    private static final Cidr V4_MAPPED = cidr("::ffff:0:0", 96, "IPv4-mapped");
    private static final Cidr NAT64 = cidr("64:ff9b::", 96, "NAT64");
    private static final Cidr SIX_TO_FOUR = cidr("2002::", 16, "6to4");
    private static final Cidr GLOBAL_UNICAST = cidr("2000::", 3, "global unicast");

    private BlockedRanges() {
    }

    /** Why the address is refused, or null when it is a public address. */
    static String reason(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return v4Reason(bytes);
        }
        if (address instanceof Inet6Address) {
            // Forms that carry an IPv4 address are judged by the address they carry.
            if (V4_MAPPED.contains(bytes) || NAT64.contains(bytes)) {
                String embedded = v4Reason(Arrays.copyOfRange(bytes, 12, 16));
                return embedded == null ? null : "IPv6 form of " + embedded;
            }
            if (SIX_TO_FOUR.contains(bytes)) {
                String embedded = v4Reason(Arrays.copyOfRange(bytes, 2, 6));
                return embedded == null ? null : "6to4 form of " + embedded;
            }
            for (Cidr range : V6) {
                if (range.contains(bytes)) {
                    return range.label();
                }
            }
            return GLOBAL_UNICAST.contains(bytes) ? null : "reserved (not global unicast)";
        }
        return "unknown address family";
    }

    private static String v4Reason(byte[] bytes) {
        for (Cidr range : V4) {
            if (range.contains(bytes)) {
                return range.label();
            }
        }
        return null;
    }

    private static Cidr cidr(String literal, int prefix, String label) {
        try {
            byte[] raw = InetAddress.getByName(literal).getAddress();
            if (literal.contains(":") && raw.length == 4) {
                // Java folds ::ffff:a.b.c.d into an IPv4 address; rebuild the 16-byte form.
                byte[] v6 = new byte[16];
                v6[10] = (byte) 0xFF;
                v6[11] = (byte) 0xFF;
                System.arraycopy(raw, 0, v6, 12, 4);
                raw = v6;
            }
            return new Cidr(raw, prefix, label);
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
