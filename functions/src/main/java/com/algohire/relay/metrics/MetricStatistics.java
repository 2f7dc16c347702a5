package com.algohire.relay.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;

/**
 * Reads the relay's metrics back from CloudWatch for the management API: the totals of a time window (what the
 * functions emitted, summed) and the age of the oldest message of each delivery queue (SQS's own metric), each
 * with one GetMetricData call.
 */
public final class MetricStatistics {
    /** The sums of a window; {@link #successRate()} is null when no attempt was made. */
    public record Totals(long accepted, long rejected, long duplicates, long delivered, long failedAttempts,
                         long retries, long deadLettered, long attemptsSucceeded) {
        public Double successRate() {
            long attempts = attemptsSucceeded + failedAttempts;
            return attempts == 0 ? null : (double) attemptsSucceeded / attempts;
        }
    }

    /** How far back the queue age is looked for: SQS publishes it every minute. */
    static final Duration QUEUE_AGE_WINDOW = Duration.ofMinutes(5);

    private final CloudWatchClient cloudWatch;
    private final String stack;

    public MetricStatistics(CloudWatchClient cloudWatch, String stack) {
        this.cloudWatch = cloudWatch;
        this.stack = stack;
    }

    /** The relay's totals over the window (one {@link StatsWindow} CloudWatch can answer). */
    public Totals totals(StatsWindow window) {
        Map<String, MetricDataQuery> queries = new LinkedHashMap<>();
        int period = window.period();
        queries.put("accepted", sum("accepted", RelayMetrics.EVENTS_ACCEPTED, period));
        queries.put("rejected", sum("rejected", RelayMetrics.EVENTS_REJECTED, period));
        queries.put("duplicates", sum("duplicates", RelayMetrics.EVENTS_DUPLICATE, period));
        queries.put("delivered", sum("delivered", RelayMetrics.DELIVERIES, period, RelayMetrics.OUTCOME,
                RelayMetrics.Outcome.DELIVERED.name()));
        queries.put("succeeded", sum("succeeded", RelayMetrics.ATTEMPTS_SUCCEEDED, period));
        queries.put("failed", sum("failed", RelayMetrics.ATTEMPTS_FAILED, period));
        queries.put("retries", sum("retries", RelayMetrics.RETRIES, period));
        queries.put("deadlettered", sum("deadlettered", RelayMetrics.DEAD_LETTERED, period));
        Map<String, Double> sums = new LinkedHashMap<>();
        for (MetricDataResult result : fetch(queries.values(), window.from(), window.to()).metricDataResults()) {
            sums.merge(result.id(), result.values().stream().mapToDouble(Double::doubleValue).sum(), Double::sum);
        }
        return new Totals(total(sums, "accepted"), total(sums, "rejected"), total(sums, "duplicates"),
                total(sums, "delivered"), total(sums, "failed"), total(sums, "retries"),
                total(sums, "deadlettered"), total(sums, "succeeded"));
    }

    /**
     * The latest ApproximateAgeOfOldestMessage (seconds) of each named queue within the last few minutes, by queue
     * name; a queue without a datapoint (SQS publishes none for an idle queue, nor does anything locally) is absent.
     */
    public Map<String, Long> oldestMessageAges(List<String> queueNames, Instant now) {
        List<MetricDataQuery> queries = new ArrayList<>();
        for (int i = 0; i < queueNames.size(); i++) {
            String name = queueNames.get(i);
            queries.add(MetricDataQuery.builder().id("q" + i).returnData(true).metricStat(s -> s.period(60)
                    .stat("Maximum").metric(m -> m.namespace("AWS/SQS").metricName("ApproximateAgeOfOldestMessage")
                            .dimensions(Dimension.builder().name("QueueName").value(name).build()))).build());
        }
        Map<String, Long> ages = new LinkedHashMap<>();
        if (queries.isEmpty()) {
            return ages;
        }
        for (MetricDataResult result : fetch(queries, now.minus(QUEUE_AGE_WINDOW), now).metricDataResults()) {
            if (!result.values().isEmpty()) {
                // TimestampDescending (the default): the first value is the latest.
                int index = Integer.parseInt(result.id().substring(1));
                ages.put(queueNames.get(index), Math.round(result.values().get(0)));
            }
        }
        return ages;
    }

    private GetMetricDataResponse fetch(java.util.Collection<MetricDataQuery> queries, Instant from, Instant to) {
        return cloudWatch.getMetricData(r -> r.metricDataQueries(queries).startTime(from).endTime(to));
    }

    private MetricDataQuery sum(String id, String name, int period) {
        return sum(id, name, period, null, null);
    }

    private MetricDataQuery sum(String id, String name, int period, String dimension, String value) {
        List<Dimension> dimensions = new ArrayList<>();
        dimensions.add(Dimension.builder().name(RelayMetrics.STACK).value(stack).build());
        if (dimension != null) {
            dimensions.add(Dimension.builder().name(dimension).value(value).build());
        }
        return MetricDataQuery.builder().id(id).returnData(true).metricStat(s -> s.period(period).stat("Sum")
                .metric(m -> m.namespace(RelayMetrics.NAMESPACE).metricName(name).dimensions(dimensions))).build();
    }

    private static long total(Map<String, Double> sums, String id) {
        return Math.round(sums.getOrDefault(id, 0.0));
    }
}
