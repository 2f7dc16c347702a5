package com.algohire.relay.localaws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the LocalStack container is configured from the environment; nothing here needs Docker. */
class LocalStackBackendTest {

    @Test
    void settings_whenNothingIsSet_pinTheLastImageThatStartsWithoutAnAuthToken() {
        LocalStackBackend.Settings settings = LocalStackBackend.Settings.fromEnvironment(Map.of());

        assertThat(settings.image()).isEqualTo("localstack/localstack:4.14.0");
        assertThat(settings.containerEnv()).isEmpty();
    }

    @Test
    void settings_whenLocalstackImageIsSet_useThatImage() {
        LocalStackBackend.Settings settings = LocalStackBackend.Settings.fromEnvironment(
                Map.of("LOCALSTACK_IMAGE", " localstack/localstack:4.15.0 "));

        assertThat(settings.image()).isEqualTo("localstack/localstack:4.15.0");
    }

    @Test
    void settings_whenAuthTokenIsSet_passItToTheContainerWithoutPrintingIt() {
        LocalStackBackend.Settings settings = LocalStackBackend.Settings.fromEnvironment(Map.of(
                "LOCALSTACK_IMAGE", "localstack/localstack:latest", "LOCALSTACK_AUTH_TOKEN", "ls-secret-123"));

        assertThat(settings.containerEnv()).containsExactly(Map.entry("LOCALSTACK_AUTH_TOKEN", "ls-secret-123"));
        assertThat(settings.toString()).contains("localstack/localstack:latest").doesNotContain("ls-secret-123");
    }

    @Test
    void settings_whenAuthTokenIsSetWithTheDefaultImage_stillPassIt() {
        LocalStackBackend.Settings settings = LocalStackBackend.Settings.fromEnvironment(
                Map.of("LOCALSTACK_AUTH_TOKEN", "ls-secret-123"));

        assertThat(settings.image()).isEqualTo(LocalStackBackend.DEFAULT_IMAGE);
        assertThat(settings.containerEnv()).containsEntry("LOCALSTACK_AUTH_TOKEN", "ls-secret-123");
    }

    @Test
    void settings_whenValuesAreBlank_ignoreThem() {
        LocalStackBackend.Settings settings = LocalStackBackend.Settings.fromEnvironment(
                Map.of("LOCALSTACK_IMAGE", "  ", "LOCALSTACK_AUTH_TOKEN", ""));

        assertThat(settings.image()).isEqualTo(LocalStackBackend.DEFAULT_IMAGE);
        assertThat(settings.containerEnv()).isEmpty();
    }
}
