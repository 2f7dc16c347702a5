package com.algohire.relay.local.console;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Forwards the console's calls to a deployed stack's management API, each signed with SigV4 (service
 * {@value #SERVICE}) by the AWS SDK's own signer, with credentials from the SDK's default chain (environment,
 * profile, SSO, role profiles). The management API stays on IAM: this process only lends the operator's own
 * credentials to the page, and never shows the page (or any log) the credentials or a signature.
 */
public final class SigV4Forwarder implements ConsoleForwarder {
    public static final String SERVICE = "execute-api";
    /** {@code {api-id}.execute-api.{region}.amazonaws.com[.cn]}: the default endpoint of a REST API. */
    private static final Pattern EXECUTE_API_HOST =
            Pattern.compile("[a-z0-9]+\\.execute-api\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");
    // Restricted by java.net.http (it sets them itself, to the values signed: the URI's host and the body's length).
    private static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length");
    // API Gateway's own limit is 29 s; a little more so that its 504 arrives rather than ours.
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(35);

    private final URI apiUrl;
    private final String region;
    private final String service;
    private final AwsCredentialsProvider credentials;
    private final Clock clock;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    // HTTP/1.1 so that the Host header sent is the one signed; no redirects, so a signed request goes nowhere else.
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();

    /**
     * @param apiUrl  the stack's API URL with its stage, e.g. {@code https://abc123.execute-api.eu-west-1
     *                .amazonaws.com/prod} (see {@link #checkApiUrl})
     * @param region  the API's region, or null to read it from the URL
     * @param profile the credentials profile, or null for the SDK's default (AWS_PROFILE, then "default")
     */
    public static SigV4Forwarder create(String apiUrl, String region, String profile) {
        URI url = checkApiUrl(apiUrl);
        DefaultCredentialsProvider.Builder chain = DefaultCredentialsProvider.builder();
        if (profile != null) {
            chain.profileName(profile);
        }
        return new SigV4Forwarder(url, regionOf(url, region), SERVICE, chain.build(), Clock.systemUTC());
    }

    /** For tests: a fixed signing service, credentials and clock. */
    SigV4Forwarder(URI apiUrl, String region, String service, AwsCredentialsProvider credentials, Clock clock) {
        this.apiUrl = apiUrl;
        this.region = region;
        this.service = service;
        this.credentials = credentials;
        this.clock = clock;
    }

    /**
     * The API URL, checked: https (http only for a loopback host, which tests use), no user info, query or fragment;
     * a trailing slash is dropped so that {@code /api/v1/...} follows the stage.
     */
    public static URI checkApiUrl(String raw) {
        URI url;
        try {
            url = new URI(raw == null ? "" : raw.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--api-url is not a URL: " + raw);
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            throw new IllegalArgumentException("--api-url needs a host, e.g. "
                    + "https://abc123.execute-api.eu-west-1.amazonaws.com/prod (was: " + raw + ")");
        }
        boolean loopback = LOOPBACK_NAMES.contains(host);
        if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
            throw new IllegalArgumentException("--api-url must be https (http only for a loopback host), was: " + raw);
        }
        if (url.getRawUserInfo() != null || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("--api-url takes no user info, query or fragment, was: " + raw);
        }
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return URI.create(scheme + "://" + url.getRawAuthority() + path);
    }

    /** The region to sign for: {@code explicit} when given (it must agree with the URL's), else the URL's. */
    public static String regionOf(URI apiUrl, String explicit) {
        Matcher m = EXECUTE_API_HOST.matcher(apiUrl.getHost().toLowerCase(Locale.ROOT));
        String fromUrl = m.matches() ? m.group(1) : null;
        if (explicit != null && !explicit.isBlank()) {
            if (fromUrl != null && !fromUrl.equals(explicit.trim())) {
                throw new IllegalArgumentException("--region " + explicit + " disagrees with the API URL's region "
                        + fromUrl + " (a signature for the wrong region is refused)");
            }
            return explicit.trim();
        }
        if (fromUrl == null) {
            throw new IllegalArgumentException("the region cannot be read from " + apiUrl.getHost()
                    + " (not an execute-api host): give it with --region");
        }
        return fromUrl;
    }

    @Override
    public Answer forward(String method, String pathAndQuery, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        SdkHttpRequest signed = sign(method, pathAndQuery, headers, body, credentials.resolveCredentials());
        HttpRequest.Builder request = HttpRequest.newBuilder(signed.getUri())
                .timeout(REQUEST_TIMEOUT)
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        signed.forEachHeader((name, values) -> {
            if (!SET_BY_CLIENT.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(),
                response.headers().firstValue("content-type").orElse("application/json"), response.body());
    }

    /**
     * The request as it goes on the wire: the API URL's stage path followed by {@code pathAndQuery}, the given
     * headers, and the signer's (Host, X-Amz-Date, X-Amz-Security-Token when the credentials have a session,
     * Authorization). The URI to send is the returned request's, so that what is sent is what was signed.
     */
    SdkHttpRequest sign(String method, String pathAndQuery, Map<String, String> headers, byte[] body,
                        AwsCredentialsIdentity identity) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .uri(URI.create(apiUrl + pathAndQuery))
                .method(SdkHttpMethod.fromValue(method));
        headers.forEach((name, value) -> request.putHeader(name, List.of(value)));
        return signer.sign(r -> r
                        .request(request.build())
                        .payload(body.length == 0 ? null : ContentStreamProvider.fromByteArrayUnsafe(body))
                        .identity(identity)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(HttpSigner.SIGNING_CLOCK, clock))
                .request();
    }

    @Override
    public String target() {
        return apiUrl + " (" + region + ")";
    }

    /** Resolves credentials once, so that a missing or expired login shows at start rather than on first use. */
    public void checkCredentials() {
        credentials.resolveCredentials();
    }

    URI apiUrl() {
        return apiUrl;
    }

    String region() {
        return region;
    }
}
