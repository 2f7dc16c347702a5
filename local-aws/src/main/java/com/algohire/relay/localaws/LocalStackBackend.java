package com.algohire.relay.localaws;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * LocalStack in a container, for machines with a Docker engine.
 *
 * <p>Since 23 March 2026 the {@code localstack/localstack} image needs a LocalStack account's auth token to start;
 * 4.14.0 is the last release that starts without one, so it is the default. {@code LOCALSTACK_IMAGE} picks another
 * image (a newer release, or a mirror of it), and {@code LOCALSTACK_AUTH_TOKEN}, whenever it is set, is passed on
 * to the container, which a newer image needs.
 */
final class LocalStackBackend implements AwsBackend {
    /** The last {@code localstack/localstack} release that starts without an auth token. */
    static final String DEFAULT_IMAGE = "localstack/localstack:4.14.0";
    static final String LOCALSTACK_IMAGE = "LOCALSTACK_IMAGE";
    static final String LOCALSTACK_AUTH_TOKEN = "LOCALSTACK_AUTH_TOKEN";

    /**
     * What the container is started from, decided from the environment alone (so it is testable without Docker).
     *
     * @param image        the image to run
     * @param containerEnv variables to set in the container (the auth token, when there is one)
     */
    record Settings(String image, Map<String, String> containerEnv) {

        static Settings fromEnvironment(Map<String, String> env) {
            String image = env.getOrDefault(LOCALSTACK_IMAGE, "").trim();
            String token = env.getOrDefault(LOCALSTACK_AUTH_TOKEN, "").trim();
            Map<String, String> containerEnv = new LinkedHashMap<>();
            if (!token.isEmpty()) {
                containerEnv.put(LOCALSTACK_AUTH_TOKEN, token);
            }
            return new Settings(image.isEmpty() ? DEFAULT_IMAGE : image, Map.copyOf(containerEnv));
        }

        /** Never prints the token. */
        @Override
        public String toString() {
            return image + (containerEnv.containsKey(LOCALSTACK_AUTH_TOKEN) ? " (with LOCALSTACK_AUTH_TOKEN)" : "");
        }
    }

    private final LocalStackContainer container;
    private final Settings settings;

    private LocalStackBackend(LocalStackContainer container, Settings settings) {
        this.container = container;
        this.settings = settings;
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // closed by close(), or here when it does not start
    static LocalStackBackend start(Map<String, String> env) {
        Settings settings = Settings.fromEnvironment(env);
        // A mirror or a newer tag of the same image is still LocalStack to Testcontainers.
        LocalStackContainer container = new LocalStackContainer(DockerImageName.parse(settings.image())
                .asCompatibleSubstituteFor("localstack/localstack"))
                .withServices(LocalStackContainer.EnabledService.named("sqs"),
                        LocalStackContainer.EnabledService.named("dynamodb"),
                        LocalStackContainer.EnabledService.named("s3"))
                .withEnv(settings.containerEnv());
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            if (!settings.containerEnv().containsKey(LOCALSTACK_AUTH_TOKEN)) {
                throw new IllegalStateException("LocalStack " + settings + " did not start. LocalStack images released "
                        + "after " + DEFAULT_IMAGE + " need " + LOCALSTACK_AUTH_TOKEN + " set; unset "
                        + LOCALSTACK_IMAGE + " for " + DEFAULT_IMAGE + ", or RELAY_BACKEND=embedded.", e);
            }
            throw e;
        }
        return new LocalStackBackend(container, settings);
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
        return "LocalStack " + settings + " at " + container.getEndpoint();
    }

    @Override
    public void close() {
        container.stop();
    }
}
