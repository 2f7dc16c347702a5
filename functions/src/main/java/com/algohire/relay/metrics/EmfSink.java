package com.algohire.relay.metrics;

import java.io.PrintStream;

/**
 * Where the functions' embedded-metric-format lines go: stdout on Lambda (CloudWatch Logs extracts the metrics);
 * locally, also into CloudWatch itself ({@link CloudWatchEmfSink}), since nothing extracts them there.
 */
@FunctionalInterface
public interface EmfSink {
    void accept(String line);

    /** Each line printed to {@code out}, as Lambda ships stdout to CloudWatch Logs. */
    static EmfSink to(PrintStream out) {
        // An anonymous class, not a method reference: no invokedynamic bootstrap on a cold start's first line.
        return new EmfSink() {
            @Override
            public void accept(String line) {
                out.println(line);
            }
        };
    }

    static EmfSink stdout() {
        return to(System.out);
    }
}
