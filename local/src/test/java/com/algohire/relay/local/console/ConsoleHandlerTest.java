package com.algohire.relay.local.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console server's defences, as a hostile page in the operator's browser would meet them: requests sent over
 * a socket to a real {@link HttpServer} with the headers a browser sends for a cross-site fetch, a form post, or a
 * page on a rebound name. Every refusal is checked to have reached no forwarder.
 */
class ConsoleHandlerTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef";

    /** One forwarded call. */
    record Call(String method, String pathAndQuery, Map<String, String> headers, String body) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private int port;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        port = server.getAddress().getPort();
        ConsoleForwarder recording = new ConsoleForwarder() {
            @Override
            public Answer forward(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
                calls.add(new Call(method, pathAndQuery, headers, new String(body, StandardCharsets.UTF_8)));
                return new Answer(200, "application/json", "{\"success\":true}".getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public String target() {
                return "https://api.example/prod <eu-west-1>";
            }
        };
        server.createContext(ConsoleHandler.PATH,
                new ConsoleHandler(recording, HostCheck.loopback(port), TOKEN));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String self() {
        return "127.0.0.1:" + port;
    }

    private static Map<String, String> headers(String... nameValues) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.put(nameValues[i], nameValues[i + 1]);
        }
        return headers;
    }

    private RawHttp.Response send(String method, String target, Map<String, String> headers, String body)
            throws IOException {
        return RawHttp.send(port, method, target, headers, body);
    }

    // --- what must work, so that each refusal below is a refusal and not a broken server

    @Test
    void api_sameOriginPostWithToken_isForwardedWithItsPathQueryTypeAndBody() throws IOException {
        RawHttp.Response response = send("POST", "/console/api/api/v1/subscriptions?dryRun=1",
                headers("Host", self(), "Origin", "http://" + self(), "Sec-Fetch-Site", "same-origin",
                        ConsoleHandler.TOKEN_HEADER, TOKEN, "Content-Type", "application/json; charset=utf-8",
                        "Cookie", "session=should-not-travel"),
                "{\"url\":\"https://example.com/hook\"}");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"success\":true}");
        assertThat(calls).containsExactly(new Call("POST", "/api/v1/subscriptions?dryRun=1",
                Map.of("Content-Type", "application/json; charset=utf-8"), "{\"url\":\"https://example.com/hook\"}"));
    }

    @Test
    void api_getFromLocalhostWithoutOriginWithToken_isForwarded() throws IOException {
        RawHttp.Response response = send("GET", "/console/api/api/v1/events?limit=5",
                headers("Host", "localhost:" + port, ConsoleHandler.TOKEN_HEADER, TOKEN), null);

        assertThat(response.status()).isEqualTo(200);
        assertThat(calls).extracting(Call::pathAndQuery).containsExactly("/api/v1/events?limit=5");
    }

    // --- cross-site requests (CSRF)

    @Test
    void api_crossOriginRequest_isRefused403EvenWithTheToken() throws IOException {
        for (String origin : List.of("https://evil.example", "null", "http://localhost:" + port,
                "http://" + self() + ".evil.example", "https://" + self())) {
            RawHttp.Response response = send("POST", "/console/api/api/v1/subscriptions/sub_1/pause",
                    headers("Host", self(), "Origin", origin, ConsoleHandler.TOKEN_HEADER, TOKEN,
                            "Content-Type", "application/json"), "{}");

            assertThat(response.status()).as("Origin %s", origin).isEqualTo(403);
            assertThat(response.body()).contains("\"code\":\"CONSOLE_ORIGIN_REFUSED\"");
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void api_crossSiteFetchMetadata_isRefused403() throws IOException {
        for (String site : List.of("cross-site", "same-site", "none")) {
            RawHttp.Response response = send("GET", "/console/api/api/v1/events",
                    headers("Host", self(), "Sec-Fetch-Site", site, ConsoleHandler.TOKEN_HEADER, TOKEN), null);

            assertThat(response.status()).as("Sec-Fetch-Site %s", site).isEqualTo(403);
            assertThat(response.body()).contains("CONSOLE_ORIGIN_REFUSED");
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void api_withoutToken_isRefused403() throws IOException {
        RawHttp.Response response = send("GET", "/console/api/api/v1/events",
                headers("Host", self(), "Origin", "http://" + self()), null);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.body()).contains("\"code\":\"CONSOLE_TOKEN_REQUIRED\"");
        assertThat(calls).isEmpty();
    }

    @Test
    void api_withWrongToken_isRefused403() throws IOException {
        String lastCharWrong = TOKEN.substring(0, TOKEN.length() - 1) + "0";
        for (String wrong : List.of(lastCharWrong, TOKEN.substring(1), TOKEN + "0", "", TOKEN.toUpperCase())) {
            RawHttp.Response response = send("DELETE", "/console/api/api/v1/subscriptions/sub_1",
                    headers("Host", self(), "Origin", "http://" + self(), ConsoleHandler.TOKEN_HEADER, wrong), null);

            assertThat(response.status()).as("token %s", wrong).isEqualTo(403);
            assertThat(response.body()).contains("CONSOLE_TOKEN_REQUIRED");
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void api_formStylePostWithoutToken_isRefused() throws IOException {
        // What <form method=post action=http://127.0.0.1:port/console/api/...> on another site sends: a simple
        // request (no preflight), a form content type, the attacker's Origin or none, and no custom header.
        for (String type : List.of("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; b=x")) {
            RawHttp.Response crossSite = send("POST", "/console/api/api/v1/subscriptions",
                    headers("Host", self(), "Origin", "https://evil.example", "Content-Type", type),
                    "url=https%3A%2F%2Fevil.example%2Fhook");
            RawHttp.Response noOrigin = send("POST", "/console/api/api/v1/subscriptions",
                    headers("Host", self(), "Content-Type", type), "{\"url\":\"https://evil.example/hook\"}");

            assertThat(crossSite.status()).as(type).isEqualTo(403);
            assertThat(noOrigin.status()).as(type).isEqualTo(403);
            assertThat(noOrigin.body()).contains("CONSOLE_TOKEN_REQUIRED");
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void api_formContentTypeEvenWithToken_isRefused415() throws IOException {
        for (String type : List.of("application/x-www-form-urlencoded", "text/plain;charset=UTF-8")) {
            RawHttp.Response response = send("POST", "/console/api/api/v1/subscriptions",
                    headers("Host", self(), "Origin", "http://" + self(), ConsoleHandler.TOKEN_HEADER, TOKEN,
                            "Content-Type", type), "{\"url\":\"https://example.com/hook\"}");

            assertThat(response.status()).as(type).isEqualTo(415);
            assertThat(response.body()).contains("\"code\":\"CONSOLE_CONTENT_TYPE_REFUSED\"");
        }
        RawHttp.Response untyped = send("POST", "/console/api/api/v1/subscriptions",
                headers("Host", self(), ConsoleHandler.TOKEN_HEADER, TOKEN), "{\"url\":\"https://example.com/h\"}");
        assertThat(untyped.status()).isEqualTo(415);
        assertThat(calls).isEmpty();
    }

    @Test
    void api_pathLeavingApiV1_isRefused404() throws IOException {
        for (String path : List.of("/console/api/api/v1/../../prod/x", "/console/api/api/v1/%2e%2e/%2E%2E/x",
                "/console/api/api/v1/a%2Fb", "/console/api/api/v2/events", "/console/api/health",
                "/console/api/api/v1/.hidden")) {
            RawHttp.Response response = send("GET", path,
                    headers("Host", self(), ConsoleHandler.TOKEN_HEADER, TOKEN), null);

            assertThat(response.status()).as(path).isEqualTo(404);
            assertThat(response.body()).contains("ROUTE_NOT_FOUND");
        }
        assertThat(calls).isEmpty();
    }

    // --- DNS rebinding: a page on the attacker's name, re-pointed at 127.0.0.1

    @Test
    void page_reboundHost_isRefused421WithoutTheToken() throws IOException {
        for (String target : List.of("/console/", "/console/app.js", "/console")) {
            RawHttp.Response response = send("GET", target, headers("Host", "evil.example:" + port), null);

            assertThat(response.status()).as(target).isEqualTo(421);
            assertThat(response.body()).contains("\"code\":\"MISDIRECTED_REQUEST\"").doesNotContain(TOKEN);
        }
    }

    @Test
    void api_reboundHost_isRefused421EvenWithTheToken() throws IOException {
        for (String host : List.of("evil.example:" + port, "evil.example", "127.0.0.1", "127.0.0.1:1")) {
            RawHttp.Response response = send("GET", "/console/api/api/v1/events",
                    headers("Host", host, "Origin", "http://" + host, ConsoleHandler.TOKEN_HEADER, TOKEN), null);

            assertThat(response.status()).as(host).isEqualTo(421);
            assertThat(response.body()).contains("\"code\":\"MISDIRECTED_REQUEST\"");
        }
        RawHttp.Response noHost = send("GET", "/console/", Map.of(), null);
        assertThat(noHost.status()).isIn(400, 421);
        assertThat(calls).isEmpty();
    }

    // --- the page itself

    @Test
    void page_loopbackHost_servesTheTokenWithTheStrictCspAndNoCaching() throws IOException {
        RawHttp.Response page = send("GET", "/console/", headers("Host", self()), null);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy")).isEqualTo("default-src 'none'; script-src 'self'; "
                + "style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
                + "form-action 'none'; frame-ancestors 'none'");
        assertThat(page.header("Cache-Control")).isEqualTo("no-store");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.body()).contains(TOKEN).contains("https://api.example/prod &lt;eu-west-1&gt;")
                .doesNotContain("<script>").doesNotContain("{{");
    }

    @Test
    void everyAnswer_isNotCacheableAndCarriesTheCsp() throws IOException {
        List<RawHttp.Response> answers = List.of(
                send("GET", "/console/app.js", headers("Host", self()), null),
                send("GET", "/console/app.css", headers("Host", self()), null),
                send("GET", "/console/api/api/v1/events", headers("Host", self(), ConsoleHandler.TOKEN_HEADER,
                        TOKEN), null),
                send("GET", "/console/api/api/v1/events", headers("Host", self()), null),
                send("GET", "/console/nope.js", headers("Host", self()), null));

        assertThat(answers).extracting(RawHttp.Response::status).containsExactly(200, 200, 200, 403, 404);
        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
            assertThat(answer.header("Content-Security-Policy")).isEqualTo(ConsoleHandler.CONTENT_SECURITY_POLICY);
        });
    }

    @Test
    void refusal_quotingARequestHeader_isValidJsonEscaped() throws IOException {
        RawHttp.Response response = send("GET", "/console/api/api/v1/events",
                headers("Host", self(), "Origin", "https://e\"vil\\<x>", ConsoleHandler.TOKEN_HEADER, TOKEN), null);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(response.body()).contains("https://e\\\"vil\\\\\\u003cx\\u003e");
    }

    @Test
    void tokenMatches_onlyTheExactToken() {
        assertThat(ConsoleHandler.tokenMatches(TOKEN, TOKEN)).isTrue();
        assertThat(ConsoleHandler.tokenMatches(null, TOKEN)).isFalse();
        assertThat(ConsoleHandler.tokenMatches("", TOKEN)).isFalse();
        assertThat(ConsoleHandler.tokenMatches(TOKEN.substring(0, 47), TOKEN)).isFalse();
        assertThat(ConsoleHandler.tokenMatches(TOKEN + "0", TOKEN)).isFalse();
        assertThat(ConsoleHandler.tokenMatches("1" + TOKEN.substring(1), TOKEN)).isFalse();
    }
}
