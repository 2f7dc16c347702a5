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
}
