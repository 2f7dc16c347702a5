package com.algohire.relay.infra;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/** Finds the files the CDK app reads from disk (the shaded functions jar, cdk.json) wherever it is started from. */
final class InfraPaths {

    /** The shaded jar Maven builds in functions/ (the shade plugin's outputFile in functions/pom.xml). */
    static final String FUNCTIONS_JAR = "functions/target/functions-lambda.jar";
    /** Overrides the infra module directory (e.g. when the classes are not run from infra/target). */
    static final String INFRA_DIR_PROPERTY = "relay.infra.dir";

    private InfraPaths() {
    }

    /**
     * The infra module directory. The CDK CLI runs the app from infra/, tests run from infra/, and
     * {@code ./relay cdk-app} may run from anywhere: so derive it from where these classes were loaded
     * (infra/target/classes), falling back to the working directory.
     */
    static Path infraDir() {
        String override = System.getProperty(INFRA_DIR_PROPERTY);
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath().normalize();
        }
        CodeSource source = InfraPaths.class.getProtectionDomain().getCodeSource();
        if (source != null) {
            try {
                Path classes = Path.of(source.getLocation().toURI());
                Path target = classes.getParent();
                if (target != null && target.getParent() != null
                        && Files.isRegularFile(target.getParent().resolve("cdk.json"))) {
                    return target.getParent();
                }
            } catch (URISyntaxException | IllegalArgumentException e) {
                // not a file location (e.g. a nested jar): use the working directory below
            }
        }
        return Path.of("").toAbsolutePath();
    }

    static Path cdkJson() {
        return infraDir().resolve("cdk.json");
    }

    /** The Lambda deployment package; fails with the command that builds it when it is missing. */
    static Path functionsJar() {
        Path jar = infraDir().resolve("..").resolve(FUNCTIONS_JAR).normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Lambda jar not found at " + jar + ". Build it first: run "
                    + "'./relay cdk-app' from the repository root (it builds functions and infra), or "
                    + "'./relay mvn -q install -pl infra -am -DskipTests'.");
        }
        return jar;
    }
}
