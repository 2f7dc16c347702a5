package com.algohire.relay.infra;

import java.util.List;
import software.amazon.awscdk.Duration;
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

    RelayAlarms(Construct scope, String id, IQueue deliveryQueue, IQueue deadLetterQueue, IMetric apiServerErrors,
                IMetric sweeperErrors) {
        super(scope, id);
        // CloudWatch can only publish to an encrypted topic whose key lets it use the key; the AWS-managed SNS key's
        // policy cannot be changed, so the topic gets its own customer-managed key.
        Key key = Key.Builder.create(this, "TopicKey")
                .description("Encrypts the webhook relay's alarm topic")
                .enableKeyRotation(true)
                .build();
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey*"))
                .resources(List.of("*"))
                .build());
        this.topic = Topic.Builder.create(this, "Topic")
                .displayName("Webhook relay alarms")
                .masterKey(key)
                .enforceSsl(true)
                .build();
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
        Alarm oldestAge = deliveryQueue.metricApproximateAgeOfOldestMessage(MetricOptions.builder()
                        .period(Duration.minutes(1)).statistic("Maximum").build())
                .createAlarm(this, "DeliveryBacklogOld", CreateAlarmOptions.builder()
                        .alarmDescription("The oldest delivery task has waited over "
                                + OLDEST_MESSAGE_AGE_THRESHOLD.toMinutes() + " minutes: the delivery function is "
                                + "failing, throttled or not keeping up.")
                        .threshold(OLDEST_MESSAGE_AGE_THRESHOLD.toSeconds())
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                        .evaluationPeriods(5)
                        .datapointsToAlarm(5)
                        .treatMissingData(TreatMissingData.NOT_BREACHING)
                        .build());
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
        for (Alarm alarm : List.of(dlqDepth, oldestAge, serverErrors, sweeperFailing)) {
            alarm.addAlarmAction(notify);
            alarm.addOkAction(notify);
        }
    }

    Topic topic() {
        return topic;
    }
}
