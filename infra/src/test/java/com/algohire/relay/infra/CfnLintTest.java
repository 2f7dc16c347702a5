package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The synthesized template passes cfn-lint, CloudFormation's own linter (resource specs and best practices). */
class CfnLintTest {

    /**
     * W3005 (a DependsOn already implied by a GetAtt) is ignored: CDK adds an explicit DependsOn from each function
     * to its role and role policy so the policy exists before the function can be invoked; the redundancy is
     * CDK's, harmless, and not ours to edit out.
     */
    static final List<String> IGNORED_CHECKS = List.of("W3005");
    private static final List<String> KNOWN_LOCATIONS = List.of(
            "/root/.pyenv/shims/cfn-lint", "/usr/local/bin/cfn-lint", "/usr/bin/cfn-lint");

    private static Path template;

    @BeforeAll
    static void writeTemplate() throws IOException {
        template = write(SynthesizedTemplate.synthesize(), RelayApp.STACK_NAME + ".template.json");
    }

    @Test
    void relayTemplate_whenLinted_hasNoErrorsOrWarnings() throws Exception {
        Result result = cfnLint(template);
        assertThat(result.exitCode()).as("cfn-lint output:\n" + result.output()).isZero();
    }

    @Test
    void relayTemplate_withEveryDeployOption_hasNoErrorsOrWarnings() throws Exception {
        Path withOptions = write(SynthesizedTemplate.synthesize(SynthesizedTemplate.EVERY_DEPLOY_OPTION),
                RelayApp.STACK_NAME + ".every-option.template.json");
        Result result = cfnLint(withOptions);
        assertThat(result.exitCode()).as("cfn-lint output:\n" + result.output()).isZero();
    }

    private static Path write(SynthesizedTemplate synthesized, String fileName) throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "cfn-lint"));
        Path file = dir.resolve(fileName);
        Files.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(synthesized.template.toJSON()));
        return file;
    }

    /** Guards the test above against a linter that accepts anything (or is not really run). */
    @Test
    void cfnLint_whenTemplateIsBroken_reportsIt() throws Exception {
        Path broken = template.resolveSibling("broken.template.json");
        Files.writeString(broken, """
                {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon"}}}}
                """);
        Result result = cfnLint(broken);
        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("E3012"); // wrong type: VisibilityTimeout must be an integer
    }

    private record Result(int exitCode, String output) {
    }

    private static Result cfnLint(Path file) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(cfnLintExecutable(), "--format", "parseable"));
        for (String check : IGNORED_CHECKS) {
            command.add("--ignore-checks");
            command.add(check);
        }
        command.add("--");
        command.add(file.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("cfn-lint did not finish within 180 s");
        }
        return new Result(process.exitValue(),
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** cfn-lint from PATH or a known install location; a missing linter fails the test rather than skipping it. */
    private static String cfnLintExecutable() {
        List<String> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, "cfn-lint").toString());
            }
        }
        candidates.addAll(KNOWN_LOCATIONS);
        return candidates.stream().filter(c -> Files.isExecutable(Path.of(c))).findFirst()
                .orElseThrow(() -> new AssertionError("cfn-lint is not installed (looked on PATH and in "
                        + KNOWN_LOCATIONS + "): install it with 'pip install cfn-lint' to verify the template"));
    }
}
