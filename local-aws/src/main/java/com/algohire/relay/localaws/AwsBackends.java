package com.algohire.relay.localaws;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses and starts the backend, in the order docs/architecture.md gives ("Backends for tests and the local
 * runtime"): {@code AWS_ENDPOINT_URL} if set; LocalStack through Testcontainers if a Docker engine answers; else
 * ElasticMQ embedded in this JVM plus a {@code moto_server} subprocess.
 * {@code RELAY_BACKEND=endpoint|localstack|embedded} forces a choice.
 */
public final class AwsBackends {

    public static final String RELAY_BACKEND = "RELAY_BACKEND";
    public static final String AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL";

    private AwsBackends() {
    }

    public static AwsBackend start() {
        return start(System.getenv());
    }

    static AwsBackend start(Map<String, String> env) {
        String forced = env.getOrDefault(RELAY_BACKEND, "").trim().toLowerCase(Locale.ROOT);
        String endpoint = env.getOrDefault(AWS_ENDPOINT_URL, "").trim();
        switch (forced) {
            case "endpoint":
                if (endpoint.isEmpty()) {
                    throw new IllegalStateException(RELAY_BACKEND + "=endpoint needs " + AWS_ENDPOINT_URL);
                }
                return new EndpointBackend(URI.create(endpoint));
            case "localstack":
                return LocalStackBackend.start(env);
            case "embedded":
                return EmbeddedBackend.start();
            case "":
                break;
            default:
                throw new IllegalStateException(RELAY_BACKEND + " must be endpoint, localstack or embedded, was: "
                        + forced);
        }
        if (!endpoint.isEmpty()) {
            return new EndpointBackend(URI.create(endpoint));
        }
        if (LocalStackBackend.dockerAvailable()) {
            return LocalStackBackend.start(env);
        }
        return EmbeddedBackend.start();
    }
}
