package com.algohire.relay.ssrf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SsrfGuardTest {
    /** Public names resolve to a public address; "rebind.test" resolves to a public and a metadata address. */
    private final SsrfGuard guard = new SsrfGuard(Set.of("127.0.0.1:8080"), host -> switch (host) {
        case "hooks.example.com" -> new InetAddress[] {InetAddress.getByName("93.184.216.34")};
        case "rebind.test" -> new InetAddress[] {InetAddress.getByName("93.184.216.34"),
                InetAddress.getByName("169.254.169.254")};
        case "localhost", "127.0.0.1" -> new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        default -> throw new java.net.UnknownHostException(host);
    });

    @ParameterizedTest
    @ValueSource(strings = {
            "https://127.0.0.1/hook", "https://127.1/hook", "https://2130706433/hook", "https://0177.0.0.1/hook",
            "https://0x7f.0.0.1/hook", "https://0x7f000001/hook", "https://0.0.0.0/hook", "https://10.1.2.3/",
            "https://172.16.0.1/", "https://172.31.255.255/", "https://192.168.1.1/", "https://169.254.169.254/latest",
            "https://100.64.0.1/", "https://192.0.0.1/", "https://198.18.0.1/", "https://192.0.2.1/",
            "https://198.51.100.1/", "https://203.0.113.1/", "https://224.0.0.1/", "https://255.255.255.255/",
            "https://240.0.0.1/", "https://[::1]/", "https://[::]/", "https://[fc00::1]/", "https://[fd12:3456::1]/",
            "https://[fe80::1]/", "https://[ff02::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/",
            "https://[::ffff:169.254.169.254]/", "https://[::127.0.0.1]/", "https://[64:ff9b::a9fe:a9fe]/",
            "https://[2002:7f00:1::]/", "https://localhost/hook", "https://rebind.test/hook",
            "http://hooks.example.com/hook", "https://user:pass@hooks.example.com/hook", "ftp://hooks.example.com/",
            "/relative/path", "not a url", "https://08.8.8.8/", "https://999.1.1.1/", "http://127.0.0.1:9090/hook",
            "https://hooks.example.com:99999/", "https://hooks.example.com:0/", "https://hooks.example.com:65536/",
            "https://93.184.216.34:70000/hook"})
    void checkUrl_whenUrlIsNotPublicHttps_rejects(String url) {
        assertThatThrownBy(() -> guard.checkUrl(url)).isInstanceOf(UrlRejectedException.class)
                .hasMessageNotContaining("pass");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com/hook", "https://93.184.216.34/hook", "https://[2606:4700::1111]/",
            "https://[64:ff9b::808:808]/", "https://unresolvable.invalid/hook", "http://127.0.0.1:8080/hook",
            "https://hooks.example.com:1/", "https://hooks.example.com:65535/hook", "https://hooks.example.com:8443/"})
    void checkUrl_whenPublicHttpsOrAllowlisted_accepts(String url) {
        assertThatCode(() -> guard.checkUrl(url)).doesNotThrowAnyException();
    }

    /**
     * The IANA IPv4 and IPv6 Special-Purpose Address Registries, row by row (first and last address of each block,
     * and the public neighbours either side), plus the IPv6 forms that embed an IPv4 address.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // IPv4
            "0.0.0.0, blocked", "0.255.255.255, blocked", "1.0.0.0, public",
            "10.0.0.0, blocked", "10.255.255.255, blocked", "11.0.0.0, public",
            "100.63.255.255, public", "100.64.0.0, blocked", "100.127.255.255, blocked", "100.128.0.0, public",
            "127.0.0.1, blocked", "127.255.255.255, blocked",
            "169.254.0.0, blocked", "169.254.169.254, blocked", "169.254.255.255, blocked", "169.255.0.0, public",
            "172.15.255.255, public", "172.16.0.0, blocked", "172.31.255.255, blocked", "172.32.0.0, public",
            "192.0.0.0, blocked", "192.0.0.9, blocked", "192.0.0.170, blocked", "192.0.0.255, blocked",
            "192.0.1.255, public", "192.0.2.0, blocked", "192.0.2.255, blocked", "192.0.3.0, public",
            "192.31.196.1, blocked", "192.52.193.1, blocked", "192.175.48.1, blocked",
            "192.88.99.0, blocked", "192.88.99.255, blocked", "192.88.100.0, public",
            "192.167.255.255, public", "192.168.0.0, blocked", "192.168.255.255, blocked", "192.169.0.0, public",
            "198.17.255.255, public", "198.18.0.0, blocked", "198.19.255.255, blocked", "198.20.0.0, public",
            "198.51.100.0, blocked", "198.51.100.255, blocked", "203.0.113.0, blocked", "203.0.113.255, blocked",
            "223.255.255.255, public", "224.0.0.0, blocked", "239.255.255.255, blocked", "240.0.0.0, blocked",
            "255.255.255.254, blocked", "255.255.255.255, blocked", "8.8.8.8, public", "93.184.216.34, public",
            // IPv6
            "::, blocked", "::1, blocked", "::8.8.8.8, blocked", "::127.0.0.1, blocked",
            "::ffff:127.0.0.1, blocked", "::ffff:169.254.169.254, blocked", "::ffff:8.8.8.8, public",
            "::ffff:0:7f00:1, blocked", "::ffff:0:808:808, blocked", "::ffff:0:a9fe:a9fe, blocked",
            "64:ff9b::7f00:1, blocked", "64:ff9b::a00:1, blocked", "64:ff9b::808:808, public",
            "64:ff9b:1::1, blocked", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff, blocked",
            "100::1, blocked", "100::ffff:ffff:ffff:ffff, blocked", "100:0:0:1::1, blocked",
            "2001::1, blocked", "2001:0:4136:e378:8000:63bf:3fff:fdd2, blocked", "2001:1::1, blocked",
            "2001:2::1, blocked", "2001:20::1, blocked", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff, blocked",
            "2001:200::1, public", "2001:db8::1, blocked", "2001:db8:ffff::1, blocked", "2001:db9::1, public",
            "2002:7f00:1::, blocked", "2002:a9fe:a9fe::1, blocked", "2002:c0a8:101::1, blocked",
            "2002:808:808::1, public", "2620:4f:8000::1, blocked", "2606:4700::1111, public",
            "3fff::1, blocked", "3fff:fff:ffff::1, blocked", "3fff:1000::1, public",
            "5f00::1, blocked", "fc00::1, blocked", "fdff:ffff::1, blocked", "fe80::1, blocked",
            "febf:ffff::1, blocked", "fec0::1, blocked", "ff02::1, blocked", "ff0e::1, blocked",
            "1::1, blocked", "4000::1, blocked", "e000::1, blocked"})
    void blockedReason_whenSpecialPurposeOrPublic_decidesPerIanaRegistry(String address, String expected)
            throws Exception {
        String reason = SsrfGuard.blockedReason(InetAddress.getByName(address));
        if (expected.equals("blocked")) {
            assertThat(reason).as(address).isNotNull();
        } else {
            assertThat(reason).as(address).isNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://[::ffff:0:7f00:1]/", "https://[::ffff:0:a9fe:a9fe]/latest",
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "https://[64:ff9b:1::a9fe:a9fe]/",
            "https://[3fff::1]/", "https://[5f00::1]/"})
    void checkUrl_whenIpv6LiteralEmbedsOrIsSpecialPurpose_refusesAsBlockedAddress(String url) {
        assertThatThrownBy(() -> guard.checkUrl(url)).isInstanceOfSatisfying(UrlRejectedException.class,
                e -> assertThat(e.blockedAddress()).isTrue());
    }

    @Test
    void resolve_whenAnyAddressBlocked_refusesWholeHost() {
        assertThatThrownBy(() -> guard.resolve("rebind.test")).isInstanceOf(UrlRejectedException.class)
                .matches(e -> ((UrlRejectedException) e).blockedAddress());
    }

    @Test
    void resolve_whenAllowlistedHostAndPort_returnsLoopback() throws Exception {
        assertThat(guard.resolve("127.0.0.1", 8080)).extracting(InetAddress::getHostAddress)
                .containsExactly("127.0.0.1");
    }

    @Test
    void resolve_whenAllowlistEntryNamesAnotherPort_refuses() {
        SsrfGuard byName = new SsrfGuard(Set.of("localhost:8080", "[::1]:8080"),
                host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
        assertThatCode(() -> byName.resolve("localhost", 8080)).doesNotThrowAnyException();
        assertThatThrownBy(() -> byName.resolve("localhost", 9090)).isInstanceOf(UrlRejectedException.class);
        assertThatThrownBy(() -> byName.resolve("localhost")).isInstanceOf(UrlRejectedException.class);
        assertThatThrownBy(() -> byName.resolve("::1", 9090)).isInstanceOf(UrlRejectedException.class);
    }

    @Test
    void resolve_whenPortlessEntry_exemptsEveryPortButOnlyThatExactHost() throws Exception {
        SsrfGuard byName = new SsrfGuard(Set.of("localhost", "::1"),
                host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
        assertThat(byName.resolve("localhost", 9090)).hasSize(1);
        assertThat(byName.resolve("[::1]", 9090)).hasSize(1);
        assertThatThrownBy(() -> byName.resolve("evil-localhost", 9090)).isInstanceOf(UrlRejectedException.class);
        assertThatThrownBy(() -> byName.resolve("localhost.evil.com", 9090)).isInstanceOf(UrlRejectedException.class);
        assertThat(byName.isAllowlisted(java.net.URI.create("http://[::1]:3000/x"))).isTrue();
    }

    @Test
    void parseInetAton_whenShortForms_matchesCLibrary() {
        assertThat(SsrfGuard.parseInetAton("127.1")).containsExactly(127, 0, 0, 1);
        assertThat(SsrfGuard.parseInetAton("0x7f.1")).containsExactly(127, 0, 0, 1);
        assertThat(SsrfGuard.parseInetAton("2130706433")).containsExactly(127, 0, 0, 1);
        assertThat(SsrfGuard.parseInetAton("0177.0.0.01")).containsExactly(127, 0, 0, 1);
        assertThat(SsrfGuard.parseInetAton("256.1.1.1")).isNull();
    }

    /** A resolver that never answers (until interrupted): DNS that hangs. */
    private static InetAddress[] hang(String host) throws UnknownHostException {
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new UnknownHostException("interrupted");
    }

    @Test
    void resolve_whenDnsHangs_givesUpAtTheTimeoutWithDnsTimeout() {
        SsrfGuard hanging = new SsrfGuard(Set.of(), SsrfGuardTest::hang);
        long start = System.nanoTime();

        assertThatThrownBy(() -> hanging.resolve("hooks.example.com", 443, Duration.ofMillis(300)))
                .isInstanceOf(DnsTimeoutException.class).hasMessageContaining("300 ms");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void resolve_whenAllowlistedHostHangs_isBoundedToo() {
        SsrfGuard hanging = new SsrfGuard(Set.of("receiver.local"), SsrfGuardTest::hang);

        assertThatThrownBy(() -> hanging.resolve("receiver.local", 80, Duration.ofMillis(200)))
                .isInstanceOf(DnsTimeoutException.class);
    }

    @Test
    void resolve_whenBoundedAndTheAnswerIsBlocked_stillRefusesIt() {
        SsrfGuard guard = new SsrfGuard(Set.of(), host -> new InetAddress[] {InetAddress.getByName("10.0.0.7")});

        assertThatThrownBy(() -> guard.resolve("internal.example.com", 443, Duration.ofSeconds(2)))
                .isInstanceOf(UrlRejectedException.class);
    }

    @Test
    void resolve_whenNoTimeIsLeft_failsWithoutAskingTheResolver() {
        SsrfGuard guard = new SsrfGuard(Set.of(), host -> {
            throw new AssertionError("resolver asked");
        });

        assertThatThrownBy(() -> guard.resolve("hooks.example.com", 443, Duration.ZERO))
                .isInstanceOf(DnsTimeoutException.class);
    }
}
