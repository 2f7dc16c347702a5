package com.algohire.relay.localaws;

import java.net.URI;

/** One endpoint serving every service, as LocalStack or a developer's own server does ({@code AWS_ENDPOINT_URL}). */
final class EndpointBackend implements AwsBackend {
    private final URI endpoint;

    EndpointBackend(URI endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public URI sqsEndpoint() {
        return endpoint;
    }

    @Override
    public URI dynamoDbEndpoint() {
        return endpoint;
    }

    @Override
    public URI s3Endpoint() {
        return endpoint;
    }

    @Override
    public String description() {
        return "AWS_ENDPOINT_URL " + endpoint;
    }

    @Override
    public void close() {
        // Not ours to stop.
    }
}
