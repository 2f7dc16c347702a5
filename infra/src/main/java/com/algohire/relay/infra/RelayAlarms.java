package com.algohire.relay.infra;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.metrics.RelayMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmProps;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * The alarms an operator is paged on, and the encrypted SNS topic they notify (subscribe on-call to it). Each alarm
 * notifies on ALARM and on OK; each says in its description what is wrong and where to look.
 */
final class RelayAlarms extends Construct {

    /**
     * How late (p99 of {@link RelayMetrics#PICKUP_DELAY}) due tasks may reach the delivery function before someone is
     * paged: twice the lanes' visibility timeout. A task whose receive failed once comes back one visibility timeout
     * late, which alone never pages; later than twice that for {@link #LATE_PERIODS} periods in a row is a lane that
     * cannot keep up. Scheduled waits (the backoff, a partner's Retry-After) are not delays at all: a task that
     * arrives before its notBefore is deferred and records none. Replaces the queues' oldest-message age, which
     * every waiting retry holds up (each retry is a new message, and its age counts its whole wait).
     */
    static final Duration LATE_PICKUP_THRESHOLD =
            Duration.seconds(2 * RelaySchema.DELIVERY.visibilityTimeoutSeconds());
    static final String LATE_PICKUP_STATISTIC = "p99";
    /** Fifteen minutes (3 x 5) of late pickups, or of due tasks nobody receives. */
    static final int LATE_PERIODS = 3;
    /**
     * 5xx answers to POST /api/v1/events in five minutes before anyone is paged: a producer retries a lone failure
     * (same idempotency key), but five mean ingestion itself is failing and events may not be taken. Management
     * routes are left out: an operator is looking at their 5xx as it happens.
     */
    static final int INGEST_5XX_THRESHOLD = 5;
    /**
     * Delivery success rate, in percent of attempts, below which someone is paged. Receivers fail on their own
     * (a partner's outage is a breaker and a notification, not a page), so the bar is the relay-wide rate: under
     * 95 % for {@link #SUCCESS_RATE_PERIODS} periods in a row is many receivers failing at once, or the relay's own
     * egress (DNS, TLS, signing) broken.
     */
    static final double SUCCESS_RATE_THRESHOLD = 95;
    /** Fifteen minutes (3 x 5): one bad period is a partner's blip; three are a trend worth a person. */
    static final int SUCCESS_RATE_PERIODS = 3;
    /**
     * The sweeper runs every minute and counts each run (SweeperRuns); fewer than one run in five minutes means the
     * schedule, its permission or the function is broken, and events whose enqueue failed would stay un-delivered
     * with nothing else noticing. Missing data is breaching: a sweeper that stopped emits nothing at all.
     */
    static final int SWEEPER_MIN_RUNS = 1;
    /**
     * Invocation errors (unhandled exceptions, timeouts, crashes; not 4xx/5xx answers, not a delivery's failed
     * attempt) of one function in five minutes before anyone is paged: each failure is retried anyway (the caller,
     * SQS redelivery, the next sweep a minute later), three in a row are not a blip.
     */
    static final int FUNCTION_ERRORS_THRESHOLD = 3;
    /**
     * Throttled invocations of one function in five minutes: any. The functions have no reserved concurrency, so
     * a throttle means the account's regional concurrency is used up (by the relay or by something else); API
     * callers then get 5xx and deliveries wait (README, "Lambda concurrency in a new account").
     */
    static final int FUNCTION_THROTTLES_THRESHOLD = 1;

    /** The alarms of the stack as a whole, and those of each function (its errors and throttles). */
    static final int STACK_ALARMS = 8;
    static final int ALARMS_PER_FUNCTION = 2;

    private final Topic topic;
    private final List<Alarm> alarms = new ArrayList<>();

    /**
     * @param alarmEmail an address to subscribe to the topic (SNS mails it a confirmation link first), or null
     */
    RelayAlarms(Construct scope, String id, RelayTelemetry telemetry, String alarmEmail) {
        super(scope, id);
        this.topic = alarmTopic();
        if (alarmEmail != null) {
            topic.addSubscription(new EmailSubscription(alarmEmail));
        }

        alarm("DeliverySuccessRateLow", telemetry.deliverySuccessRate(), "Under " + (int) SUCCESS_RATE_THRESHOLD
                        + " % of delivery attempts succeeded for " + SUCCESS_RATE_PERIODS * 5 + " minutes: many "
                        + "receivers are failing at once, or the relay's outbound calls are. See the dashboard's "
                        + "delivery graphs and the Contributor Insights rule of failed attempts by subscription.",
                SUCCESS_RATE_THRESHOLD, ComparisonOperator.LESS_THAN_THRESHOLD, SUCCESS_RATE_PERIODS,
                TreatMissingData.NOT_BREACHING);
        alarm("DeadLetterQueueNotEmpty", telemetry.deadLetters().metricApproximateNumberOfMessagesVisible(
                        MetricOptions.builder().period(Duration.minutes(1)).statistic("Maximum").build()),
                "A delivery task exhausted its retries and is parked in the DLQ: inspect GET /api/v1/dlq, fix the "
                        + "receiver, then POST /api/v1/dlq/redrive.",
                0, ComparisonOperator.GREATER_THAN_THRESHOLD, 1, TreatMissingData.NOT_BREACHING);
        lateAndNotConsumed(telemetry, RelayMetrics.Lane.MAIN, telemetry.deliveryQueue(), "Delivery", "main",
                DeployOptions.DELIVERY_MAX_CONCURRENCY);
        // Held tasks wait in the events table, not on the queue, so a late slow-lane task is not a breaker doing
        // its job: the slow lane's few invocations cannot keep up, or the function is failing there.
        lateAndNotConsumed(telemetry, RelayMetrics.Lane.SLOW, telemetry.slowQueue(), "DeliverySlow",
                "slow (degraded and failing subscriptions)", DeployOptions.DELIVERY_SLOW_MAX_CONCURRENCY);
        alarm("IngestServerErrors", telemetry.ingestServerErrors(), "POST /api/v1/events answered 5xx "
                        + INGEST_5XX_THRESHOLD + " or more times in five minutes: ingestion is failing and producers' "
                        + "events may not be taken. Check the ingest function's logs.",
                INGEST_5XX_THRESHOLD, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1,
                TreatMissingData.NOT_BREACHING);
        alarm("SweeperHeartbeatMissing", telemetry.relay(RelayMetrics.SWEEPER_RUNS, "Sum"), "The sweeper has not "
                        + "completed a run in five minutes (it runs every minute): events stored but never queued are "
                        + "not being recovered. Check the SweeperSchedule rule and the sweeper function's logs.",
                SWEEPER_MIN_RUNS, ComparisonOperator.LESS_THAN_THRESHOLD, 1, TreatMissingData.BREACHING);
        telemetry.functions().forEach((name, function) -> {
            alarm(name + "Errors", telemetry.lambda(function, "Errors", "Sum"), "The " + name + " function failed "
                            + FUNCTION_ERRORS_THRESHOLD + " or more invocations in five minutes (exceptions, timeouts, "
                            + "crashes). Check its logs.",
                    FUNCTION_ERRORS_THRESHOLD, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1,
                    TreatMissingData.NOT_BREACHING);
            alarm(name + "Throttled", telemetry.lambda(function, "Throttles", "Sum"), "Lambda throttled the " + name
                            + " function: the account's concurrency in this Region is used up. See the README's "
                            + "\"Lambda concurrency in a new account\".",
                    FUNCTION_THROTTLES_THRESHOLD, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1,
                    TreatMissingData.NOT_BREACHING);
        });
        SnsAction notify = new SnsAction(topic);
        for (Alarm alarm : alarms) {
            alarm.addAlarmAction(notify);
            alarm.addOkAction(notify);
        }
    }

    private void alarm(String id, IMetric metric, String description, double threshold,
                       ComparisonOperator comparison, int periods, TreatMissingData missingData) {
        alarms.add(new Alarm(this, id, AlarmProps.builder()
                .metric(metric)
                .alarmDescription(description)
                .threshold(threshold)
                .comparisonOperator(comparison)
                .evaluationPeriods(periods)
                .datapointsToAlarm(periods)
                .treatMissingData(missingData)
                .build()));
    }

    /**
     * A lane's two alarms: due tasks picked up late (the relay is behind), and due tasks that nobody receives at all
     * (which emit no pickup delay: an event source mapping disabled or deleted, a consumer without permission).
     */
    private void lateAndNotConsumed(RelayTelemetry telemetry, RelayMetrics.Lane lane, IQueue queue, String id,
                                    String laneName, String concurrencyContext) {
        long minutes = LATE_PICKUP_THRESHOLD.toMinutes().longValue();
        alarm(id + "Behind", telemetry.pickupDelay(lane, LATE_PICKUP_STATISTIC), "Due delivery tasks on the "
                        + laneName + " lane reached the delivery function over " + minutes + " minutes late (p99 of "
                        + RelayMetrics.PICKUP_DELAY + ", " + LATE_PERIODS * 5 + " minutes in a row): delivery is not "
                        + "keeping up. Retries waiting out their backoff or a partner's Retry-After never count. Look "
                        + "at the dashboard's Functions row: Delivery throttled (the account's Lambda concurrency, "
                        + "README \"Lambda concurrency in a new account\"), failing, or near its timeout; if its "
                        + "concurrent executions sit at the lane's cap, raise it: cdk deploy -c " + concurrencyContext
                        + "=N.",
                LATE_PICKUP_THRESHOLD.toMilliseconds().doubleValue(), ComparisonOperator.GREATER_THAN_THRESHOLD,
                LATE_PERIODS, TreatMissingData.NOT_BREACHING);
        alarm(id + "NotConsumed", telemetry.notConsumed(queue), "Delivery tasks were due on the " + laneName
                        + " lane for " + LATE_PERIODS * 5 + " minutes and none was received: nothing consumes the "
                        + "queue. Check the delivery function's SQS event source mapping for it (aws lambda "
                        + "list-event-source-mappings --function-name <Delivery function>:live; its State must be "
                        + "Enabled and its LastProcessingResult OK) and the function's errors.",
                1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, LATE_PERIODS,
                TreatMissingData.NOT_BREACHING);
    }

    /** Every alarm, for the dashboard's alarm status widget. */
    List<Alarm> alarms() {
        return List.copyOf(alarms);
    }

    /**
     * An encrypted, SSL-only topic that CloudWatch alarms may publish to. Two grants make alarm actions work:
     * <ul>
     *   <li>the topic policy: enforceSsl makes CDK attach a topic policy, which replaces SNS's default policy
     *   (the one that let the account publish), so it must itself allow CloudWatch's service principal to publish;
     *   limited to alarms of this account and region (aws:SourceAccount, aws:SourceArn) against the confused
     *   deputy. Without it every alarm action fails with "not authorized to perform: SNS:Publish".</li>
     *   <li>the key policy: SNS encrypts with the topic's KMS key as the publisher, so CloudWatch needs
     *   kms:GenerateDataKey* and kms:Decrypt on the key. The AWS-managed alias/aws/sns key's policy cannot be
     *   changed to grant that, so an alarm cannot publish to a topic encrypted with it; hence a key of our own,
     *   used by this topic only. The statement has no conditions, as in SNS's documentation for AWS service
     *   publishers: whether CloudWatch's KMS calls carry aws:SourceAccount is not documented, and a condition
     *   that does not match would silently drop every notification.</li>
     * </ul>
     */
    private Topic alarmTopic() {
        Key key = Key.Builder.create(this, "TopicKey")
                .description("Encrypts the webhook relay's alarm topic")
                .enableKeyRotation(true)
                .build();
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey*"))
                .resources(List.of("*"))
                .build());
        Topic topic = Topic.Builder.create(this, "Topic")
                .displayName("Webhook relay alarms")
                .masterKey(key)
                .enforceSsl(true)
                .build();
        topic.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("AllowCloudWatchAlarmsOfThisAccount")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("sns:Publish"))
                .resources(List.of(topic.getTopicArn()))
                .conditions(Map.of(
                        "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
                        "ArnLike", Map.of("aws:SourceArn", Stack.of(this).formatArn(ArnComponents.builder()
                                .service("cloudwatch").resource("alarm").resourceName("*")
                                .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build()))))
                .build());
        return topic;
    }

    Topic topic() {
        return topic;
    }
}
