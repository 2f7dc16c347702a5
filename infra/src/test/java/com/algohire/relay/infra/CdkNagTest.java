package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;
import software.amazon.awscdk.services.sqs.Queue;

/** cdk-nag's AwsSolutions pack finds nothing unsuppressed in the relay stack (each suppression carries its reason). */
class CdkNagTest {

    private static Annotations annotations;

    @BeforeAll
    static void synthesize() {
        annotations = Annotations.fromStack(SynthesizedTemplate.synthesize().stack);
    }

    @Test
    void relayStack_whenCheckedWithAwsSolutions_hasNoUnsuppressedErrors() {
        List<SynthesisMessage> errors = annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        assertThat(errors).as(describe(errors)).isEmpty();
    }

    @Test
    void relayStack_whenCheckedWithAwsSolutions_hasNoUnsuppressedWarnings() {
        List<SynthesisMessage> warnings = annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        assertThat(warnings).as(describe(warnings)).isEmpty();
    }

    @Test
    void relayStack_withEveryDeployOption_hasNoUnsuppressedFindings() {
        Annotations withOptions = Annotations.fromStack(
                SynthesizedTemplate.synthesize(SynthesizedTemplate.EVERY_DEPLOY_OPTION).stack);
        List<SynthesisMessage> findings = new ArrayList<>(
                withOptions.findError("*", Match.stringLikeRegexp("AwsSolutions-.*")));
        findings.addAll(withOptions.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")));
        assertThat(findings).as(describe(findings)).isEmpty();
    }

    /** Guards the tests above against passing because the checks never ran. */
    @Test
    void awsSolutionsChecks_whenAResourceViolatesThem_reportAnError() {
        App app = new App();
        Stack stack = new Stack(app, "Unsafe");
        Queue.Builder.create(stack, "PlainQueue").build(); // no DLQ, no enforced SSL
        Aspects.of(app).add(new AwsSolutionsChecks());
        List<SynthesisMessage> errors = Annotations.fromStack(stack)
                .findError("*", Match.stringLikeRegexp("AwsSolutions-SQS.*"));
        assertThat(errors).isNotEmpty();
    }

    private static String describe(List<SynthesisMessage> messages) {
        return messages.stream()
                .map(m -> m.getId() + ": " + m.getEntry().getData())
                .collect(Collectors.joining("\n", "unsuppressed cdk-nag findings:\n", ""));
    }
}
