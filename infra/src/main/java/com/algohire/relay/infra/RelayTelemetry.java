package com.algohire.relay.infra;

import com.algohire.relay.metrics.RelayMetrics;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.sqs.IQueue;

/**
 * The metrics the alarms and the dashboard read, built in one place so that an alarm and the graph beside it are
 * the same series: the relay's own (RelayMetrics, always with the {@code Stack} dimension the functions set from
 * env METRICS_STACK) and AWS's for the queues, the API and the functions of this stack.
 *
 * @param stackName the value of the Stack dimension (the stack's name, a CloudFormation reference)
 * @param functions the four functions by their construct id (Ingest, Sweeper, Delivery, Management), in order
 */
record RelayTelemetry(String stackName, IQueue deliveryQueue, IQueue slowQueue, IQueue deadLetters, RestApi api,
                      Map<String, IFunction> functions) {

    /** The period of every alarm and graph unless said otherwise: EMF counts are summed per five minutes. */
    static final Duration PERIOD = Duration.minutes(5);
    /** The ingest route, as API Gateway's per-method metrics name it (the stage has detailed metrics on). */
    static final String INGEST_METHOD = "POST";
    static final String INGEST_RESOURCE = "/api/v1/events";
    /**
     * Success rate of delivery attempts in percent, only where there were attempts: FILL makes a period with
     * failures but no successes count as 0 % (not as missing), and IF leaves a period with no attempt at all
     * without a value, so a quiet relay is "missing data", never "0 % success".
     */
    static final String SUCCESS_RATE_EXPRESSION =
            "IF(FILL(s, 0) + FILL(f, 0) > 0, 100 * FILL(s, 0) / (FILL(s, 0) + FILL(f, 0)))";

    /**
     * 1 in a period when a lane had due tasks waiting all along (its visible messages' minimum above zero: delayed
     * and in-flight messages are not visible) and none was received: nothing consumes the lane. FILL: a queue that
     * reports no receives at all has received none.
     */
    static final String NOT_CONSUMED_EXPRESSION = "IF(visible > 0 AND FILL(received, 0) == 0, 1, 0)";

    RelayTelemetry {
        functions = Collections.unmodifiableMap(new LinkedHashMap<>(functions));
    }

    /** One of the relay's metrics (a name from {@link RelayMetrics}), for this stack. */
    Metric relay(String metricName, String statistic) {
        return relay(metricName, statistic, Map.of());
    }

    /** As {@link #relay(String, String)}, narrowed by one more dimension (e.g. Outcome=DELIVERED). */
    Metric relay(String metricName, String statistic, Map<String, String> dimensions) {
        if (!RelayMetrics.ALL.contains(metricName)) {
            throw new IllegalArgumentException("not a metric of RelayMetrics.ALL: " + metricName);
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put(RelayMetrics.STACK, stackName);
        all.putAll(dimensions);
        return Metric.Builder.create()
                .namespace(RelayMetrics.NAMESPACE)
                .metricName(metricName)
                .dimensionsMap(all)
                .statistic(statistic)
                .period(PERIOD)
                .build();
    }

    /**
     * Every series of one relay metric split by {@code dimension} (an error code, a breaker state, an audit
     * action): a SEARCH, since the values are a small set the code defines, but not one the stack enumerates.
     */
    MathExpression byDimension(String metricName, String dimension) {
        if (!RelayMetrics.ALL.contains(metricName)) {
            throw new IllegalArgumentException("not a metric of RelayMetrics.ALL: " + metricName);
        }
        return MathExpression.Builder.create()
                .expression("SEARCH('{" + RelayMetrics.NAMESPACE + "," + RelayMetrics.STACK + "," + dimension
                        + "} MetricName=\"" + metricName + "\" " + RelayMetrics.STACK + "=\"" + stackName
                        + "\"', 'Sum', " + PERIOD.toSeconds() + ")")
                // CloudWatch's dynamic label: each series is named by its value of the dimension
                .label("${PROP('Dim." + dimension + "')}")
                .period(PERIOD)
                .build();
    }

    /** {@link #SUCCESS_RATE_EXPRESSION} over AttemptsSucceeded and AttemptsFailed. */
    MathExpression deliverySuccessRate() {
        return MathExpression.Builder.create()
                .expression(SUCCESS_RATE_EXPRESSION)
                .usingMetrics(Map.of(
                        "s", relay(RelayMetrics.ATTEMPTS_SUCCEEDED, "Sum"),
                        "f", relay(RelayMetrics.ATTEMPTS_FAILED, "Sum")))
                .label("Delivery success rate (%)")
                .period(PERIOD)
                .build();
    }

    /** {@link RelayMetrics#PICKUP_DELAY} of one lane. */
    Metric pickupDelay(RelayMetrics.Lane lane, String statistic) {
        return relay(RelayMetrics.PICKUP_DELAY, statistic, Map.of(RelayMetrics.LANE, lane.name()));
    }

    /** {@link #NOT_CONSUMED_EXPRESSION} over one lane's SQS metrics. */
    MathExpression notConsumed(IQueue lane) {
        return MathExpression.Builder.create()
                .expression(NOT_CONSUMED_EXPRESSION)
                .usingMetrics(Map.of(
                        "visible", lane.metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
                                .statistic("Minimum").period(PERIOD).build()),
                        "received", lane.metricNumberOfMessagesReceived(MetricOptions.builder()
                                .statistic("Sum").period(PERIOD).build())))
                .label("Due tasks waiting and none received")
                .period(PERIOD)
                .build();
    }

    /** 5xx answers of POST /api/v1/events: producers whose events may not have been taken. */
    Metric ingestServerErrors() {
        return apiMethodMetric("5XXError", "Sum");
    }

    Metric apiMethodMetric(String metricName, String statistic) {
        return Metric.Builder.create()
                .namespace("AWS/ApiGateway")
                .metricName(metricName)
                .dimensionsMap(Map.of(
                        "ApiName", api.getRestApiName(),
                        "Stage", RelayApi.STAGE_NAME,
                        "Method", INGEST_METHOD,
                        "Resource", INGEST_RESOURCE))
                .statistic(statistic)
                .period(PERIOD)
                .build();
    }

    /** A whole-API metric (every route of the stage). */
    IMetric apiMetric(String metricName, String statistic) {
        return Metric.Builder.create()
                .namespace("AWS/ApiGateway")
                .metricName(metricName)
                .dimensionsMap(Map.of("ApiName", api.getRestApiName(), "Stage", RelayApi.STAGE_NAME))
                .statistic(statistic)
                .period(PERIOD)
                .build();
    }

    /**
     * An AWS/Lambda metric of one function by its FunctionName dimension alone, which counts every version the live
     * alias has pointed at (the alias's own dimension would lose a version's tail after a deployment).
     */
    Metric lambda(IFunction function, String metricName, String statistic) {
        return Metric.Builder.create()
                .namespace("AWS/Lambda")
                .metricName(metricName)
                .dimensionsMap(Map.of("FunctionName", function.getFunctionName()))
                .statistic(statistic)
                .period(PERIOD)
                .build();
    }
}
