package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfraPathsTest {

    @AfterEach
    void clearOverride() {
        System.clearProperty(InfraPaths.INFRA_DIR_PROPERTY);
    }

    @Test
    void infraDir_whenRunFromTheBuild_isTheModuleHoldingCdkJson() {
        assertThat(InfraPaths.cdkJson()).isRegularFile();
        assertThat(InfraPaths.infraDir().getFileName().toString()).isEqualTo("infra");
    }

    @Test
    void functionsJar_whenNotBuilt_failsWithTheCommandThatBuildsIt(@TempDir Path checkout) throws Exception {
        Path infra = Files.createDirectories(checkout.resolve("infra"));
        System.setProperty(InfraPaths.INFRA_DIR_PROPERTY, infra.toString());
        assertThatThrownBy(InfraPaths::functionsJar)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(checkout.resolve(InfraPaths.FUNCTIONS_JAR).toString())
                .hasMessageContaining("./relay cdk-app");
    }

    @Test
    void functionsJar_whenBuilt_isFoundBesideInfra(@TempDir Path checkout) throws Exception {
        Path infra = Files.createDirectories(checkout.resolve("infra"));
        Path jar = checkout.resolve(InfraPaths.FUNCTIONS_JAR);
        Files.createDirectories(jar.getParent());
        Files.write(jar, new byte[] {0x50, 0x4b});
        System.setProperty(InfraPaths.INFRA_DIR_PROPERTY, infra.toString());
        assertThat(InfraPaths.functionsJar()).isEqualTo(jar);
    }
}
