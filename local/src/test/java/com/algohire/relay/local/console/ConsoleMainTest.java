package com.algohire.relay.local.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** {@code ./relay console}: its options, its banner, and a server reachable on loopback only. */
class ConsoleMainTest {
    private static final AwsSessionCredentials SESSION = AwsSessionCredentials.create(
            "ASIATESTACCESSKEY0002", "test/secret+key/for+banner/only/000000000", "test-session-token-banner");

    private static SigV4Forwarder forwarder() {
        return new SigV4Forwarder(URI.create("https://abc123.execute-api.eu-west-1.amazonaws.com/prod"), "eu-west-1",
                SigV4Forwarder.SERVICE, StaticCredentialsProvider.create(SESSION), Clock.systemUTC());
    }

    @Test
    void server_bindsLoopbackOnly_andServesTheConsoleThere() throws IOException {
        try (ConsoleMain.Server server = ConsoleMain.Server.start(forwarder(), 0)) {
            int port = server.address().getPort();

            assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
            assertThat(server.consoleUri()).isEqualTo(URI.create("http://127.0.0.1:" + port + "/console/"));
            assertThat(RawHttp.send(port, "GET", "/console/", Map.of("Host", "127.0.0.1:" + port), null).status())
                    .isEqualTo(200);
            assertThat(RawHttp.send(port, "GET", "/console/", Map.of("Host", "localhost:" + port), null).status())
                    .isEqualTo(200);
            assertThat(RawHttp.send(port, "GET", "/", Map.of("Host", "127.0.0.1:" + port), null).status())
                    .as("nothing but the console").isEqualTo(404);
            // Every other address of this machine: nothing listens there.
            for (InetAddress address : nonLoopbackAddresses()) {
                assertThatThrownBy(() -> {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(address, port), 2_000);
                    }
                }).as("connect to %s:%d", address, port).isInstanceOf(IOException.class);
            }
        }
    }

    private static List<InetAddress> nonLoopbackAddresses() throws IOException {
        List<InetAddress> addresses = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (!address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                        addresses.add(address);
                    }
                }
            }
        }
        return addresses;
    }

    @Test
    void banner_namesTheConsoleAndTheApi_neverTheCredentials() {
        try (ConsoleMain.Server server = ConsoleMain.Server.start(forwarder(), 0)) {
            String banner = ConsoleMain.banner(server, forwarder(), new ConsoleMain.Options(
                    "https://abc123.execute-api.eu-west-1.amazonaws.com/prod", 0, null, "ops"));

            assertThat(banner).contains(server.consoleUri().toString())
                    .contains("https://abc123.execute-api.eu-west-1.amazonaws.com/prod (eu-west-1)")
                    .contains("profile ops").contains("127.0.0.1 only")
                    .doesNotContain(SESSION.accessKeyId(), SESSION.secretAccessKey(), SESSION.sessionToken());
        }
    }

    @Test
    void parse_apiUrlOnly_defaultsToPort3100() {
        ConsoleMain.Options options = ConsoleMain.Options.parse(new String[] {"--api-url", "https://x.example/prod"});

        assertThat(options).isEqualTo(new ConsoleMain.Options("https://x.example/prod", 3100, null, null));
    }

    @Test
    void parse_everyOption_inBothSpellings() {
        ConsoleMain.Options options = ConsoleMain.Options.parse(new String[] {"--api-url=https://x.example/prod",
            "--port", "0", "--region=eu-west-2", "--profile", "ops"});

        assertThat(options).isEqualTo(new ConsoleMain.Options("https://x.example/prod", 0, "eu-west-2", "ops"));
    }

    @Test
    void parse_badInput_namesTheOption() {
        assertThatThrownBy(() -> ConsoleMain.Options.parse(new String[0]))
                .hasMessageContaining("--api-url is required");
        assertThatThrownBy(() -> ConsoleMain.Options.parse(new String[] {"--api-url", "https://x", "--port", "70000"}))
                .hasMessageContaining("--port must be a number from 0 to 65535, was: 70000");
        assertThatThrownBy(() -> ConsoleMain.Options.parse(new String[] {"--api-url", "https://x", "--host", "0"}))
                .hasMessageContaining("unknown option: --host");
        assertThatThrownBy(() -> ConsoleMain.Options.parse(new String[] {"--api-url"}))
                .hasMessageContaining("--api-url needs a value");
    }
}
