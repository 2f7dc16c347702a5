package com.algohire.relay.localaws;

import java.net.URI;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/** LocalStack in a container, for machines with a Docker engine. */
final class LocalStackBackend implements AwsBackend {
    static final String IMAGE = "localstack/localstack:4.4";

    private final LocalStackContainer container;

    private LocalStackBackend(LocalStackContainer container) {
        this.container = container;
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // closed by close()
    static LocalStackBackend start() {
        LocalStackContainer container = new LocalStackContainer(DockerImageName.parse(IMAGE))
                .withServices(LocalStackContainer.EnabledService.named("sqs"),
                        LocalStackContainer.EnabledService.named("dynamodb"),
                        LocalStackContainer.EnabledService.named("s3"));
        container.start();
        return new LocalStackBackend(container);
    }

    @Override
    public URI sqsEndpoint() {
        return container.getEndpoint();
    }

    @Override
    public URI dynamoDbEndpoint() {
        return container.getEndpoint();
    }

    @Override
    public URI s3Endpoint() {
        return container.getEndpoint();
    }

    @Override
    public String description() {
        return "LocalStack " + IMAGE + " at " + container.getEndpoint();
    }

    @Override
    public void close() {
        container.stop();
    }
}
