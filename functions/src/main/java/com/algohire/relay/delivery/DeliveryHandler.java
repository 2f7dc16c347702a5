package com.algohire.relay.delivery;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Randomness;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.recover.RecoveryStore;
import com.algohire.relay.recover.RecoveryWorker;
import com.algohire.relay.ssrf.SsrfGuard;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Clock;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The delivery function: consumes the delivery queue (with ReportBatchItemFailures), fanning accepted events
 * out to matching subscriptions and delivering each task as a signed webhook.
 */
public final class DeliveryHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final DeliveryBatch batch;

    public DeliveryHandler() {
        this(RelayConfig.fromEnvironment(), AwsClients.fromEnvironment());
    }

    public DeliveryHandler(RelayConfig config, AwsClients clients) {
        this(config, clients.dynamoDb(), clients.sqs(), clients.s3(), Clock.systemUTC(), StructuredLog.stdout());
    }

    /** One client per service for the whole container, shared by everything the handler builds. */
    private DeliveryHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, Clock clock,
                            StructuredLog log) {
        this(config, dynamoDb, sqs, new EventStore(dynamoDb, new PayloadStore(s3, config.payloadBucket()),
                config.eventsTable(), clock), clock, log);
    }

    DeliveryHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, Clock clock,
                    StructuredLog log) {
        SubscriptionStore subscriptions = new SubscriptionStore(dynamoDb, config.subscriptionsTable());
        DeliveryAttempt attempt = new DeliveryAttempt(new SsrfGuard(config.ssrfAllowlist()), config.deliveryTimeout(),
                clock);
        this.batch = new DeliveryBatch(
                new FanOut(events, subscriptions, sqs,
                        config.deliveryQueueUrl(), log),
                new WebhookDelivery(events, subscriptions, attempt,
                        new DeliveryLog(dynamoDb, config.eventsTable(), config.retention()),
                        new RetryPolicy(config.maxRetryAttempts(), config.retrySchedule(), Randomness::unitInterval),
                        sqs, config.deliveryQueueUrl(), clock, log),
                new RecoveryWorker(new RecoveryStore(dynamoDb, config.eventsTable(), config.retention()),
                        subscriptions, dynamoDb, config.eventsTable(), sqs, config.deliveryQueueUrl(), clock, log),
                clock, log);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event);
    }
}
