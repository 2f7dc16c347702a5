package com.algohire.relay.infra;

import com.algohire.relay.metrics.RelayMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.cloudwatch.AlarmStatusWidget;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.HorizontalAnnotation;
import software.amazon.awscdk.services.cloudwatch.IAlarm;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.YAxisProps;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * The relay at a glance in CloudWatch: ingestion, delivery, the queues, the functions, subscriber health and
 * operations, each row read left to right from "how much" to "how well". Same series as the alarms
 * ({@link RelayTelemetry}); per-subscription figures are in the Contributor Insights rule, never here.
 */
final class RelayDashboard extends Construct {

    private static final int WIDTH = 24;
    private static final int THIRD = 8;
    private static final int QUARTER = 6;
    private static final int HEIGHT = 6;

    private final Dashboard dashboard;

    /**
     * @param failedAttemptsRule the name of the Contributor Insights rule ranking subscriptions by failed attempts
     */
    RelayDashboard(Construct scope, String id, RelayTelemetry telemetry, List<IAlarm> alarms,
                   String failedAttemptsRule) {
        super(scope, id);
        this.dashboard = Dashboard.Builder.create(this, "Dashboard").build();
        dashboard.addWidgets(AlarmStatusWidget.Builder.create()
                .title("Alarms").alarms(alarms).width(WIDTH).height(3).build());
        heading("Ingest");
        dashboard.addWidgets(
                graph("Events accepted and duplicates (per 5 min)", THIRD,
                        telemetry.relay(RelayMetrics.EVENTS_ACCEPTED, "Sum"),
                        telemetry.relay(RelayMetrics.EVENTS_DUPLICATE, "Sum")),
                graph("Events rejected, by error code", THIRD,
                        telemetry.byDimension(RelayMetrics.EVENTS_REJECTED, RelayMetrics.CODE)),
                graph("API answers (every route): 4xx and 5xx", THIRD,
                        telemetry.apiMetric("4XXError", "Sum"), telemetry.apiMetric("5XXError", "Sum"),
                        telemetry.ingestServerErrors().with(MetricOptions.builder()
                                .label("POST /api/v1/events 5xx").build())));
        dashboard.addWidgets(
                graph("API latency (ms)", THIRD, telemetry.apiMetric("Latency", "p50"),
                        telemetry.apiMetric("Latency", "p90"), telemetry.apiMetric("Latency", "p99")),
                graph("POST /api/v1/events latency (ms)", THIRD,
                        telemetry.apiMethodMetric("Latency", "p50"), telemetry.apiMethodMetric("Latency", "p99")));
        heading("Delivery");
        List<IMetric> outcomes = new ArrayList<>();
        for (RelayMetrics.Outcome outcome : RelayMetrics.Outcome.values()) {
            outcomes.add(telemetry.relay(RelayMetrics.DELIVERIES, "Sum", Map.of(RelayMetrics.OUTCOME, outcome.name()))
                    .with(MetricOptions.builder().label(outcome.name()).build()));
        }
        dashboard.addWidgets(
                GraphWidget.Builder.create()
                        .title("Delivery success rate (%) of attempts")
                        .left(List.of(telemetry.deliverySuccessRate()))
                        .leftYAxis(YAxisProps.builder().min(0).max(100).build())
                        .leftAnnotations(List.of(HorizontalAnnotation.builder()
                                .value(RelayAlarms.SUCCESS_RATE_THRESHOLD).label("alarm").build()))
                        .width(THIRD).height(HEIGHT).build(),
                graph("Deliveries by outcome", THIRD, outcomes.toArray(IMetric[]::new)),
                graph("Retries scheduled and tasks dead-lettered", THIRD,
                        telemetry.relay(RelayMetrics.RETRIES, "Sum"),
                        telemetry.relay(RelayMetrics.DEAD_LETTERED, "Sum")));
        dashboard.addWidgets(
                graph("Attempt latency (ms)", THIRD,
                        telemetry.relay(RelayMetrics.ATTEMPT_LATENCY, "p50"),
                        telemetry.relay(RelayMetrics.ATTEMPT_LATENCY, "p90"),
                        telemetry.relay(RelayMetrics.ATTEMPT_LATENCY, "p99")),
                graph("End-to-end latency, received to delivered (ms)", THIRD,
                        telemetry.relay(RelayMetrics.END_TO_END_LATENCY, "p50"),
                        telemetry.relay(RelayMetrics.END_TO_END_LATENCY, "p99")));
        heading("Queues");
        List<IQueue> queues = List.of(telemetry.deliveryQueue(), telemetry.slowQueue(), telemetry.deadLetters());
        List<String> queueLabels = List.of("main", "slow", "DLQ");
        dashboard.addWidgets(
                graph("Age of the oldest task (s)", THIRD, perQueue(queues, queueLabels, (queue, options) ->
                        queue.metricApproximateAgeOfOldestMessage(options.statistic("Maximum").build()))),
                graph("Tasks waiting", THIRD, perQueue(queues, queueLabels, (queue, options) ->
                        queue.metricApproximateNumberOfMessagesVisible(options.statistic("Maximum").build()))),
                graph("Tasks in flight", THIRD, perQueue(queues, queueLabels, (queue, options) ->
                        queue.metricApproximateNumberOfMessagesNotVisible(options.statistic("Maximum").build()))));
        // What the lanes' Behind alarms read: the oldest-task age above also counts retries waiting as scheduled.
        List<IMetric> delays = new ArrayList<>();
        for (RelayMetrics.Lane lane : RelayMetrics.Lane.values()) {
            delays.add(telemetry.pickupDelay(lane, RelayAlarms.LATE_PICKUP_STATISTIC)
                    .with(MetricOptions.builder().label(lane.name().toLowerCase(java.util.Locale.ROOT)).build()));
        }
        dashboard.addWidgets(GraphWidget.Builder.create()
                .title("Pickup delay of due tasks (ms, p99), by lane")
                .left(delays)
                .leftAnnotations(List.of(HorizontalAnnotation.builder()
                        .value(RelayAlarms.LATE_PICKUP_THRESHOLD.toMilliseconds().doubleValue()).label("alarm")
                        .build()))
                .width(THIRD).height(HEIGHT).build());
        heading("Functions");
        dashboard.addWidgets(
                graph("Errors", QUARTER, perFunction(telemetry, "Errors", "Sum")),
                graph("Throttles", QUARTER, perFunction(telemetry, "Throttles", "Sum")),
                graph("Duration p99 (ms)", QUARTER, perFunction(telemetry, "Duration", "p99")),
                graph("Concurrent executions (max)", QUARTER,
                        perFunction(telemetry, "ConcurrentExecutions", "Maximum")));
        heading("Subscriber health and operations");
        dashboard.addWidgets(
                graph("Breaker transitions, by state entered", QUARTER,
                        telemetry.byDimension(RelayMetrics.BREAKER_TRANSITIONS, RelayMetrics.TO_STATE)),
                graph("Subscriptions disabled", QUARTER, telemetry.relay(RelayMetrics.SUBSCRIPTIONS_DISABLED, "Sum")),
                graph("Operator actions, by action", QUARTER,
                        telemetry.byDimension(RelayMetrics.OPERATOR_ACTIONS, RelayMetrics.ACTION)),
                graph("Sweeper runs (heartbeat)", QUARTER, telemetry.relay(RelayMetrics.SWEEPER_RUNS, "Sum")));
        // The Contributor Insights rule's own figures; the ranking itself is in the rule's report (README).
        dashboard.addWidgets(graph("Subscriptions with failed attempts (Contributor Insights)", WIDTH / 2,
                insightRuleMetric(failedAttemptsRule, "UniqueContributors", "subscriptions failing"),
                insightRuleMetric(failedAttemptsRule, "MaxContributorValue", "failed attempts of the worst one")));
    }

    /** INSIGHT_RULE_METRIC: a figure of a Contributor Insights rule as a time series (metric math). */
    private static IMetric insightRuleMetric(String ruleName, String figure, String label) {
        return MathExpression.Builder.create()
                .expression("INSIGHT_RULE_METRIC('" + ruleName + "', '" + figure + "')")
                .label(label)
                .period(RelayTelemetry.PERIOD)
                .build();
    }

    /** The console address of the dashboard, for the stack's outputs. */
    String url() {
        return Fn.join("", List.of("https://", Aws.REGION, ".console.aws.amazon.com/cloudwatch/home?region=",
                Aws.REGION, "#dashboards:name=", dashboard.getDashboardName()));
    }

    Dashboard dashboard() {
        return dashboard;
    }

    private void heading(String text) {
        dashboard.addWidgets(TextWidget.Builder.create().markdown("## " + text).width(WIDTH).height(1).build());
    }

    private static IWidget graph(String title, int width, IMetric... metrics) {
        return GraphWidget.Builder.create().title(title).left(List.of(metrics)).width(width).height(HEIGHT).build();
    }

    private static IMetric[] perQueue(List<IQueue> queues, List<String> labels,
                                      BiFunction<IQueue, MetricOptions.Builder, Metric> metric) {
        IMetric[] metrics = new IMetric[queues.size()];
        for (int i = 0; i < queues.size(); i++) {
            metrics[i] = metric.apply(queues.get(i), MetricOptions.builder()
                    .period(RelayTelemetry.PERIOD).label(labels.get(i)));
        }
        return metrics;
    }

    private static IMetric[] perFunction(RelayTelemetry telemetry, String metricName, String statistic) {
        List<IMetric> metrics = new ArrayList<>();
        for (Map.Entry<String, IFunction> fn : telemetry.functions().entrySet()) {
            metrics.add(telemetry.lambda(fn.getValue(), metricName, statistic)
                    .with(MetricOptions.builder().label(fn.getKey()).build()));
        }
        return metrics.toArray(IMetric[]::new);
    }
}
