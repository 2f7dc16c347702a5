package com.algohire.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrimingTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final StructuredLog log = new StructuredLog(new PrintStream(out, true, StandardCharsets.UTF_8),
            Clock.systemUTC());

    @Test
    void run_whenStepsThrowAnything_runsTheRestReturnsTheFailedAndLogsOneLine() {
        List<String> ran = new ArrayList<>();
        Priming priming = new Priming("test", List.of(
                new Priming.Step("checked", () -> {
                    throw new java.io.IOException("unreachable");
                }),
                new Priming.Step("linkage", () -> {
                    throw new NoClassDefFoundError("missing");
                }),
                new Priming.Step("fine", () -> ran.add("fine"))), log);

        List<String> failed = priming.run();

        assertThat(failed).containsExactly("checked", "linkage");
        assertThat(ran).containsExactly("fine");
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text.lines()).hasSize(1);
        assertThat(text).contains("snapstart priming partly failed").contains("java.io.IOException")
                .doesNotContain("unreachable");
    }

    @Test
    void beforeCheckpoint_whenAStepFails_doesNotThrow() {
        Priming priming = new Priming("test", List.of(new Priming.Step("boom", () -> {
            throw new IllegalStateException("boom");
        })), log);

        priming.beforeCheckpoint(null);

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"boom\":\"java.lang.IllegalStateException\"");
    }

    @Test
    void unsent_whenTheCallReturnsOrFailsOtherwise_throws() {
        assertThatThrownBy(() -> Priming.unsent(() -> { })).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("answered");
        assertThatThrownBy(() -> Priming.unsent(() -> {
            throw new IllegalArgumentException("bad request");
        })).isInstanceOf(IllegalStateException.class).hasCauseInstanceOf(IllegalArgumentException.class);
        Priming.unsent(() -> {
            throw new RuntimeException(new Priming.Unsent());
        });
    }

    @Test
    void run_whenABoundedStepOverruns_failsItWithinTheStepTimeoutAndRunsTheRest() {
        List<String> ran = new ArrayList<>();
        Priming priming = new Priming("test", List.of(
                new Priming.Step("stalls", Priming.bounded(() -> Thread.sleep(60_000))),
                new Priming.Step("fine", Priming.bounded(() -> ran.add("fine")))), log);
        long start = System.nanoTime();

        List<String> failed = priming.run();

        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(Priming.STEP_TIMEOUT.toMillis() + 2_000);
        assertThat(failed).containsExactly("stalls");
        assertThat(ran).containsExactly("fine");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("java.util.concurrent.TimeoutException");
    }

    @Test
    void run_whenABoundedStepThrows_reportsItsOwnException() {
        Priming priming = new Priming("test", List.of(new Priming.Step("boom", Priming.bounded(() -> {
            throw new java.io.IOException("unreachable");
        }))), log);

        assertThat(priming.run()).containsExactly("boom");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"boom\":\"java.io.IOException\"");
    }

    @Test
    void afterRestore_runsTheRestoreActionAndWhenItThrowsLogsAndGoesOn() {
        List<String> ran = new ArrayList<>();
        new Priming("test", List.of(), () -> ran.add("restored"), log).afterRestore(null);
        new Priming("test", List.of(), () -> {
            throw new IllegalStateException("secret detail");
        }, log).afterRestore(null);

        assertThat(ran).containsExactly("restored");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("snapstart restore action failed")
                .contains("java.lang.IllegalStateException").doesNotContain("secret detail");
    }

    @Test
    void metricsLine_publishesNothing() {
        java.io.PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Priming.metricsLine("test", Clock.systemUTC());
        } finally {
            System.setOut(stdout);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
