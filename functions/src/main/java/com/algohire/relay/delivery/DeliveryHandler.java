package com.algohire.relay.delivery;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.AttemptClaims;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Priming;
import com.algohire.relay.internal.Randomness;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.metrics.EmfSink;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.isolation.Drain;
import com.algohire.relay.isolation.HealthPolicy;
import com.algohire.relay.isolation.HealthTracker;
import com.algohire.relay.isolation.HoldStore;
import com.algohire.relay.isolation.Notifier;
import com.algohire.relay.isolation.StateTransitions;
import com.algohire.relay.recover.RecoveryStore;
import com.algohire.relay.recover.RecoveryWorker;
import com.algohire.relay.ssrf.SsrfGuard;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The delivery function: consumes the delivery queue (with ReportBatchItemFailures), fanning accepted events
 * out to matching subscriptions and delivering each task as a signed webhook.
 */
public final class DeliveryHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final DeliveryBatch batch;
    private final Metrics metrics;
    private final Priming priming;
    private final DeliveryAttempt attempt;

    /** Lambda's init: with SnapStart, {@link #prime()} runs before the snapshot. */
    public DeliveryHandler() {
        this(RelayConfig.fromEnvironment(), AwsClients.fromEnvironment());
        priming.register();
    }

    public DeliveryHandler(RelayConfig config, AwsClients clients) {
        this(config, clients, EmfSink.stdout());
    }

    /** With the metrics' lines sent to {@code metricsSink} (the local runtime's, which also stores them). */
    public DeliveryHandler(RelayConfig config, AwsClients clients, EmfSink metricsSink) {
        this(config, clients, StructuredLog.stdout(), metricsSink);
    }

    private DeliveryHandler(RelayConfig config, AwsClients clients, StructuredLog log, EmfSink metricsSink) {
        this(config, clients.dynamoDb(), clients.sqs(), clients.s3(), notifier(config, clients, log),
                Clock.systemUTC(), log, metricsSink);
    }

    /** SNS to the notification topic when the stack made one; the log line alone otherwise (locally). */
    private static Notifier notifier(RelayConfig config, AwsClients clients, StructuredLog log) {
        return config.notificationTopicArn().isEmpty() ? Notifier.logOnly(log)
                : new Notifier(clients.sns(), config.notificationTopicArn(), log);
    }

    /** One client per service for the whole container, shared by everything the handler builds. */
    private DeliveryHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3,
                            Notifier notifier, Clock clock, StructuredLog log, EmfSink metricsSink) {
        this(config, dynamoDb, sqs, new EventStore(dynamoDb, new PayloadStore(s3, config.payloadBucket()),
                config.eventsTable(), clock), new SsrfGuard(config.ssrfAllowlist()), notifier, clock, log,
                metricsSink);
    }

    DeliveryHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, Clock clock,
                    StructuredLog log) {
        this(config, dynamoDb, sqs, events, new SsrfGuard(config.ssrfAllowlist()), Notifier.logOnly(log), clock, log);
    }

    /** As above, with the SSRF guard (and so the DNS resolver) chosen by the caller: tests' seam for DNS. */
    DeliveryHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, SsrfGuard guard,
                    Clock clock, StructuredLog log) {
        this(config, dynamoDb, sqs, events, guard, Notifier.logOnly(log), clock, log);
    }

    /** As above, with the notifier chosen by the caller: tests' seam for SNS. */
    DeliveryHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events,
                    Notifier notifier, Clock clock, StructuredLog log) {
        this(config, dynamoDb, sqs, events, new SsrfGuard(config.ssrfAllowlist()), notifier, clock, log);
    }

    /** The metrics' lines go to {@code log}'s stream, as on Lambda. */
    DeliveryHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, SsrfGuard guard,
                    Notifier notifier, Clock clock, StructuredLog log) {
        this(config, dynamoDb, sqs, events, guard, notifier, clock, log, log::raw);
    }

    DeliveryHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, SsrfGuard guard,
                    Notifier notifier, Clock clock, StructuredLog log, EmfSink metricsSink) {
        this.metrics = new Metrics(config.metricsStack(), metricsSink, clock);
        SubscriptionStore subscriptions = new SubscriptionStore(dynamoDb, config.subscriptionsTable());
        this.attempt = new DeliveryAttempt(guard, config.deliveryTimeout(), clock);
        DeliveryLanes lanes = new DeliveryLanes(config.deliveryQueueUrl(), config.deliverySlowQueueUrl());
        RetryPolicy retryPolicy = new RetryPolicy(config.maxRetryAttempts(), config.retrySchedule(),
                Randomness::unitInterval);
        HealthPolicy policy = new HealthPolicy(config.isolation());
        HealthTracker health = new HealthTracker(policy, subscriptions,
                new StateTransitions(policy, subscriptions, notifier, lanes, sqs, clock, log, metrics),
                config.deliveryTimeout().plus(PROBE_LEASE_MARGIN), clock, log);
        HoldStore holds = new HoldStore(dynamoDb, config.eventsTable(), config.retention());
        DeliveryStates states = new DeliveryStates(dynamoDb, config.eventsTable(), config.retention(), log);
        this.batch = new DeliveryBatch(
                new FanOut(events, subscriptions, sqs, lanes, states, clock, log),
                new WebhookDelivery(events, subscriptions, attempt,
                        new DeliveryLog(dynamoDb, config.eventsTable(), config.retention()),
                        retryPolicy, sqs, lanes, config.deliveryDlqUrl(), health, holds, states, clock, log,
                        metrics, new AttemptClaims(dynamoDb, config.eventsTable(), config.retention())),
                new Drain(subscriptions, holds, lanes, sqs, clock, log), health,
                new RecoveryWorker(new RecoveryStore(dynamoDb, config.eventsTable(), config.retention()),
                        subscriptions, dynamoDb, config.eventsTable(), sqs, config.deliveryQueueUrl(), clock, log),
                lanes, sqs, retryPolicy, clock, log, metrics);
        List<Priming.Step> steps = new ArrayList<>(List.of(
                new Priming.Step("sign-and-build-request", () -> WebhookDelivery.prime(attempt, clock.instant())),
                new Priming.Step("loopback-exchange-on-virtual-thread",
                        () -> WebhookDelivery.primeExchange(attempt, clock.instant())),
                new Priming.Step("dynamodb-get-item", () -> Priming.readAbsentItem(dynamoDb, config.eventsTable())),
                new Priming.Step("unsent-delivery-records", () -> WebhookDelivery.primeRecords(
                        Priming.unsentDynamoDb(dynamoDb), config.eventsTable(), config.subscriptionsTable(),
                        config.retention(), policy, Priming.quietLog(clock), clock.instant())),
                new Priming.Step("metrics-line", () -> Priming.metricsLine(config.metricsStack(), clock))));
        steps.addAll(Priming.eventWriteSteps(dynamoDb, config.eventsTable(), sqs, config.deliveryQueueUrl()));
        this.priming = new Priming("delivery", steps, attempt::closeIdleConnections, log);
    }

    /**
     * SnapStart priming (what CRaC's beforeCheckpoint runs; the cold-start bench calls it too): a sample webhook
     * signed and its request built through the SSRF guard (a literal public address, no DNS) but never sent, the
     * same webhook POSTed on a virtual thread to a throwaway server on the loopback interface that priming opens
     * and closes (never to a subscriber; {@code DeliveryAttempt.primeLoopback} says why the guard is intact), a
     * DynamoDB GetItem of a key that is never written, a delivered attempt's delivery log entry, delivery state and
     * folded health written through a client that never sends, the PutItem, UpdateItem and SendMessage requests built
     * but never
     * sent, and an SQS GetQueueAttributes. No write, no webhook, never
     * throws ({@link Priming}).
     *
     * @return the steps that failed (logged), empty when all ran through
     */
    public List<String> prime() {
        return priming.run();
    }

    /** What CRaC's afterRestore runs: the webhook client's idle pooled connections closed. */
    void restored() {
        priming.restored();
    }

    /** The webhook client's pooled connections, leased or idle (tests). */
    int pooledConnections() {
        return attempt.pooledConnections();
    }

    /**
     * A probe's lease beyond its attempt's timeout: the end-of-batch health write that reports its outcome comes
     * after the attempt, and the lease must outlast it, or a second probe could go out meanwhile.
     */
    static final Duration PROBE_LEASE_MARGIN = Duration.ofSeconds(30);

    /**
     * One batch, within the time the invocation has left. Without a context (some tests, {@code sam local} with
     * a hand-made event) that is the function's whole timeout.
     */
    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        try {
            return batch.process(event, remainingTime(context));
        } finally {
            metrics.flush();
        }
    }

    static Duration remainingTime(Context context) {
        return context == null ? Duration.ofSeconds(RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS)
                : Duration.ofMillis(context.getRemainingTimeInMillis());
    }
}
