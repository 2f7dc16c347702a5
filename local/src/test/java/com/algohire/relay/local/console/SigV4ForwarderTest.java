package com.algohire.relay.local.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * The console's SigV4 signing: what the forwarder puts on the wire is what the SDK's signer signs for the same
 * request, it verifies when recomputed from the bytes received (as API Gateway does), and the signing matches
 * AWS's published test vectors.
 */
class SigV4ForwarderTest {
    // The AWS SigV4 test suite's credentials, scope and time (its "get-vanilla" family). Source: the suite
    // published with the SigV4 documentation (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html),
    // as kept in awslabs/aws-c-auth tests/aws-signing-test-suite/v4/get-vanilla and used by
    // awslabs/aws-crt-python test/test_auth.py (test_signing_sigv4_headers, "Test values copied from
    // aws-c-auth/tests/aws-sig-v4-test-suite/get-vanilla").
    private static final String SUITE_KEY = "AKIDEXAMPLE";
    private static final String SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final Instant SUITE_TIME = Instant.parse("2015-08-30T12:36:00Z");
    private static final String GET_VANILLA_AUTHORIZATION = "AWS4-HMAC-SHA256 "
            + "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
            + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    // get-vanilla-query-order-key-case (same suite): the query is sorted by name before signing.
    private static final String GET_VANILLA_QUERY_ORDER_SIGNATURE =
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500";

    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-11-28T10:15:30Z"), ZoneOffset.UTC);
    private static final AwsSessionCredentials SESSION = AwsSessionCredentials.create(
            "ASIATESTACCESSKEY0001", "test/secret+key/for+signing/only/0000000", "test-session-token/with+chars=");

    private HttpServer capture;
    private final AtomicReference<Received> received = new AtomicReference<>();

    /** One request as it arrived at the capturing server. */
    record Received(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase());
            return values == null ? null : values.getFirst();
        }
    }

    @BeforeEach
    void startCapture() throws IOException {
        capture = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        capture.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                Map<String, List<String>> headers = new TreeMap<>();
                exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values));
                received.set(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(), headers, in.readAllBytes()));
                byte[] answer = "{\"success\":true,\"subscriptionId\":\"sub_1\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(201, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        });
        capture.start();
    }

    @AfterEach
    void stopCapture() {
        capture.stop(0);
    }

    private URI captureUrl() {
        return URI.create("http://127.0.0.1:" + capture.getAddress().getPort() + "/prod");
    }

    @Test
    void forward_postWithQueryAndBody_sendsTheSdkSignersAuthorizationForTheSameRequest() throws Exception {
        SigV4Forwarder forwarder = new SigV4Forwarder(captureUrl(), "eu-west-1", SigV4Forwarder.SERVICE,
                StaticCredentialsProvider.create(SESSION), FIXED);
        byte[] body = "{\"url\":\"https://example.com/hook\",\"eventTypes\":[\"job.*\"]}"
                .getBytes(StandardCharsets.UTF_8);

        ConsoleForwarder.Answer answer = forwarder.forward("POST", "/api/v1/subscriptions?dryRun=no&a=b%20c",
                Map.of("Content-Type", "application/json"), body);

        assertThat(answer.status()).isEqualTo(201);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).contains("sub_1");
        Received wire = received.get();
        assertThat(wire.method()).isEqualTo("POST");
        assertThat(wire.rawPath()).isEqualTo("/prod/api/v1/subscriptions");
        assertThat(wire.body()).isEqualTo(body);
        assertThat(wire.header("Host")).isEqualTo("127.0.0.1:" + capture.getAddress().getPort());
        assertThat(wire.header("X-Amz-Date")).isEqualTo("20261128T101530Z");
        assertThat(wire.header("X-Amz-Security-Token")).isEqualTo(SESSION.sessionToken());

        // The SDK's signer, called directly on the same request, time and credentials.
        SdkHttpRequest same = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create(captureUrl() + "/api/v1/subscriptions?dryRun=no&a=b%20c"))
                .putHeader("Content-Type", "application/json").build();
        String expected = AwsV4HttpSigner.create().sign(r -> r.request(same)
                        .payload(ContentStreamProvider.fromByteArray(body)).identity(SESSION)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, FIXED))
                .request().firstMatchingHeader("Authorization").orElseThrow();
        assertThat(wire.header("Authorization")).isEqualTo(expected)
                .startsWith("AWS4-HMAC-SHA256 Credential=ASIATESTACCESSKEY0001/20261128/eu-west-1/execute-api/"
                        + "aws4_request, SignedHeaders=");

        // And it verifies when recomputed from the bytes that arrived, as the API's side does.
        assertThat(SigV4Check.signatureOf(wire, SESSION.secretAccessKey(), "eu-west-1", "execute-api"))
                .isEqualTo(expected.substring(expected.indexOf("Signature=") + "Signature=".length()));
    }

    @Test
    void forward_getWithoutBody_verifiesFromTheWireAndCarriesNoBody() throws Exception {
        SigV4Forwarder forwarder = new SigV4Forwarder(captureUrl(), "eu-west-1", SigV4Forwarder.SERVICE,
                StaticCredentialsProvider.create(SESSION), FIXED);

        forwarder.forward("GET", "/api/v1/events?limit=20&eventType=job.created&from=2026-11-01T00%3A00%3A00Z",
                Map.of(), new byte[0]);

        Received wire = received.get();
        assertThat(wire.rawPath()).isEqualTo("/prod/api/v1/events");
        assertThat(wire.body()).isEmpty();
        String authorization = wire.header("Authorization");
        assertThat(SigV4Check.signatureOf(wire, SESSION.secretAccessKey(), "eu-west-1", "execute-api"))
                .isEqualTo(authorization.substring(authorization.indexOf("Signature=") + "Signature=".length()));
    }

    @Test
    void sign_awsCrtSignedBodyVector_isThePublishedAuthorization() {
        // The SDK's signer always signs x-amz-content-sha256, so the suite's vectors without it (get-vanilla) cannot
        // come out byte for byte; this published vector has that header: awslabs/aws-crt-python
        // test/test_auth.py, test_signing_sigv4_body (POST / "hello", Content-Length 5, the suite's key, scope, time).
        SigV4Forwarder forwarder = suiteForwarder();

        SdkHttpRequest signed = forwarder.sign("POST", "/", Map.of("Content-Length", "5"),
                "hello".getBytes(StandardCharsets.UTF_8), AwsBasicCredentials.create(SUITE_KEY, SUITE_SECRET));

        assertThat(signed.firstMatchingHeader("x-amz-content-sha256"))
                .contains("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(signed.firstMatchingHeader("Authorization")).contains("AWS4-HMAC-SHA256 "
                + "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date, "
                + "Signature=8e17c5b22b7bb28da47f44b08691c087a0993d0965bfab053376360790d44d6c");
    }

    @Test
    void sign_awsSuiteGetVanilla_verifiesWithTheSuiteCheckedArithmetic() {
        // get-vanilla's request through the forwarder: same scope and date as the published value, and a signature
        // that the suite-checked SigV4Check (below) recomputes from the headers the forwarder produced.
        SigV4Forwarder forwarder = suiteForwarder();

        SdkHttpRequest signed = forwarder.sign("GET", "/?Param2=value2&Param1=value1", Map.of(), new byte[0],
                AwsBasicCredentials.create(SUITE_KEY, SUITE_SECRET));

        String authorization = signed.firstMatchingHeader("Authorization").orElseThrow();
        assertThat(authorization).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                + "aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=");
        Map<String, List<String>> headers = new TreeMap<>();
        signed.forEachHeader((name, values) -> headers.put(name.toLowerCase(), values));
        Received asSent = new Received("GET", "/", "Param2=value2&Param1=value1", headers, new byte[0]);
        assertThat(SigV4Check.signatureOf(asSent, SUITE_SECRET, "us-east-1", "service"))
                .isEqualTo(authorization.substring(authorization.indexOf("Signature=") + "Signature=".length()));
    }

    @Test
    void signatureCheck_awsSuiteGetVanillaQueryOrderKeyCase_isThePublishedSignature() {
        Received vanilla = new Received("GET", "/", "Param2=value2&Param1=value1", Map.of(
                "host", List.of("example.amazonaws.com"), "x-amz-date", List.of("20150830T123600Z"),
                "authorization", List.of(GET_VANILLA_AUTHORIZATION)), new byte[0]);

        assertThat(SigV4Check.signatureOf(vanilla, SUITE_SECRET, "us-east-1", "service"))
                .isEqualTo(GET_VANILLA_QUERY_ORDER_SIGNATURE);
    }

    @Test
    void signatureCheck_awsSuiteGetVanilla_isThePublishedSignature() {
        // The test's own SigV4 arithmetic (used above on the wire) against the suite, so that it can be trusted.
        Received vanilla = new Received("GET", "/", null, Map.of("host", List.of("example.amazonaws.com"),
                "x-amz-date", List.of("20150830T123600Z"), "authorization", List.of(GET_VANILLA_AUTHORIZATION)),
                new byte[0]);

        assertThat(SigV4Check.signatureOf(vanilla, SUITE_SECRET, "us-east-1", "service"))
                .isEqualTo("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    private static SigV4Forwarder suiteForwarder() {
        return new SigV4Forwarder(URI.create("https://example.amazonaws.com"), "us-east-1", "service",
                StaticCredentialsProvider.create(AwsBasicCredentials.create(SUITE_KEY, SUITE_SECRET)),
                Clock.fixed(SUITE_TIME, ZoneOffset.UTC));
    }

    @Test
    void checkApiUrl_httpsStageUrl_keepsTheStageAndDropsTheTrailingSlash() {
        assertThat(SigV4Forwarder.checkApiUrl("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/"))
                .isEqualTo(URI.create("https://abc123.execute-api.eu-west-1.amazonaws.com/prod"));
        assertThat(SigV4Forwarder.checkApiUrl("http://127.0.0.1:8080/prod"))
                .isEqualTo(URI.create("http://127.0.0.1:8080/prod"));
    }

    @Test
    void checkApiUrl_plainHttpToAnotherHost_isRefused() {
        assertThatThrownBy(() -> SigV4Forwarder.checkApiUrl("http://abc123.execute-api.eu-west-1.amazonaws.com/prod"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--api-url must be https");
        assertThatThrownBy(() -> SigV4Forwarder.checkApiUrl("ftp://example.com/prod"))
                .hasMessageContaining("--api-url must be https");
        assertThatThrownBy(() -> SigV4Forwarder.checkApiUrl("https://user:pw@example.com/prod"))
                .hasMessageContaining("no user info");
        assertThatThrownBy(() -> SigV4Forwarder.checkApiUrl("https://example.com/prod?x=1"))
                .hasMessageContaining("no user info, query or fragment");
        assertThatThrownBy(() -> SigV4Forwarder.checkApiUrl("not a url"))
                .hasMessageContaining("--api-url");
    }

    @Test
    void regionOf_executeApiHost_readsTheRegionAndRefusesAContradiction() {
        URI api = URI.create("https://abc123.execute-api.eu-west-1.amazonaws.com/prod");
        assertThat(SigV4Forwarder.regionOf(api, null)).isEqualTo("eu-west-1");
        assertThat(SigV4Forwarder.regionOf(api, "eu-west-1")).isEqualTo("eu-west-1");
        assertThatThrownBy(() -> SigV4Forwarder.regionOf(api, "us-east-1"))
                .hasMessageContaining("--region us-east-1 disagrees with the API URL's region eu-west-1");
    }

    @Test
    void regionOf_customDomain_needsRegion() {
        URI api = URI.create("https://relay.example.com/prod");
        assertThat(SigV4Forwarder.regionOf(api, "ap-southeast-2")).isEqualTo("ap-southeast-2");
        assertThatThrownBy(() -> SigV4Forwarder.regionOf(api, null)).hasMessageContaining("give it with --region");
    }

    @Test
    void target_namesTheApiAndRegion_neverTheCredentials() {
        SigV4Forwarder forwarder = new SigV4Forwarder(captureUrl(), "eu-west-1", SigV4Forwarder.SERVICE,
                StaticCredentialsProvider.create(SESSION), FIXED);

        assertThat(forwarder.target()).isEqualTo(captureUrl() + " (eu-west-1)")
                .doesNotContain(SESSION.accessKeyId(), SESSION.secretAccessKey(), SESSION.sessionToken());
    }
}
