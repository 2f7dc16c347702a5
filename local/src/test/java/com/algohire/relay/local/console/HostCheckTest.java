package com.algohire.relay.local.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which Host header values the local servers answer, without a server (the sockets are in the servers' tests). */
class HostCheckTest {

    @Test
    void loopback_allowsTheLoopbackNamesOfItsPortOnlyInAnyCase() {
        HostCheck check = HostCheck.loopback(3000);

        assertThat(check.hosts()).containsExactly("127.0.0.1:3000", "[::1]:3000", "localhost:3000");
        assertThat(check.allows("LOCALHOST:3000")).isTrue();
        assertThat(check.allows("[::1]:3000")).isTrue();
        for (String host : new String[] {null, "", "localhost", "127.0.0.1", "localhost:3001", "127.0.0.1:30000",
            "evil.example:3000", "127.0.0.1.evil.example:3000", "localhost:3000.evil.example", "[::1]", "::1:3000",
            "0.0.0.0:3000", "localhost.:3000"}) {
            assertThat(check.allows(host)).as("Host %s", host).isFalse();
        }
    }

    @Test
    void and_addsTheNameTheServerWasBoundBy_anIpv6LiteralInBrackets() {
        HostCheck check = HostCheck.loopback(3000).and("Relay.Internal", 3000).and("fd00::1", 3000);

        assertThat(check.allows("relay.internal:3000")).isTrue();
        assertThat(check.allows("[fd00::1]:3000")).isTrue();
        assertThat(check.allows("relay.internal")).isFalse();
    }

    @Test
    void loopback_onPort80_alsoAllowsTheNamesWithoutAPortAsBrowsersSendThem() {
        HostCheck check = HostCheck.loopback(80);

        assertThat(check.allows("localhost")).isTrue();
        assertThat(check.allows("localhost:80")).isTrue();
        assertThat(check.allows("evil.example")).isFalse();
    }
}
