package com.algohire.relay.metrics;

import com.algohire.relay.internal.Json;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of one invocation, collected as the code runs and written by {@link #flush()} as embedded metric
 * format lines (one line unless two values of one dimension, or more than 100 metrics, have to be kept apart).
 * Counts are summed; milliseconds are kept as an array of values. Written by hand on the Jackson the functions
 * already load: Powertools' metrics module costs more at cold start (bench/RESULTS.md, "EMF writer").
 *
 * <p>A metric with a dimension besides {@link RelayMetrics#STACK} is also published under Stack alone (a second
 * dimension set in the same directive), so a reader can sum it without knowing every value of that dimension.
 *
 * <p>Thread-safe (a delivery batch runs its tasks on virtual threads); never throws into its caller.
 */
public final class Metrics {
    /** EMF's limit of metrics per directive, and of values per metric. */
    static final int MAX_PER_LINE = 100;

    private final String stack;
    private final EmfSink sink;
    private final Clock clock;
    private final Map<Key, List<Double>> values = new LinkedHashMap<>();

    /**
     * One metric under one dimension value ({@code dimension} null: Stack alone). A class, not a record: a record's
     * equals and hashCode are bootstrapped through invokedynamic on first use, which a cold start pays for.
     */
    private static final class Key {
        private final String name;
        private final String unit;
        private final String dimension;
        private final String dimensionValue;

        Key(String name, String unit, String dimension, String dimensionValue) {
            this.name = name;
            this.unit = unit;
            this.dimension = dimension;
            this.dimensionValue = dimensionValue;
        }

        String name() {
            return name;
        }

        String unit() {
            return unit;
        }

        String dimension() {
            return dimension;
        }

        String dimensionValue() {
            return dimensionValue;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && name.equals(k.name) && unit.equals(k.unit)
                    && java.util.Objects.equals(dimension, k.dimension)
                    && java.util.Objects.equals(dimensionValue, k.dimensionValue);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, unit, dimension, dimensionValue);
        }
    }

    public Metrics(String stack, EmfSink sink, Clock clock) {
        this.stack = stack;
        this.sink = sink;
        this.clock = clock;
    }

    /** Metrics that go nowhere, for code paths a test builds without a handler. */
    public static Metrics discarding() {
        return new Metrics("local", line -> { }, Clock.systemUTC());
    }

    /** Adds one to a count with the Stack dimension alone. */
    public void count(String name) {
        add(new Key(name, "Count", null, null), 1);
    }

    /** Adds one to a count under {@code dimension = value} (and its Stack-alone rollup). */
    public void count(String name, String dimension, String value) {
        add(new Key(name, "Count", dimension, value == null ? "UNKNOWN" : value), 1);
    }

    /** Records one duration, in milliseconds. */
    public void milliseconds(String name, long millis) {
        add(new Key(name, "Milliseconds", null, null), millis);
    }

    /** Records one duration, in milliseconds, under {@code dimension = value} (and its Stack-alone rollup). */
    public void milliseconds(String name, String dimension, String value, long millis) {
        add(new Key(name, "Milliseconds", dimension, value == null ? "UNKNOWN" : value), millis);
    }

    private synchronized void add(Key key, double value) {
        try {
            List<Double> list = values.get(key);
            if (list == null) {
                list = new ArrayList<>();
                values.put(key, list);
            }
            if ("Count".equals(key.unit()) && !list.isEmpty()) {
                list.set(0, list.get(0) + value);
            } else {
                list.add(value);
            }
        } catch (RuntimeException e) {
            // Never fail the work being measured.
        }
    }

    /** Writes what was collected since the last flush and starts afresh. Never throws. */
    public void flush() {
        Map<Key, List<Double>> taken;
        synchronized (this) {
            if (values.isEmpty()) {
                return;
            }
            taken = new LinkedHashMap<>(values);
            values.clear();
        }
        try {
            for (String line : lines(taken, stack, clock.millis())) {
                sink.accept(line);
            }
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            // A metric lost is better than a failed invocation: the work it measures is done.
        }
    }

    /** A line being filled: its metrics and the one value it gives each dimension. */
    private static final class Line {
        final Map<Key, List<Double>> entries = new LinkedHashMap<>();
        final Map<String, String> dimensions = new LinkedHashMap<>();

        boolean fits(Key key) {
            if (entries.size() >= MAX_PER_LINE) {
                return false;
            }
            for (Key k : entries.keySet()) {
                if (k.name().equals(key.name())) {
                    return false;
                }
            }
            if (key.dimension() == null) {
                return true;
            }
            String taken = dimensions.get(key.dimension());
            return taken == null || taken.equals(key.dimensionValue());
        }
    }

    // Plain loops, no lambdas or streams: their first use bootstraps invokedynamic, paid at cold start.
    private static List<String> lines(Map<Key, List<Double>> collected, String stack, long timestamp) {
        List<Line> lines = new ArrayList<>();
        for (Map.Entry<Key, List<Double>> entry : collected.entrySet()) {
            Key key = entry.getKey();
            List<Double> all = entry.getValue();
            for (int from = 0; from < all.size(); from += MAX_PER_LINE) {
                List<Double> chunk = all.subList(from, Math.min(all.size(), from + MAX_PER_LINE));
                Line line = null;
                for (Line candidate : lines) {
                    if (candidate.fits(key)) {
                        line = candidate;
                        break;
                    }
                }
                if (line == null) {
                    line = new Line();
                    lines.add(line);
                }
                line.entries.put(key, chunk);
                if (key.dimension() != null) {
                    line.dimensions.put(key.dimension(), key.dimensionValue());
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (Line line : lines) {
            out.add(render(line, stack, timestamp));
        }
        return out;
    }

    private static String render(Line line, String stack, long timestamp) {
        Map<String, List<Map<String, String>>> byDimension = new LinkedHashMap<>();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put(RelayMetrics.STACK, stack);
        root.putAll(line.dimensions);
        for (Map.Entry<Key, List<Double>> entry : line.entries.entrySet()) {
            Key key = entry.getKey();
            List<Double> vals = entry.getValue();
            String group = key.dimension() == null ? "" : key.dimension();
            List<Map<String, String>> metrics = byDimension.get(group);
            if (metrics == null) {
                metrics = new ArrayList<>();
                byDimension.put(group, metrics);
            }
            Map<String, String> definition = new LinkedHashMap<>();
            definition.put("Name", key.name());
            definition.put("Unit", key.unit());
            metrics.add(definition);
            root.put(key.name(), vals.size() == 1 ? vals.get(0) : vals);
        }
        List<Map<String, Object>> directives = new ArrayList<>();
        for (Map.Entry<String, List<Map<String, String>>> group : byDimension.entrySet()) {
            String dimension = group.getKey();
            List<Map<String, String>> metrics = group.getValue();
            List<List<String>> sets = dimension.isEmpty() ? List.of(List.of(RelayMetrics.STACK))
                    : List.of(List.of(RelayMetrics.STACK, dimension), List.of(RelayMetrics.STACK));
            Map<String, Object> directive = new LinkedHashMap<>();
            directive.put("Namespace", RelayMetrics.NAMESPACE);
            directive.put("Dimensions", sets);
            directive.put("Metrics", metrics);
            directives.add(directive);
        }
        Map<String, Object> aws = new LinkedHashMap<>();
        aws.put("Timestamp", timestamp);
        aws.put("CloudWatchMetrics", directives);
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("_aws", aws);
        ordered.putAll(root);
        try {
            return Json.mapper().writeValueAsString(ordered);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("metrics line could not be written", e);
        }
    }
}
