package com.algohire.relay.api;

import com.algohire.relay.audit.AuditTrail;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.dlq.DeadLetterQueue;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.ingest.EventValidator;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Priming;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.isolation.Notifier;
import com.algohire.relay.metrics.EmfSink;
import com.algohire.relay.metrics.MetricStatistics;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.queues.QueueStatistics;
import com.algohire.relay.recover.Recoveries;
import com.algohire.relay.recover.RecoveryStore;
import com.algohire.relay.replay.EventReplay;
import com.algohire.relay.replay.TestEvents;
import com.algohire.relay.ssrf.SsrfGuard;
import com.algohire.relay.subscription.SubscriptionService;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.time.Clock;
import java.util.List;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The management function, behind its own credential: subscriptions CRUD, secret rotation, pause, resume and
 * recover, event replay, the DLQ's depth, peek and redrive, the delivery queues' counts, and the audit trail of
 * the mutations ({@link ManagementApi}). Operator state changes go to the notification topic when the stack made
 * one ({@link Notifier}).
 */
public final class ManagementApiHandler implements RequestHandler<APIGatewayProxyRequestEvent,
        APIGatewayProxyResponseEvent> {
    private final ManagementApi api;
    private final Metrics metrics;
    private final Priming priming;

    /** Lambda's init: with SnapStart, {@link #prime()} runs before the snapshot. */
    public ManagementApiHandler() {
        this(RelayConfig.fromEnvironment(), AwsClients.fromEnvironment());
        priming.register();
    }

    public ManagementApiHandler(RelayConfig config, AwsClients clients) {
        this(config, clients, EmfSink.stdout());
    }

    /** With the metrics' lines sent to {@code metricsSink} (the local runtime's, which also stores them). */
    public ManagementApiHandler(RelayConfig config, AwsClients clients, EmfSink metricsSink) {
        this(config, clients.dynamoDb(), clients.sqs(), clients.s3(), notificationClient(config, clients),
                clients.cloudWatch(), Clock.systemUTC(), StructuredLog.stdout(), metricsSink);
    }

    /** One client per service for the whole container, shared by everything the handler builds. */
    private ManagementApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, SnsClient sns,
                                 CloudWatchClient cloudWatch, Clock clock, StructuredLog log, EmfSink metricsSink) {
        this(config, dynamoDb, sqs, new EventStore(dynamoDb, new PayloadStore(s3, config.payloadBucket()),
                config.eventsTable(),
                clock), clock, log, new Notifier(sns, config.notificationTopicArn(), log), cloudWatch, metricsSink);
    }

    ManagementApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, Clock clock,
                         StructuredLog log) {
        this(config, dynamoDb, sqs, events, clock, log, Notifier.logOnly(log));
    }

    /** Without CloudWatch: no statistics route, no queue ages; the metrics' lines go to {@code log}'s stream. */
    ManagementApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, Clock clock,
                         StructuredLog log, Notifier notifier) {
        this(config, dynamoDb, sqs, events, clock, log, notifier, null, log::raw);
    }

    ManagementApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, EventStore events, Clock clock,
                         StructuredLog log, Notifier notifier, CloudWatchClient cloudWatch, EmfSink metricsSink) {
        this.metrics = new Metrics(config.metricsStack(), metricsSink, clock);
        SubscriptionStore subscriptionStore = new SubscriptionStore(dynamoDb, config.subscriptionsTable());
        TaskQueue deliveryQueue = new TaskQueue(sqs, config.deliveryQueueUrl());
        SubscriptionService subscriptions = new SubscriptionService(subscriptionStore,
                new SsrfGuard(config.ssrfAllowlist()), config.knownDomains(), config.secretRotationOverlap(), clock,
                deliveryQueue, notifier);
        this.api = new ManagementApi(subscriptions,
                new EventReplay(events, subscriptionStore, deliveryQueue),
                new TestEvents(new EventValidator(config.knownDomains()), dynamoDb, config.eventsTable(),
                        config.retention(), deliveryQueue, clock),
                new Recoveries(subscriptions, new RecoveryStore(dynamoDb, config.eventsTable(), config.retention()),
                        deliveryQueue, config.retention(), clock),
                new DeadLetterQueue(sqs, config.deliveryDlqUrl(), config.deliveryQueueUrl(), clock),
                new QueueStatistics(sqs, config.deliveryQueueUrl(), config.deliverySlowQueueUrl(),
                        config.deliveryDlqUrl()),
                new AuditTrail(dynamoDb, config.eventsTable(), config.retention(), clock, log),
                cloudWatch == null ? null : new MetricStatistics(cloudWatch, config.metricsStack()), metrics,
                clock, log);
        this.priming = new Priming("management", List.of(
                new Priming.Step("routes", Priming.bounded(api::primeRoutes)),
                new Priming.Step("list-routes", Priming.bounded(api::primeLists)),
                new Priming.Step("metrics-line", () -> Priming.metricsLine(config.metricsStack(), clock)),
                new Priming.Step("unsent-writes", () -> {
                    Priming.unsentPutItem(dynamoDb, config.eventsTable());
                    Priming.unsentUpdateItem(dynamoDb, config.eventsTable());
                    Priming.unsentScan(dynamoDb, config.subscriptionsTable());
                    Priming.responseModels();
                }),
                new Priming.Step("sqs-get-queue-attributes",
                        () -> Priming.readQueueAttributes(sqs, config.deliveryQueueUrl()))), log);
    }

    /**
     * SnapStart priming (what CRaC's beforeCheckpoint runs; the cold-start bench calls it too): a GET of an unknown
     * subscription routed (a DynamoDB GetItem, a 404), a subscription's view serialised, the subscriptions' and the
     * audit trail's lists routed with {@code limit=1} (a Scan and a Query of one item), a metrics line built and
     * dropped, the PutItem, UpdateItem and
     * Scan (the list) requests built but never sent, and an SQS GetQueueAttributes. No write, never throws
     * ({@link Priming}).
     *
     * @return the steps that failed (logged), empty when all ran through
     */
    public List<String> prime() {
        return priming.run();
    }

    /** No SNS client (and no cold-start cost for one) unless there is a topic to publish to. */
    private static SnsClient notificationClient(RelayConfig config, AwsClients clients) {
        return config.notificationTopicArn().isEmpty() ? null : clients.sns();
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent request, Context context) {
        try {
            return api.handle(request, context);
        } finally {
            metrics.flush();
        }
    }
}
