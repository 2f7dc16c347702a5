package com.algohire.relay.infra;

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
import software.amazon.awscdk.services.cloudwatch.CreateAlarmOptions;
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

/** The alarms an operator is paged on, and the encrypted SNS topic they notify (subscribe on-call to it). */
final class RelayAlarms extends Construct {

    /**
     * Oldest delivery task older than this means delivery is not keeping up (or is down). A task in backoff does
     * not hold the metric up for long: SQS leaves a message out of ApproximateAgeOfOldestMessage once it has been
     * received three times, and with the default schedule the first two waits are 5 s and 300 s.
     */
    static final Duration OLDEST_MESSAGE_AGE_THRESHOLD = Duration.minutes(30);
    /** 5xx answers from the API in five minutes before anyone is paged: a lone failure is retried by the caller. */
    static final int API_5XX_THRESHOLD = 5;
    /**
     * Failed sweeper runs in five minutes (it runs every minute) before anyone is paged. Nothing else notices a
     * broken sweeper (a lost permission, a throttled index): events whose enqueue failed would stay un-delivered
     * with no caller left to retry them, and no queue or API metric moves.
     */
    static final int SWEEPER_ERRORS_THRESHOLD = 3;

    private final Topic topic;

    /**
     * @param alarmEmail an address to subscribe to the topic (SNS mails it a confirmation link first), or null
     */
    RelayAlarms(Construct scope, String id, IQueue deliveryQueue, IQueue slowQueue, IQueue deadLetterQueue,
                IMetric apiServerErrors, IMetric sweeperErrors, String alarmEmail) {
        super(scope, id);
        this.topic = alarmTopic();
        if (alarmEmail != null) {
            topic.addSubscription(new EmailSubscription(alarmEmail));
        }
        SnsAction notify = new SnsAction(topic);

        Alarm dlqDepth = deadLetterQueue.metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
                        .period(Duration.minutes(1)).statistic("Maximum").build())
                .createAlarm(this, "DeadLetterQueueNotEmpty", CreateAlarmOptions.builder()
                        .alarmDescription("A delivery task exhausted its retries and is parked in the DLQ: inspect "
                                + "GET /api/v1/dlq, fix the receiver, then POST /api/v1/dlq/redrive.")
                        .threshold(0)
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                        .evaluationPeriods(1)
                        .treatMissingData(TreatMissingData.NOT_BREACHING)
                        .build());
        Alarm oldestAge = oldestMessageAge(deliveryQueue, "DeliveryBacklogOld", "The oldest delivery task has "
                + "waited over " + OLDEST_MESSAGE_AGE_THRESHOLD.toMinutes() + " minutes: the delivery function is "
                + "failing, throttled or not keeping up.");
        // Held tasks wait in the events table, not on the queue, so an old slow-lane task is not a breaker doing
        // its job: it means the slow lane's few invocations cannot keep up (raise deliverySlowMaxConcurrency) or
        // the function is failing there.
        Alarm slowOldestAge = oldestMessageAge(slowQueue, "DeliverySlowBacklogOld", "The oldest task on the slow "
                + "lane (degraded and failing subscriptions) has waited over "
                + OLDEST_MESSAGE_AGE_THRESHOLD.toMinutes() + " minutes: its event source's concurrency "
                + "(deliverySlowMaxConcurrency) is too small for the slow receivers, or the delivery function is "
                + "failing or throttled.");
        Alarm serverErrors = new Alarm(this, "ApiServerErrors", AlarmProps.builder()
                        .metric(apiServerErrors)
                        .alarmDescription("The API answered 5xx: ingestion or management is failing.")
                        .threshold(API_5XX_THRESHOLD)
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                        .evaluationPeriods(1)
                        .treatMissingData(TreatMissingData.NOT_BREACHING)
                        .build());
        Alarm sweeperFailing = new Alarm(this, "SweeperFailing", AlarmProps.builder()
                        .metric(sweeperErrors)
                        .alarmDescription("The sweeper failed " + SWEEPER_ERRORS_THRESHOLD + " or more of its runs in "
                                + "five minutes: events stored but never queued are not being recovered. Check the "
                                + "sweeper function's logs.")
                        .threshold(SWEEPER_ERRORS_THRESHOLD)
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                        .evaluationPeriods(1)
                        .treatMissingData(TreatMissingData.NOT_BREACHING)
                        .build());
        for (Alarm alarm : List.of(dlqDepth, oldestAge, slowOldestAge, serverErrors, sweeperFailing)) {
            alarm.addAlarmAction(notify);
            alarm.addOkAction(notify);
        }
    }

    private Alarm oldestMessageAge(IQueue queue, String id, String description) {
        return queue.metricApproximateAgeOfOldestMessage(MetricOptions.builder()
                        .period(Duration.minutes(1)).statistic("Maximum").build())
                .createAlarm(this, id, CreateAlarmOptions.builder()
                        .alarmDescription(description)
                        .threshold(OLDEST_MESSAGE_AGE_THRESHOLD.toSeconds())
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                        .evaluationPeriods(5)
                        .datapointsToAlarm(5)
                        .treatMissingData(TreatMissingData.NOT_BREACHING)
                        .build());
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
