package com.algohire.relay.local.console;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Forwards the console's calls to the local relay's API Gateway emulator, adding the local admin key. */
public final class LocalForwarder implements ConsoleForwarder {
    private final URI apiBase;
    private final String adminKeyHeader;
    private final String adminKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public LocalForwarder(URI apiBase, String adminKeyHeader, String adminKey) {
        this.apiBase = apiBase;
        this.adminKeyHeader = adminKeyHeader;
        this.adminKey = adminKey;
    }

    @Override
    public Answer forward(String method, String pathAndQuery, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiBase + pathAndQuery))
                .timeout(Duration.ofSeconds(35))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .header(adminKeyHeader, adminKey);
        headers.forEach(request::header);
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(),
                response.headers().firstValue("content-type").orElse("application/json"), response.body());
    }

    @Override
    public String target() {
        return "local relay at " + apiBase;
    }
}
