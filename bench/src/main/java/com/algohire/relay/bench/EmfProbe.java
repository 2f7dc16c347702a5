package com.algohire.relay.bench;

import com.algohire.relay.internal.Json;
import com.algohire.relay.metrics.EmfSink;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.metrics.RelayMetrics;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * What a function's first metric line costs, in a fresh JVM: Jackson's mapper made first (the functions have it
 * for their JSON anyway), then one invocation's metrics (a count and a latency under Stack) written as one EMF line
 * to stdout by the writer named in args[0] (none|hand|powertools). Prints, after the line, the milliseconds since
 * the JVM started when Jackson was ready and when the line was out.
 */
public final class EmfProbe {
    private EmfProbe() {
    }

    public static void main(String[] args) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        Json.mapper().writeValueAsString(java.util.Map.of("warm", 1));
        long ready = System.currentTimeMillis() - jvmStart;
        switch (args[0]) {
            case "none" -> System.out.println("{\"no\":\"metrics\"}");
            case "hand" -> {
                Metrics metrics = new Metrics("local", EmfSink.stdout(), Clock.systemUTC());
                metrics.count(RelayMetrics.EVENTS_ACCEPTED);
                metrics.milliseconds(RelayMetrics.ATTEMPT_LATENCY, 12);
                metrics.flush();
            }
            case "powertools" -> {
                software.amazon.lambda.powertools.metrics.Metrics metrics = MetricsFactory.getMetricsInstance();
                metrics.setNamespace(RelayMetrics.NAMESPACE);
                metrics.setDefaultDimensions(DimensionSet.of(RelayMetrics.STACK, "local"));
                metrics.addMetric(RelayMetrics.EVENTS_ACCEPTED, 1, MetricUnit.COUNT);
                metrics.addMetric(RelayMetrics.ATTEMPT_LATENCY, 12, MetricUnit.MILLISECONDS);
                metrics.flush();
            }
            default -> throw new IllegalArgumentException("unknown writer " + args[0]);
        }
        long done = System.currentTimeMillis() - jvmStart;
        System.out.println("ready=" + ready + " firstLine=" + done);
    }
}
