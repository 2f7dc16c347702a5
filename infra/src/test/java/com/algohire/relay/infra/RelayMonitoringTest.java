package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.metrics.RelayMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stack's monitoring, on the synthesized template: every alarm (its metric, threshold, treatment of missing
 * data, and that it notifies the alarm topic on ALARM and on OK), the dashboard (it names only metrics that exist:
 * RelayMetrics' and AWS's), the Contributor Insights rule, and the Stack dimension the functions are told to use.
 */
class RelayMonitoringTest {

    private static final String INGEST = "com.algohire.relay.api.IngestApiHandler";
    private static final String SWEEPER = "com.algohire.relay.ingest.SweeperHandler";
    private static final String DELIVERY = "com.algohire.relay.delivery.DeliveryHandler";
    private static final String MANAGEMENT = "com.algohire.relay.api.ManagementApiHandler";
    private static final List<String> HANDLERS = List.of(INGEST, SWEEPER, DELIVERY, MANAGEMENT);
    private static final JsonNode STACK_NAME = new ObjectMapper().createObjectNode().put("Ref", "AWS::StackName");

    private static SynthesizedTemplate t;

    @BeforeAll
    static void synthesize() {
        t = SynthesizedTemplate.synthesize();
    }

    // --- The Stack dimension ---

    @Test
    void functions_whenSynthesized_areToldTheStacksNameAsTheirMetricsStackDimension() {
        for (String handler : HANDLERS) {
            JsonNode env = t.properties(t.functionId(handler)).path("Environment").path("Variables");
            assertThat(env.path(EnvVars.METRICS_STACK)).as(handler).isEqualTo(STACK_NAME);
        }
    }

    // --- Alarms ---

    @Test
    void alarms_whenSynthesized_eachNotifiesTheAlarmTopicOnAlarmAndOnOk() {
        List<String> alarms = t.logicalIds("AWS::CloudWatch::Alarm");
        // success rate, DLQ depth, per lane late pickups and not consumed, ingest 5xx, sweeper heartbeat; errors and
        // throttles per function
        assertThat(alarms).hasSize(RelayAlarms.STACK_ALARMS + RelayAlarms.ALARMS_PER_FUNCTION * HANDLERS.size())
                .hasSize(8 + 2 * HANDLERS.size());
        JsonNode topic = ref(alarmTopicId());
        for (String alarm : alarms) {
            JsonNode props = t.properties(alarm);
            assertThat(props.path("AlarmActions")).as(alarm).containsExactly(topic);
            assertThat(props.path("OKActions")).as(alarm).containsExactly(topic);
            assertThat(props.path("AlarmDescription").asText()).as(alarm).isNotBlank();
            assertThat(props.path("TreatMissingData").asText()).as(alarm).isIn("notBreaching", "breaching");
        }
    }

    @Test
    void successRateAlarm_whenSynthesized_isMetricMathOverAttemptsBelowTheThresholdForThreePeriodsIgnoringQuiet() {
        List<String> matches = t.logicalIds("AWS::CloudWatch::Alarm").stream()
                .filter(id -> t.properties(id).path("Metrics").toString().contains("\"Id\":\"s\"")).toList();
        assertThat(matches).hasSize(1);
        JsonNode alarm = t.properties(matches.get(0));
        assertThat(alarm.path("Threshold").asDouble()).isEqualTo(RelayAlarms.SUCCESS_RATE_THRESHOLD).isEqualTo(95);
        assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
        assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(3);
        assertThat(alarm.path("DatapointsToAlarm").asInt()).isEqualTo(3);
        // a relay with no attempts at all must not page
        assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("notBreaching");
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        alarm.path("Metrics").forEach(m -> byId.put(m.path("Id").asText(), m));
        assertThat(byId).containsOnlyKeys("expr_1", "s", "f");
        JsonNode expression = byId.get("expr_1");
        assertThat(expression.path("Expression").asText()).isEqualTo(RelayTelemetry.SUCCESS_RATE_EXPRESSION);
        assertThat(expression.path("ReturnData").asBoolean(true)).isTrue();
        assertRelayMetricStat(byId.get("s"), RelayMetrics.ATTEMPTS_SUCCEEDED, "Sum");
        assertRelayMetricStat(byId.get("f"), RelayMetrics.ATTEMPTS_FAILED, "Sum");
        assertThat(byId.get("s").path("ReturnData").asBoolean()).isFalse();
        assertThat(byId.get("f").path("ReturnData").asBoolean()).isFalse();
    }

    @Test
    void successRateExpression_divides_onlyWhenThereWereAttempts() {
        // IF(total > 0, ...) leaves a quiet period without a value; FILL makes "all failed" 0 %, not missing
        String e = RelayTelemetry.SUCCESS_RATE_EXPRESSION;
        assertThat(e).startsWith("IF(FILL(s, 0) + FILL(f, 0) > 0, ")
                .contains("100 * FILL(s, 0) / (FILL(s, 0) + FILL(f, 0))");
    }

    @Test
    void sweeperHeartbeatAlarm_whenSynthesized_pagesOnFewerThanOneRunInFiveMinutesAndOnSilence() {
        JsonNode alarm = t.properties(alarmOn(RelayMetrics.NAMESPACE, RelayMetrics.SWEEPER_RUNS));
        assertThat(alarm.path("Dimensions")).containsExactly(dimension(RelayMetrics.STACK, STACK_NAME));
        assertThat(alarm.path("Statistic").asText()).isEqualTo("Sum");
        assertThat(alarm.path("Period").asInt()).isEqualTo(300);
        assertThat(alarm.path("Threshold").asInt()).isEqualTo(RelayAlarms.SWEEPER_MIN_RUNS).isEqualTo(1);
        assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
        assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(1);
        // a sweeper that stopped emits nothing: silence must page
        assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("breaching");
    }

    @Test
    void ingestServerErrorsAlarm_whenSynthesized_watchesPostEventsOfTheStage() {
        JsonNode alarm = t.properties(alarmOn("AWS/ApiGateway", "5XXError"));
        Map<String, JsonNode> dims = dimensions(alarm);
        assertThat(dims.get("Method").asText()).isEqualTo("POST");
        assertThat(dims.get("Resource").asText()).isEqualTo("/api/v1/events");
        assertThat(dims.get("Stage").asText()).isEqualTo(RelayApi.STAGE_NAME);
        String apiId = t.logicalIds("AWS::ApiGateway::RestApi").get(0);
        assertThat(dims.get("ApiName").asText()).isEqualTo(t.properties(apiId).path("Name").asText());
        assertThat(alarm.path("Statistic").asText()).isEqualTo("Sum");
        assertThat(alarm.path("Period").asInt()).isEqualTo(300);
        assertThat(alarm.path("Threshold").asInt()).isEqualTo(RelayAlarms.INGEST_5XX_THRESHOLD);
        assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
        assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("notBreaching");
    }

    /**
     * A method setting replaces the stage's {@code /*} one for that method: one that set only throttling left
     * POST /api/v1/events without detailed metrics, so the 5xx alarm read a metric that never exists.
     */
    @Test
    void ingestServerErrorsAlarm_whenSynthesized_readsAMethodWhoseStageSettingEmitsDetailedMetrics() {
        JsonNode alarm = t.properties(alarmOn("AWS/ApiGateway", "5XXError"));
        Map<String, JsonNode> dims = dimensions(alarm);
        String resourcePath = "/" + dims.get("Resource").asText().replace("/", "~1");
        JsonNode stage = t.properties(t.logicalIds("AWS::ApiGateway::Stage").get(0));
        JsonNode setting = null;
        for (JsonNode candidate : stage.path("MethodSettings")) {
            if (resourcePath.equals(candidate.path("ResourcePath").asText())
                    && dims.get("Method").asText().equals(candidate.path("HttpMethod").asText())) {
                setting = candidate;
            }
        }
        assertThat(setting).as("the ingest method's own stage setting").isNotNull();
        assertThat(setting.path("MetricsEnabled").asBoolean()).isTrue();
        assertThat(setting.path("LoggingLevel").asText()).isEqualTo("ERROR");
    }

    /** Two stacks in one account and Region must not read each other's API metrics (ApiName is the only key). */
    @Test
    void apiMetrics_whenSynthesized_selectTheRestApiNamedAfterTheStack() throws Exception {
        String apiId = t.logicalIds("AWS::ApiGateway::RestApi").get(0);
        JsonNode apiName = t.properties(apiId).path("Name");
        assertThat(flatten(apiName)).contains("${Ref:AWS::StackName}");
        int alarms = 0;
        for (String alarm : t.logicalIds("AWS::CloudWatch::Alarm")) {
            for (JsonNode stat : metricStats(t.properties(alarm))) {
                if ("AWS/ApiGateway".equals(stat.path("Namespace").asText())) {
                    assertThat(dimensions(stat).get("ApiName")).as(alarm).isEqualTo(apiName);
                    alarms++;
                }
            }
        }
        assertThat(alarms).isPositive();
        int lines = 0;
        for (JsonNode widget : dashboardBody().path("widgets")) {
            for (JsonNode line : widget.path("properties").path("metrics")) {
                if ("AWS/ApiGateway".equals(line.path(0).asText())) {
                    Map<String, String> dims = new LinkedHashMap<>();
                    for (int i = 2; i + 1 < line.size() && line.path(i).isTextual(); i += 2) {
                        dims.put(line.path(i).asText(), line.path(i + 1).asText());
                    }
                    assertThat(dims).as(widget.path("properties").path("title").asText())
                            .containsEntry("ApiName", flatten(apiName));
                    lines++;
                }
            }
        }
        assertThat(lines).isPositive();
    }

    @Test
    void queueAlarms_whenSynthesized_treatAQuietQueueAsHealthy() {
        List<String> sqsAlarms = t.logicalIds("AWS::CloudWatch::Alarm").stream()
                .filter(id -> "AWS/SQS".equals(t.properties(id).path("Namespace").asText())).toList();
        // the DLQ's depth (the lanes' not-consumed alarms are metric math over SQS metrics)
        assertThat(sqsAlarms).hasSize(1);
        for (String alarm : sqsAlarms) {
            assertThat(t.properties(alarm).path("TreatMissingData").asText()).as(alarm).isEqualTo("notBreaching");
            assertThat(t.properties(alarm).path("Statistic").asText()).as(alarm).isEqualTo("Maximum");
        }
    }

    /**
     * Every retry is a new message whose age counts its whole scheduled wait (the backoff, or a partner's
     * Retry-After up to SQS's 12 h visibility limit), so an alarm on a delivery lane's oldest-message age below that
     * pages for one partner doing what it may. None may read it with a lower threshold.
     */
    @Test
    void deliveryLaneAlarms_whenSynthesized_neverPageOnAnOldestMessageAgeAScheduledWaitHoldsUp() {
        for (String alarm : t.logicalIds("AWS::CloudWatch::Alarm")) {
            JsonNode props = t.properties(alarm);
            for (JsonNode stat : metricStats(props)) {
                if ("ApproximateAgeOfOldestMessage".equals(stat.path("MetricName").asText())) {
                    assertThat(props.path("Threshold").asDouble()).as(alarm)
                            .isGreaterThan(RelaySchema.SQS_MAX_VISIBILITY_SECONDS);
                }
            }
        }
    }

    /** What "delivery is behind" means: due tasks picked up late, on each lane, and nothing else. */
    @Test
    void lateAlarms_whenSynthesized_pageOnEachLanesPickupDelayAboveTwoVisibilityTimeoutsForFifteenMinutes() {
        List<String> lanes = new ArrayList<>();
        for (String id : t.logicalIds("AWS::CloudWatch::Alarm")) {
            JsonNode alarm = t.properties(id);
            if (!RelayMetrics.PICKUP_DELAY.equals(alarm.path("MetricName").asText())) {
                continue;
            }
            Map<String, JsonNode> dims = dimensions(alarm);
            assertThat(dims).containsOnlyKeys(RelayMetrics.STACK, RelayMetrics.LANE);
            assertThat(dims.get(RelayMetrics.STACK)).isEqualTo(STACK_NAME);
            lanes.add(dims.get(RelayMetrics.LANE).asText());
            assertThat(alarm.path("Namespace").asText()).isEqualTo(RelayMetrics.NAMESPACE);
            assertThat(alarm.path("ExtendedStatistic").asText()).isEqualTo("p99");
            // a task whose receive failed once comes back a visibility timeout late: that alone never pages
            assertThat(alarm.path("Threshold").asDouble())
                    .isEqualTo(2 * RelaySchema.DELIVERY.visibilityTimeoutSeconds() * 1000.0);
            assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
            assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(3);
            assertThat(alarm.path("DatapointsToAlarm").asInt()).isEqualTo(3);
            assertThat(alarm.path("Period").asInt()).isEqualTo(300);
            // a quiet lane is healthy; a lane nobody consumes is the NotConsumed alarm's
            assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("notBreaching");
            assertThat(alarm.path("AlarmDescription").asText()).contains("Retry-After").contains("MaxConcurrency");
        }
        assertThat(lanes).containsExactlyInAnyOrder(RelayMetrics.Lane.MAIN.name(), RelayMetrics.Lane.SLOW.name());
    }

    /** The one thing PickupDelay cannot show: a lane whose due tasks nobody receives at all emits no delay. */
    @Test
    void notConsumedAlarms_whenSynthesized_pageWhenALaneHadDueTasksAndNoReceivesForFifteenMinutes() {
        List<String> queues = new ArrayList<>();
        for (String id : t.logicalIds("AWS::CloudWatch::Alarm")) {
            JsonNode alarm = t.properties(id);
            Map<String, JsonNode> byId = new LinkedHashMap<>();
            alarm.path("Metrics").forEach(m -> byId.put(m.path("Id").asText(), m));
            if (!byId.containsKey("visible")) {
                continue;
            }
            assertThat(byId).containsOnlyKeys("expr_1", "visible", "received");
            assertThat(byId.get("expr_1").path("Expression").asText())
                    .isEqualTo(RelayTelemetry.NOT_CONSUMED_EXPRESSION);
            JsonNode visible = byId.get("visible").path("MetricStat");
            JsonNode received = byId.get("received").path("MetricStat");
            assertThat(visible.path("Metric").path("MetricName").asText())
                    .isEqualTo("ApproximateNumberOfMessagesVisible");
            assertThat(visible.path("Stat").asText()).isEqualTo("Minimum");
            assertThat(received.path("Metric").path("MetricName").asText()).isEqualTo("NumberOfMessagesReceived");
            assertThat(received.path("Stat").asText()).isEqualTo("Sum");
            assertThat(visible.path("Metric").path("Dimensions")).isEqualTo(received.path("Metric").path("Dimensions"));
            queues.add(visible.path("Metric").path("Dimensions").path(0).path("Value").path("Fn::GetAtt").path(0)
                    .asText());
            assertThat(alarm.path("Threshold").asInt()).isEqualTo(1);
            assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
            assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(3);
            assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("notBreaching");
        }
        List<String> lanes = t.logicalIds("AWS::SQS::Queue").stream()
                .filter(q -> t.properties(q).has("RedrivePolicy")).toList();
        assertThat(queues).containsExactlyInAnyOrderElementsOf(lanes).hasSize(2);
    }

    @Test
    void notConsumedExpression_isOneOnlyWhenTasksWaitedAllPeriodAndNoneWasReceived() {
        assertThat(RelayTelemetry.NOT_CONSUMED_EXPRESSION)
                .isEqualTo("IF(visible > 0 AND FILL(received, 0) == 0, 1, 0)");
    }

    @Test
    void functionAlarms_whenSynthesized_watchErrorsAndThrottlesOfEveryFunction() {
        for (String handler : HANDLERS) {
            JsonNode fn = ref(t.functionId(handler));
            JsonNode errors = t.properties(lambdaAlarm("Errors", fn));
            assertThat(errors.path("Threshold").asInt()).as(handler).isEqualTo(RelayAlarms.FUNCTION_ERRORS_THRESHOLD);
            assertThat(errors.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
            JsonNode throttles = t.properties(lambdaAlarm("Throttles", fn));
            assertThat(throttles.path("Threshold").asInt()).as(handler)
                    .isEqualTo(RelayAlarms.FUNCTION_THROTTLES_THRESHOLD).isEqualTo(1);
            assertThat(throttles.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
            for (JsonNode alarm : List.of(errors, throttles)) {
                assertThat(alarm.path("Statistic").asText()).as(handler).isEqualTo("Sum");
                assertThat(alarm.path("Period").asInt()).as(handler).isEqualTo(300);
                assertThat(alarm.path("TreatMissingData").asText()).as(handler).isEqualTo("notBreaching");
            }
        }
    }

    @Test
    void alarms_whenSynthesized_nameOnlyRelayMetricsThatExist() {
        for (String alarm : t.logicalIds("AWS::CloudWatch::Alarm")) {
            for (JsonNode stat : metricStats(t.properties(alarm))) {
                assertKnownMetric(stat.path("Namespace").asText(), stat.path("MetricName").asText(), alarm);
            }
        }
    }

    // --- Dashboard ---

    @Test
    void dashboard_whenSynthesized_namesOnlyRelayMetricsOrAwsNamespacesAndEveryRelayMetric() throws Exception {
        JsonNode body = dashboardBody();
        Set<String> relayMetrics = new LinkedHashSet<>();
        List<String> insightFigures = new ArrayList<>();
        int graphs = 0;
        for (JsonNode widget : body.path("widgets")) {
            if (!"metric".equals(widget.path("type").asText())) {
                continue;
            }
            JsonNode metrics = widget.path("properties").path("metrics");
            if (metrics.isMissingNode()) {
                continue; // the alarm status widget
            }
            graphs++;
            for (JsonNode line : metrics) {
                String context = widget.path("properties").path("title").asText();
                if (line.path(0).isObject()) {
                    String expression = line.path(0).path("expression").asText();
                    Matcher search = SEARCH.matcher(expression);
                    if (search.find()) {
                        assertThat(search.group(1)).as(context).isEqualTo(RelayMetrics.NAMESPACE);
                        assertKnownMetric(search.group(1), search.group(2), context);
                        relayMetrics.add(search.group(2));
                    } else if (expression.startsWith("INSIGHT_RULE_METRIC(")) {
                        assertThat(expression).as(context).startsWith(
                                "INSIGHT_RULE_METRIC('${Ref:AWS::StackName}-FailedAttemptsBySubscription', ");
                        insightFigures.add(expression);
                    } else {
                        assertThat(expression).as(context).isEqualTo(RelayTelemetry.SUCCESS_RATE_EXPRESSION);
                    }
                    continue;
                }
                String namespace = line.path(0).asText();
                String name = line.path(1).asText();
                assertKnownMetric(namespace, name, context);
                if (RelayMetrics.NAMESPACE.equals(namespace)) {
                    relayMetrics.add(name);
                    Map<String, String> dims = new LinkedHashMap<>();
                    for (int i = 2; i + 1 < line.size() && line.path(i).isTextual(); i += 2) {
                        dims.put(line.path(i).asText(), line.path(i + 1).asText());
                    }
                    assertThat(dims).as(context + " " + name)
                            .containsEntry(RelayMetrics.STACK, "${Ref:AWS::StackName}");
                }
            }
        }
        assertThat(graphs).isGreaterThanOrEqualTo(15);
        assertThat(relayMetrics).containsExactlyInAnyOrderElementsOf(RelayMetrics.ALL);
        assertThat(insightFigures).containsExactlyInAnyOrder(
                "INSIGHT_RULE_METRIC('${Ref:AWS::StackName}-FailedAttemptsBySubscription', 'UniqueContributors')",
                "INSIGHT_RULE_METRIC('${Ref:AWS::StackName}-FailedAttemptsBySubscription', 'MaxContributorValue')");
    }

    @Test
    void dashboard_whenSynthesized_graphsEveryFunctionEveryQueueAndEveryOutcome() throws Exception {
        String body = dashboardBody().toString();
        for (String handler : HANDLERS) {
            assertThat(body).as(handler).contains("${Ref:" + t.functionId(handler) + "}");
        }
        for (String queue : t.logicalIds("AWS::SQS::Queue")) {
            assertThat(body).as(queue).contains("${" + queue + ".QueueName}");
        }
        for (RelayMetrics.Outcome outcome : RelayMetrics.Outcome.values()) {
            assertThat(body).as(outcome.name()).contains("\"" + RelayMetrics.OUTCOME + "\",\"" + outcome + "\"");
        }
        for (String metric : List.of("ConcurrentExecutions", "Duration", "Errors", "Throttles")) {
            assertThat(body).contains("\"AWS/Lambda\",\"" + metric + "\"");
        }
        for (String metric : List.of("4XXError", "5XXError", "Latency")) {
            assertThat(body).contains("\"AWS/ApiGateway\",\"" + metric + "\"");
        }
        for (String metric : List.of("ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible")) {
            assertThat(body).contains("\"AWS/SQS\",\"" + metric + "\"");
        }
        // every alarm's state is on it
        for (String alarm : t.logicalIds("AWS::CloudWatch::Alarm")) {
            assertThat(body).as(alarm).contains("${" + alarm + ".Arn}");
        }
    }

    @Test
    void dashboardUrl_whenSynthesized_isAnOutputOpeningTheDashboardInItsRegion() {
        String dashboard = t.logicalIds("AWS::CloudWatch::Dashboard").get(0);
        String url = flatten(t.json.path("Outputs").path("DashboardUrl").path("Value"));
        assertThat(url).isEqualTo("https://${Ref:AWS::Region}.console.aws.amazon.com/cloudwatch/home?region="
                + "${Ref:AWS::Region}#dashboards:name=${Ref:" + dashboard + "}");
    }

    // --- Contributor Insights ---

    @Test
    void insightRule_whenSynthesized_ranksSubscriptionsByFailedAttemptsInTheDeliveryLogs() throws Exception {
        List<String> rules = t.logicalIds("AWS::CloudWatch::InsightRule");
        assertThat(rules).hasSize(1);
        JsonNode rule = t.properties(rules.get(0));
        assertThat(rule.path("RuleState").asText()).isEqualTo("ENABLED");
        assertThat(flatten(rule.path("RuleName"))).isEqualTo("${Ref:AWS::StackName}-FailedAttemptsBySubscription");
        JsonNode body = new ObjectMapper().readTree(flatten(rule.path("RuleBody")));
        assertThat(body.path("Schema").path("Name").asText()).isEqualTo("CloudWatchLogRule");
        assertThat(body.path("Schema").path("Version").asInt()).isEqualTo(1);
        assertThat(body.path("LogFormat").asText()).isEqualTo("JSON");
        assertThat(body.path("AggregateOn").asText()).isEqualTo("Count");
        String deliveryLogs = t.properties(t.functionId(DELIVERY)).path("LoggingConfig").path("LogGroup").path("Ref")
                .asText();
        assertThat(body.path("LogGroupNames")).hasSize(1);
        assertThat(body.path("LogGroupNames").path(0).asText()).isEqualTo("${Ref:" + deliveryLogs + "}");
        JsonNode contribution = body.path("Contribution");
        assertThat(contribution.path("Keys")).hasSize(1);
        assertThat(contribution.path("Keys").path(0).asText()).isEqualTo("$.subscriptionId");
        List<String> outcomes = new ArrayList<>();
        boolean subscriptionPresent = false;
        for (JsonNode filter : contribution.path("Filters")) {
            if ("$.outcome".equals(filter.path("Match").asText())) {
                filter.path("In").forEach(o -> outcomes.add(o.asText()));
            }
            subscriptionPresent |= "$.subscriptionId".equals(filter.path("Match").asText())
                    && filter.path("IsPresent").asBoolean();
        }
        assertThat(subscriptionPresent).isTrue();
        assertThat(outcomes).containsExactlyInAnyOrderElementsOf(RelayStack.FAILED_ATTEMPT_OUTCOMES);
    }

    /** The outcomes the rule counts are the delivery code's own: a renamed constant there would empty the rule. */
    @Test
    void failedAttemptOutcomes_areWebhookDeliverysFailureOutcomesAndNotDelivered() throws Exception {
        Class<?> delivery = Class.forName("com.algohire.relay.delivery.WebhookDelivery");
        List<String> failures = new ArrayList<>();
        for (String name : List.of("RETRYING", "FAILED", "DISABLED")) {
            failures.add(constant(delivery, name));
        }
        assertThat(RelayStack.FAILED_ATTEMPT_OUTCOMES).containsExactlyInAnyOrderElementsOf(failures)
                .doesNotContain(constant(delivery, "DELIVERED"));
    }

    // --- helpers ---

    private static final Pattern SEARCH = Pattern.compile(
            "SEARCH\\('\\{([^,}]+),[^}]*} MetricName=\"([^\"]+)\" " + RelayMetrics.STACK
                    + "=\"\\$\\{Ref:AWS::StackName}\"'");

    private static String constant(Class<?> type, String name) throws ReflectiveOperationException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return (String) field.get(null);
    }

    private static void assertKnownMetric(String namespace, String name, String context) {
        if (RelayMetrics.NAMESPACE.equals(namespace)) {
            assertThat(RelayMetrics.ALL).as(context).contains(name);
        } else {
            assertThat(namespace).as(context + ": " + name).startsWith("AWS/");
        }
    }

    private static void assertRelayMetricStat(JsonNode query, String metricName, String stat) {
        JsonNode metricStat = query.path("MetricStat");
        assertThat(metricStat.path("Metric").path("Namespace").asText()).isEqualTo(RelayMetrics.NAMESPACE);
        assertThat(metricStat.path("Metric").path("MetricName").asText()).isEqualTo(metricName);
        assertThat(metricStat.path("Metric").path("Dimensions"))
                .containsExactly(dimension(RelayMetrics.STACK, STACK_NAME));
        assertThat(metricStat.path("Stat").asText()).isEqualTo(stat);
        assertThat(metricStat.path("Period").asInt()).isEqualTo(300);
    }

    /** The metrics an alarm reads: its single metric, or each MetricStat of its metric math. */
    private static List<JsonNode> metricStats(JsonNode alarm) {
        List<JsonNode> stats = new ArrayList<>();
        if (alarm.has("MetricName")) {
            stats.add(alarm);
        }
        alarm.path("Metrics").forEach(m -> {
            if (m.has("MetricStat")) {
                stats.add(m.path("MetricStat").path("Metric"));
            }
        });
        return stats;
    }

    private static String alarmOn(String namespace, String metricName) {
        List<String> matches = t.logicalIds("AWS::CloudWatch::Alarm").stream()
                .filter(id -> namespace.equals(t.properties(id).path("Namespace").asText())
                        && metricName.equals(t.properties(id).path("MetricName").asText()))
                .toList();
        assertThat(matches).as("alarms on " + namespace + " " + metricName).hasSize(1);
        return matches.get(0);
    }

    private static String lambdaAlarm(String metricName, JsonNode function) {
        List<String> matches = t.logicalIds("AWS::CloudWatch::Alarm").stream()
                .filter(id -> "AWS/Lambda".equals(t.properties(id).path("Namespace").asText())
                        && metricName.equals(t.properties(id).path("MetricName").asText())
                        && t.properties(id).path("Dimensions").equals(
                                new ObjectMapper().createArrayNode().add(dimension("FunctionName", function))))
                .toList();
        assertThat(matches).as(metricName + " alarms of " + function).hasSize(1);
        return matches.get(0);
    }

    private static Map<String, JsonNode> dimensions(JsonNode alarm) {
        Map<String, JsonNode> dims = new LinkedHashMap<>();
        alarm.path("Dimensions").forEach(d -> dims.put(d.path("Name").asText(), d.path("Value")));
        return dims;
    }

    private static JsonNode dimension(String name, JsonNode value) {
        return new ObjectMapper().createObjectNode().put("Name", name).set("Value", value);
    }

    private static JsonNode ref(String logicalId) {
        return new ObjectMapper().createObjectNode().put("Ref", logicalId);
    }

    private static String alarmTopicId() {
        return t.logicalIds("AWS::SNS::Topic").stream()
                .filter(id -> "Webhook relay alarms".equals(t.properties(id).path("DisplayName").asText()))
                .findFirst().orElseThrow();
    }

    private static JsonNode dashboardBody() throws Exception {
        List<String> dashboards = t.logicalIds("AWS::CloudWatch::Dashboard");
        assertThat(dashboards).hasSize(1);
        return new ObjectMapper().readTree(flatten(t.properties(dashboards.get(0)).path("DashboardBody")));
    }

    /**
     * A CloudFormation string value as text: an Fn::Join's parts concatenated, {@code Ref X} as {@code ${Ref:X}}
     * and {@code Fn::GetAtt [X, Y]} as {@code ${X.Y}}; anything else fails the test.
     */
    private static String flatten(JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.has("Ref")) {
            return "${Ref:" + value.path("Ref").asText() + "}";
        }
        if (value.has("Fn::GetAtt")) {
            return "${" + value.path("Fn::GetAtt").path(0).asText() + "." + value.path("Fn::GetAtt").path(1).asText()
                    + "}";
        }
        if (value.has("Fn::Join")) {
            List<String> parts = new ArrayList<>();
            value.path("Fn::Join").path(1).forEach(part -> parts.add(flatten(part)));
            return String.join(value.path("Fn::Join").path(0).asText(), parts);
        }
        throw new AssertionError("not a string value: " + value);
    }
}
