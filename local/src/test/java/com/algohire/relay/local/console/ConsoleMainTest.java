package com.algohire.relay.local.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    @Test
    void server_withSigV4Forwarder_signsThePagesCallAndPassesTheAnswerBack() throws IOException {
        AtomicReference<SigV4ForwarderTest.Received> upstream = new AtomicReference<>();
        HttpServer api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        api.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                Map<String, List<String>> headers = new TreeMap<>();
                exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values));
                upstream.set(new SigV4ForwarderTest.Received(exchange.getRequestMethod(),
                        exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(), headers,
                        in.readAllBytes()));
                byte[] answer = "{\"success\":false,\"error\":{\"code\":\"SUBSCRIPTION_NOT_FOUND\"}}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("Set-Cookie", "upstream=1");
                exchange.sendResponseHeaders(404, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        api.start();
        SigV4Forwarder forwarder = new SigV4Forwarder(
                URI.create("http://127.0.0.1:" + api.getAddress().getPort() + "/prod"), "eu-west-1",
                SigV4Forwarder.SERVICE, StaticCredentialsProvider.create(SESSION), Clock.systemUTC());
        try (ConsoleMain.Server server = ConsoleMain.Server.start(forwarder, 0)) {
            int port = server.address().getPort();
            String self = "127.0.0.1:" + port;
            String page = RawHttp.send(port, "GET", "/console/", Map.of("Host", self), null).body();
            Matcher token = Pattern.compile("name=\"relay-console-token\" content=\"([0-9a-f]+)\"").matcher(page);
            assertThat(token.find()).as("the page carries its token").isTrue();

            RawHttp.Response response = RawHttp.send(port, "PATCH", "/console/api/api/v1/subscriptions/sub_9?x=1",
                    Map.of("Host", self, "Origin", "http://" + self, ConsoleHandler.TOKEN_HEADER, token.group(1),
                            "Content-Type", "application/json", "Cookie", "browser=secret"),
                    "{\"description\":\"d\"}");

            assertThat(response.status()).isEqualTo(404);
            assertThat(response.body()).contains("SUBSCRIPTION_NOT_FOUND");
            assertThat(response.header("Set-Cookie")).isNull();
            SigV4ForwarderTest.Received wire = upstream.get();
            assertThat(wire.method()).isEqualTo("PATCH");
            assertThat(wire.rawPath()).isEqualTo("/prod/api/v1/subscriptions/sub_9");
            assertThat(wire.rawQuery()).isEqualTo("x=1");
            assertThat(new String(wire.body(), StandardCharsets.UTF_8)).isEqualTo("{\"description\":\"d\"}");
            assertThat(wire.headers())
                    .doesNotContainKeys("cookie", "origin", ConsoleHandler.TOKEN_HEADER.toLowerCase());
            String authorization = wire.header("Authorization");
            assertThat(authorization).contains("/eu-west-1/execute-api/aws4_request");
            assertThat(SigV4Check.signatureOf(wire, SESSION.secretAccessKey(), "eu-west-1", "execute-api"))
                    .isEqualTo(authorization.substring(authorization.indexOf("Signature=") + "Signature=".length()));
        } finally {
            api.stop(0);
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
