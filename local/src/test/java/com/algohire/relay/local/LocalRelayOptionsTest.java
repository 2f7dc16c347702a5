package com.algohire.relay.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalRelayOptionsTest {

    @Test
    void parse_whenNothingGiven_usesPort3000OnLoopbackWithLocalAllowlist() {
        LocalRelay.Options options = LocalRelay.Options.parse(new String[0], Map.of());

        assertThat(options.port()).isEqualTo(3000);
        assertThat(options.host()).isEqualTo("127.0.0.1");
        assertThat(options.sweepInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.ssrfAllowlist()).isEqualTo("localhost,127.0.0.1");
    }

    @Test
    void parse_whenFlagAndEnvironmentBothSet_flagWins() {
        LocalRelay.Options options = LocalRelay.Options.parse(
                new String[] {"--port", "4000", "--sweep-interval-seconds=5"},
                Map.of("PORT", "5000", "RELAY_LOCAL_API_KEY", "k1", "SSRF_ALLOWLIST", "receiver.test"));

        assertThat(options.port()).isEqualTo(4000);
        assertThat(options.sweepInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.keys().apiKey()).isEqualTo("k1");
        assertThat(options.ssrfAllowlist()).isEqualTo("receiver.test");
    }

    @Test
    void parse_whenEnvironmentPortSet_usesIt() {
        assertThat(LocalRelay.Options.parse(new String[0], Map.of("PORT", "8080")).port()).isEqualTo(8080);
    }

    @Test
    void parse_whenOptionUnknownOrValueBad_failsNamingIt() {
        assertThatThrownBy(() -> LocalRelay.Options.parse(new String[] {"--prot", "1"}, Map.of()))
                .hasMessageContaining("--prot");
        assertThatThrownBy(() -> LocalRelay.Options.parse(new String[] {"--port", "70000"}, Map.of()))
                .hasMessageContaining("--port").hasMessageContaining("70000");
        assertThatThrownBy(() -> LocalRelay.Options.parse(new String[] {"--port"}, Map.of()))
                .hasMessageContaining("--port needs a value");
    }
}
