package com.algohire.relay.infra;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.EventItems;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.cloudwatch.CfnInsightRule;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSourceProps;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.sqs.RedriveAllowPolicy;
import software.amazon.awscdk.services.sqs.RedrivePermission;
import software.constructs.Construct;

/**
 * Everything the relay runs on, in one stack: storage, the delivery queues (main and slow lane), the four functions,
 * the API, alarms, a dashboard, a Contributor Insights rule and the operators' notification topic.
 *
 * <p>The delivery queue's visibility and maxReceiveCount, the delivery function's timeout and the retry schedule
 * have to agree: docs/architecture.md, "Delivery timing", explains how; {@link #checkDeliveryArithmetic} fails the
 * synth when they stop agreeing.
 */
public final class RelayStack extends Stack {

    /** SQS's upper bound on a queue name's length. */
    static final int SQS_MAX_QUEUE_NAME_LENGTH = 80;
    static final int EVENT_RETENTION_DAYS = RelaySchema.DEFAULT_EVENT_RETENTION_DAYS;
    static final String RETRY_SCHEDULE_SECONDS = RelayConfig.DEFAULT_RETRY_SCHEDULE;
    /** AWS's advice for a queue a Lambda function consumes: maxReceiveCount of at least 5. */
    static final int MIN_LAMBDA_MAX_RECEIVE_COUNT = 5;

    /**
     * How often every alias not otherwise invoked regularly gets one harmless invocation. Lambda marks a SnapStart
     * version Inactive once it "hasn't been invoked for 14 days" (and also when it periodically recycles the
     * execution environment); invoking an Inactive version fails with SnapStartNotReadyException while Lambda
     * re-creates the snapshot. Daily keeps thirteen days of slack, and when a version went Inactive anyway, the
     * warm-up's invocation is the one that fails and triggers the re-creation, not a caller's or a delivery's.
     */
    static final Duration WARM_UP_INTERVAL = Duration.days(1);
    /**
     * The warm-up event of the API functions: an API Gateway proxy request for a path API Gateway never forwards
     * (it only sends the declared routes), which both API handlers answer 404 from their routing alone, with no
     * AWS call; each writes its usual request log line, status 404.
     */
    static final Map<String, Object> WARM_UP_API_REQUEST = Map.of(
            "httpMethod", "GET", "resource", "/warm-up", "path", "/warm-up");
    /** The delivery function's warm-up event: an SQS batch with no records, answered with no failures and no call. */
    static final Map<String, Object> WARM_UP_SQS_BATCH = Map.of("Records", List.of());
    /**
     * The {@code outcome} of a delivery attempt's log line that failed (WebhookDelivery's constants): a retry
     * scheduled, the task dead-lettered after its last attempt, the subscription disabled by a 410. DELIVERED and
     * CUT_SHORT (not the receiver's answer) are not failures.
     */
    static final List<String> FAILED_ATTEMPT_OUTCOMES = List.of("RETRYING", "FAILED", "DISABLED");

    // Memory and timeouts. Lambda allocates CPU in proportion to memory; at 1024 MB a function gets about
    // 0.6 vCPU, which is what parsing a 1 MiB JSON body, TLS handshakes and SDK marshalling need to stay in
    // the tens of milliseconds. API-facing timeouts stay under API Gateway's 29 s integration limit.
    static final RelayFunction.Spec INGEST = new RelayFunction.Spec("com.algohire.relay.api.IngestApiHandler",
            "POST/GET /api/v1/events and GET /api/v1/health: validate, store once per idempotency key, queue",
            // 15 s: a put, an optional 1 MiB S3 upload and a send take well under a second; the rest lets the
            // SDK retry throttling without the caller hitting API Gateway's 29 s limit first.
            1024, Duration.seconds(15));
    static final RelayFunction.Spec SWEEPER = new RelayFunction.Spec("com.algohire.relay.ingest.SweeperHandler",
            "Every minute: queue events that were stored but never queued",
            // 50 s: finishes before the next scheduled run starts, so two sweeps never overlap.
            512, Duration.seconds(50));
    static final RelayFunction.Spec DELIVERY = new RelayFunction.Spec("com.algohire.relay.delivery.DeliveryHandler",
            "SQS batches: fan out events to subscriptions and deliver signed webhooks",
            1024, Duration.seconds(RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS));
    static final RelayFunction.Spec MANAGEMENT = new RelayFunction.Spec(
            "com.algohire.relay.api.ManagementApiHandler",
            "Operator API: subscriptions, replay, DLQ peek and redrive",
            // 20 s: every operation is a few DynamoDB/SQS calls (a redrive only starts an asynchronous move task).
            1024, Duration.seconds(20));

    public RelayStack(Construct scope, String id, StackProps props) {
        super(scope, id, props);
        checkDeliveryArithmetic();
        checkDeliveryQueueNameFits();
        DeployOptions options = DeployOptions.fromContext(getNode());

        Table events = table(RelaySchema.EVENTS);
        Table subscriptions = table(RelaySchema.SUBSCRIPTIONS);
        Bucket payloads = payloadBucket();
        Queue deadLetters = deadLetterQueue();
        Queue deliveryQueue = deliveryQueue(deadLetters);
        Queue slowQueue = deliverySlowQueue(deadLetters);
        NotificationTopic notifications = new NotificationTopic(this, "Notifications", options.alarmEmail());

        Code jar = Code.fromAsset(InfraPaths.functionsJar().toString());
        Map<String, String> env = environment(events, subscriptions, payloads, deliveryQueue, slowQueue, deadLetters,
                notifications);
        RelayFunction ingest = new RelayFunction(this, "Ingest", jar, INGEST, env, options.xrayTracing());
        RelayFunction sweeper = new RelayFunction(this, "Sweeper", jar, SWEEPER, env, options.xrayTracing());
        RelayFunction delivery = new RelayFunction(this, "Delivery", jar, DELIVERY, env, options.xrayTracing());
        RelayFunction management = new RelayFunction(this, "Management", jar, MANAGEMENT, env, options.xrayTracing());

        grantIngest(ingest, events, payloads, deliveryQueue);
        grantSweeper(sweeper, events, subscriptions, deliveryQueue);
        grantDelivery(delivery, events, subscriptions, payloads, deliveryQueue, slowQueue, deadLetters,
                notifications);
        grantManagement(management, events, subscriptions, payloads, deliveryQueue, slowQueue, deadLetters,
                notifications);
        scheduleSweeper(sweeper);
        // Two event sources on one function, each with its own concurrency cap: the bulkhead. The slow lane's
        // cap bounds what slow and failing receivers can hold; the main lane's stays free for healthy ones.
        consumeDeliveryQueue(delivery, deliveryQueue, RelaySchema.DELIVERY_SOURCE, options.deliveryMaxConcurrency());
        consumeDeliveryQueue(delivery, slowQueue, RelaySchema.DELIVERY_SLOW_SOURCE,
                options.deliverySlowMaxConcurrency());
        keepSnapStartVersionsActive(ingest, delivery, management);

        RelayApi api = new RelayApi(this, "RelayApi", ingest.alias(), management.alias(),
                options.apiGatewayCloudWatchRole(), options.ingestThrottle(), options.xrayTracing());
        ManagedPolicy operators = operatorPolicy(api);
        RelayTelemetry telemetry = new RelayTelemetry(Aws.STACK_NAME, deliveryQueue, slowQueue, deadLetters,
                api.restApi(), functionsByName(ingest, sweeper, delivery, management));
        RelayAlarms alarms = new RelayAlarms(this, "Alarms", telemetry, options.alarmEmail());
        CfnInsightRule failedAttempts = failedAttemptsBySubscription(delivery);
        RelayDashboard dashboard = new RelayDashboard(this, "Dashboard", telemetry, List.copyOf(alarms.alarms()),
                failedAttempts.getRuleName());

        outputs(api, operators, alarms, notifications, events, subscriptions, payloads, deliveryQueue, slowQueue,
                deadLetters);
        output("DashboardUrl", dashboard.url(), "The relay's CloudWatch dashboard");
        output("FailedAttemptsInsightRule", failedAttempts.getAttrRuleName(),
                "Contributor Insights: the subscriptions with the most failed delivery attempts");
        suppressFunctionFindings(List.of(ingest, sweeper, delivery, management), payloads, options.xrayTracing());
    }

    /**
     * The queue, DLQ and function settings must agree (docs/architecture.md, "Delivery timing"); a change to one
     * constant that breaks that fails synth.
     */
    private static void checkDeliveryArithmetic() {
        RelaySchema.Queue q = RelaySchema.DELIVERY;
        require(q.visibilityTimeoutSeconds() >= 6 * RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS,
                "delivery queue visibility " + q.visibilityTimeoutSeconds() + " s must be >= 6 x the function timeout "
                        + RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS + " s");
        // A poison bound only: it must outlast every receive a task can legitimately use (one per attempt, one
        // notBefore deferral per retry), or SQS would dead-letter healthy tasks the relay still means to attempt.
        int legitimateReceives = 2 * RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS + 1;
        require(q.maxReceiveCount() > legitimateReceives,
                "maxReceiveCount " + q.maxReceiveCount() + " must exceed the " + legitimateReceives
                        + " receives a task may use (MAX_RETRY_ATTEMPTS + 1 attempts and MAX_RETRY_ATTEMPTS notBefore "
                        + "deferrals)");
        require(q.maxReceiveCount() >= MIN_LAMBDA_MAX_RECEIVE_COUNT, "maxReceiveCount " + q.maxReceiveCount()
                + " must be at least " + MIN_LAMBDA_MAX_RECEIVE_COUNT + ", as AWS advises for a Lambda consumer");
        require(RelaySchema.DEFAULT_DELIVERY_TIMEOUT_SECONDS < RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS,
                "one webhook attempt must time out before the delivery function does");
        for (String step : RETRY_SCHEDULE_SECONDS.split(",")) {
            require(Integer.parseInt(step.trim()) <= RelaySchema.SQS_MAX_VISIBILITY_SECONDS,
                    "retry delay " + step + " s exceeds SQS's 12 h visibility maximum");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    /** An on-demand table shaped by the shared schema, so the local runtime creates the very same keys and indexes. */
    private Table table(RelaySchema.Table spec) {
        Table table = Table.Builder.create(this, spec.logicalName() + "Table")
                .partitionKey(attribute(spec.partitionKey()))
                .sortKey(spec.sortKey() == null ? null : attribute(spec.sortKey()))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .encryption(TableEncryption.AWS_MANAGED)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .timeToLiveAttribute(spec.ttlAttribute())
                // Events and subscriptions are the system of record: never dropped by a stack update or delete.
                .removalPolicy(RemovalPolicy.RETAIN)
                .deletionProtection(true)
                .build();
        for (RelaySchema.Index index : spec.indexes()) {
            table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                    .indexName(index.name())
                    .partitionKey(attribute(index.partitionKey()))
                    .sortKey(attribute(index.sortKey()))
                    // Only what the readers of the index use: never the payload (see RelaySchema.Index).
                    .projectionType(index.projected().isEmpty() ? ProjectionType.KEYS_ONLY : ProjectionType.INCLUDE)
                    .nonKeyAttributes(index.projected().isEmpty() ? null : index.projected())
                    .build());
        }
        return table;
    }

    private static Attribute attribute(RelaySchema.Key key) {
        return Attribute.builder().name(key.name()).type(AttributeType.STRING).build();
    }

    /**
     * Payloads over the DynamoDB item limit. Versioning is off: each object is written once under its event id
     * and never overwritten, and noncurrent versions would outlive the retention promise.
     */
    private Bucket payloadBucket() {
        Bucket accessLogs = Bucket.Builder.create(this, "AccessLogsBucket")
                .encryption(BucketEncryption.S3_MANAGED) // the only encryption S3 server access logging writes to
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .lifecycleRules(List.of(LifecycleRule.builder().expiration(Duration.days(90)).build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        Nag.suppress(accessLogs, "AwsSolutions-S1", "This is the server access log bucket itself; logging it "
                + "into itself would log its own log writes.");
        return Bucket.Builder.create(this, "PayloadBucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .versioned(false)
                .serverAccessLogsBucket(accessLogs)
                .serverAccessLogsPrefix("payload-bucket/")
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .id("expire-payloads")
                        .prefix(RelaySchema.PAYLOAD_PREFIX)
                        // The same retention as the events' TTL attribute (EVENT_RETENTION_DAYS below).
                        .expiration(Duration.days(EVENT_RETENTION_DAYS))
                        .abortIncompleteMultipartUploadAfter(Duration.days(1))
                        .build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }

    /**
     * A delivery queue's name is derived from the stack name ({@code <stack name>-Delivery}, and
     * {@code <stack name>-DeliverySlow} for the slow lane) so the DLQ's redrive allow policy can name the queues'
     * ARNs without referencing the queue resources, which themselves reference the DLQ: a cycle otherwise (CDK's
     * deadLetterQueue wiring does not fill the allow policy in).
     * The alternatives are worse: without the name, the DLQ would have to allow every queue of the account and
     * region ("allowAll"), so any queue could park messages there that our redrive then moves into the delivery
     * queue; and dropping the name from a deployed stack replaces the queue, deleting the tasks in it. The costs,
     * accepted: the stack name is limited (checked at synth, {@link #checkDeliveryQueueNameFits}); and
     * CloudFormation cannot replace a custom-named resource, so a change that needs a new queue (only QueueName and
     * FifoQueue do) must come with a new name, i.e. a new {@code RelaySchema.DELIVERY} logical name.
     */
    private static String queueName(RelaySchema.Queue spec) {
        return Fn.join("-", List.of(Aws.STACK_NAME, spec.logicalName()));
    }

    /** The longest logical name of a stack-named queue: what limits the stack name. */
    static String longestQueueLogicalName() {
        String main = RelaySchema.DELIVERY.logicalName();
        String slow = RelaySchema.DELIVERY_SLOW.logicalName();
        return slow.length() > main.length() ? slow : main;
    }

    /**
     * SQS refuses names over 80 characters; say so at synth, with the limit, rather than in a failed deployment.
     * Checked against the name CDK deploys this stack as (the template uses AWS::StackName, so deploying the
     * template under another name must respect the same limit).
     */
    private void checkDeliveryQueueNameFits() {
        String stackName = getStackName();
        if (Token.isUnresolved(stackName)) {
            return;
        }
        String logicalName = longestQueueLogicalName();
        int longest = SQS_MAX_QUEUE_NAME_LENGTH - 1 - logicalName.length();
        require(stackName.length() <= longest, "stack name '" + stackName + "' is " + stackName.length()
                + " characters; it can be at most " + longest + ": a delivery queue is named '" + stackName + "-"
                + logicalName + "' (so that their DLQ can allow exactly those queues as its sources) and SQS queue "
                + "names are at most " + SQS_MAX_QUEUE_NAME_LENGTH + " characters");
    }

    private Queue deadLetterQueue() {
        return Queue.Builder.create(this, "DeliveryDlq")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(RelaySchema.DELIVERY.dlqRetentionDays()))
                // Only the two delivery lanes may dead-letter into it; the redrive sends everything back to the
                // main lane, which forwards a slow-lane subscription's tasks to the slow lane without an attempt.
                .redriveAllowPolicy(RedriveAllowPolicy.builder()
                        .redrivePermission(RedrivePermission.BY_QUEUE)
                        .sourceQueues(List.of(
                                Queue.fromQueueArn(this, "DeliveryQueueRef", queueArn(RelaySchema.DELIVERY)),
                                Queue.fromQueueArn(this, "DeliverySlowQueueRef", queueArn(RelaySchema.DELIVERY_SLOW))))
                        .build())
                .build();
    }

    private String queueArn(RelaySchema.Queue spec) {
        return Stack.of(this).formatArn(ArnComponents.builder()
                .service("sqs").resource(queueName(spec)).arnFormat(ArnFormat.NO_RESOURCE_NAME).build());
    }

    private Queue deliveryQueue(Queue deadLetters) {
        return lane("DeliveryQueue", RelaySchema.DELIVERY, deadLetters);
    }

    /**
     * The slow lane: degraded and failing subscriptions' deliveries, on their own queue and event source so they
     * never share a batch or the main lane's concurrency with healthy ones. Same timing and DLQ as the main lane.
     */
    private Queue deliverySlowQueue(Queue deadLetters) {
        return lane("DeliverySlowQueue", RelaySchema.DELIVERY_SLOW, deadLetters);
    }

    private Queue lane(String id, RelaySchema.Queue spec, Queue deadLetters) {
        return Queue.Builder.create(this, id)
                .queueName(queueName(spec))
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .visibilityTimeout(Duration.seconds(spec.visibilityTimeoutSeconds()))
                .retentionPeriod(Duration.days(spec.retentionDays()))
                .deadLetterQueue(DeadLetterQueue.builder()
                        .queue(deadLetters).maxReceiveCount(spec.maxReceiveCount()).build())
                .build();
    }

    /** Every function gets the same settings; permissions, not configuration, are what differ between them. */
    private static Map<String, String> environment(Table events, Table subscriptions, Bucket payloads,
                                                   Queue deliveryQueue, Queue slowQueue, Queue deadLetters,
                                                   NotificationTopic notifications) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(EnvVars.EVENTS_TABLE, events.getTableName());
        env.put(EnvVars.SUBSCRIPTIONS_TABLE, subscriptions.getTableName());
        env.put(EnvVars.PAYLOAD_BUCKET, payloads.getBucketName());
        env.put(EnvVars.DELIVERY_QUEUE_URL, deliveryQueue.getQueueUrl());
        env.put(EnvVars.DELIVERY_DLQ_URL, deadLetters.getQueueUrl());
        env.put(EnvVars.DELIVERY_SLOW_QUEUE_URL, slowQueue.getQueueUrl());
        env.put(EnvVars.NOTIFICATION_TOPIC_ARN, notifications.topic().getTopicArn());
        env.put(EnvVars.MAX_RETRY_ATTEMPTS, String.valueOf(RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS));
        env.put(EnvVars.RETRY_SCHEDULE_SECONDS, RETRY_SCHEDULE_SECONDS);
        env.put(EnvVars.DELIVERY_TIMEOUT_MS, String.valueOf(RelaySchema.DEFAULT_DELIVERY_TIMEOUT_SECONDS * 1000));
        env.put(EnvVars.EVENT_RETENTION_DAYS, String.valueOf(EVENT_RETENTION_DAYS));
        // The Stack dimension of every relay metric: the dashboard and the alarms read the same name.
        env.put(EnvVars.METRICS_STACK, Aws.STACK_NAME);
        return env;
    }

    // Grants, action by action, from the SDK calls each handler makes (RelayStackPermissionsTest holds the same
    // table with the code path of each line). Table.grantReadWriteData and friends are not used: they add batch,
    // scan, stream and delete actions no function calls, and cover every index of the table.

    private static void grantIngest(RelayFunction ingest, Table events, Bucket payloads, Queue deliveryQueue) {
        allow(ingest, List.of(events.getTableArn()),
                "dynamodb:PutItem",      // EventIngestion: the idempotency key, then the event, conditionally
                "dynamodb:GetItem",      // EventIngestion.repeat; EventStore.find, DeliveryStates.find (GET /{id})
                "dynamodb:UpdateItem",   // PendingEvents: claim, mark QUEUED, mark ENQUEUE_FAILED
                "dynamodb:DeleteItem",   // EventIngestion.releaseKey after a failed event write
                "dynamodb:Query",        // EventStore.deliveryLogs (base table)
                "dynamodb:BatchGetItem", // DeliveryStates.findAll: a list page's delivery states, one request
                "dynamodb:DescribeTable"); // HealthCheck (GET /api/v1/health)
        allow(ingest, List.of(index(events, RelaySchema.INDEX_BY_TYPE), index(events, RelaySchema.INDEX_BY_DAY)),
                "dynamodb:Query");       // EventList (GET /api/v1/events)
        allowPayloadObjects(ingest, payloads,
                "s3:PutObject",          // PayloadStore.put: payloads over the inline limit
                "s3:GetObject",          // EventStore.find of such an event
                "s3:DeleteObject");      // the payload of a request that lost the idempotency race
        allow(ingest, List.of(deliveryQueue.getQueueArn()),
                "sqs:SendMessage",       // TaskQueue.send: the FAN_OUT task
                "sqs:GetQueueAttributes"); // HealthCheck (GET /api/v1/health)
    }

    private static void grantSweeper(RelayFunction sweeper, Table events, Table subscriptions, Queue deliveryQueue) {
        allow(sweeper, List.of(index(events, RelaySchema.INDEX_PENDING)), "dynamodb:Query"); // Sweeper.run
        // HeldTaskWatchdog: the HOLDING# markers, a holding subscription's item and its oldest HOLD#; once per
        // table, a look through every subscription (Scan) for holds older than the markers
        allow(sweeper, List.of(subscriptions.getTableArn()), "dynamodb:GetItem", "dynamodb:Scan");
        allow(sweeper, List.of(events.getTableArn()), "dynamodb:Query");
        // PendingEvents claim / mark QUEUED; HoldStore.mark (the watchdog's one-time look)
        allow(sweeper, List.of(events.getTableArn()), "dynamodb:UpdateItem");
        // PendingEvents.claim read-back after a lost reply; Sweeper.namedByItsKey; the watchdog's cursor
        allow(sweeper, List.of(events.getTableArn()), "dynamodb:GetItem");
        // Sweeper.discard; HoldStore.release (a quiet marker of a subscription that holds nothing)
        allow(sweeper, List.of(events.getTableArn()), "dynamodb:DeleteItem");
        allowLeadingKeys(sweeper, events, List.of(RelaySchema.WATCHDOG_CURSOR),
                "dynamodb:PutItem"); // HoldStore.saveCursor: where the watchdog's next run carries on
        allow(sweeper, List.of(deliveryQueue.getQueueArn()), "sqs:SendMessage"); // TaskQueue.send; DRAIN / PROBE
    }

    /** Consuming both lanes (Receive/Delete/GetQueueAttributes) is granted by the event sources below. */
    private static void grantDelivery(RelayFunction delivery, Table events, Table subscriptions, Bucket payloads,
                                      Queue deliveryQueue, Queue slowQueue, Queue deadLetters,
                                      NotificationTopic notifications) {
        allow(delivery, List.of(events.getTableArn()),
                "dynamodb:GetItem",      // EventStore.find (fan-out and delivery); RecoveryStore.find
                "dynamodb:PutItem",      // DeliveryLog.record: one item per attempt; a HOLD# item per held task;
                                         // RecoveryStore.commit
                "dynamodb:Query",        // held tasks of a subscription, oldest first (HOLD# partition; DRAIN,
                                         // PROBE); RecoveryWorker.wasDelivered: an event's delivery log
                "dynamodb:DeleteItem",   // a held task once DRAIN has re-queued it
                "dynamodb:UpdateItem");  // RecoveryStore.claim: a RECOVER step's lease; DeliveryStates (fan-out
                                         // count, each subscription's state after an attempt or a hold); a
                                         // holding subscription's HOLDING# marker (HoldStore.hold)
        // RECOVER walks the events of [since, until] day by day by the byDayShard index, never by a scan.
        allow(delivery, List.of(index(events, RelaySchema.INDEX_BY_DAY)), "dynamodb:Query");
        allow(delivery, List.of(subscriptions.getTableArn()),
                "dynamodb:Scan",         // SubscriptionStore.listForFanOut (fan-out)
                "dynamodb:GetItem",      // SubscriptionStore.find (delivery)
                "dynamodb:UpdateItem");  // SubscriptionStore.disable (410, auto-disable); health writes; probe claim
        allowPayloadObjects(delivery, payloads, "s3:GetObject"); // EventStore.find of a large event
        for (Queue lane : List.of(deliveryQueue, slowQueue)) {
            allow(delivery, List.of(lane.getQueueArn()),
                    "sqs:SendMessage",   // FanOut's DELIVER tasks, retries, forwarding, DRAIN / PROBE / RECOVER
                    "sqs:ChangeMessageVisibility"); // a task before its notBefore; unfinished tasks at the deadline
        }
        // WebhookDelivery.deadLetter: a task whose budget is spent is sent to the DLQ by the delivery code itself
        // (attempts are counted in the message, not by the queue's redrive policy).
        allow(delivery, List.of(deadLetters.getQueueArn()), "sqs:SendMessage");
        allowPublish(delivery, notifications); // Notifier: breaker, degraded, disabled state changes
    }

    private static void grantManagement(RelayFunction management, Table events, Table subscriptions, Bucket payloads,
                                        Queue deliveryQueue, Queue slowQueue, Queue deadLetters,
                                        NotificationTopic notifications) {
        allow(management, List.of(subscriptions.getTableArn()),
                "dynamodb:PutItem",      // SubscriptionStore.create
                "dynamodb:UpdateItem",   // SubscriptionStore.replace (PATCH, rotate-secret, pause, resume)
                "dynamodb:GetItem",      // SubscriptionStore.find
                "dynamodb:UpdateItem",   // pause / resume / re-enable (conditional on the item's version)
                "dynamodb:DeleteItem",   // SubscriptionStore.delete
                "dynamodb:Scan");        // SubscriptionStore.list
        allow(management, List.of(events.getTableArn()),
                "dynamodb:GetItem");     // replay: EventStore.find; RecoveryStore.find (GET .../recoveries/{id})
        // Puts to the events table: recovery and audit items, and a test event's key, event and delivery-state
        // items (TestEvents, POST .../test: conditional on absence, under fresh ids). Never an update of an event.
        allowLeadingKeys(management, events,
                List.of(RelaySchema.RECOVERY_PK_PREFIX + "*", RelaySchema.AUDIT_PK_PREFIX + "*",
                        EventItems.EVENT_PK_PREFIX + "*", EventItems.KEY_PK_PREFIX + "*"),
                "dynamodb:PutItem");     // RecoveryStore.create (POST .../recover); AuditTrail.record; TestEvents
        allowLeadingKeys(management, events, List.of(RelaySchema.RECOVERY_PK_PREFIX + "*"),
                "dynamodb:UpdateItem");  // RecoveryStore.commitFailed: its first task was not queued
        allowLeadingKeys(management, events, List.of(RelaySchema.AUDIT_PK_PREFIX + "*"),
                "dynamodb:Query");       // AuditTrail.list (GET /api/v1/audit): one day's partition per query
        allowPublish(management, notifications); // Notifier: paused / resumed / re-enabled by an operator
        allowPayloadObjects(management, payloads, "s3:GetObject"); // replay: EventStore.find of a large event
        allow(management, List.of(deliveryQueue.getQueueArn()),
                "sqs:SendMessage",       // replay, test event, DRAIN (resume), RECOVER; the redrive's destination
                                         // (SQS moves as the caller)
                "sqs:GetQueueAttributes"); // DeadLetterQueue.arn of the redrive destination; QueueStatistics
        allow(management, List.of(slowQueue.getQueueArn()),
                "sqs:GetQueueAttributes"); // QueueStatistics (GET /api/v1/queues)
        // GET /api/v1/dlq: GetQueueAttributes (depth), ReceiveMessage (peek), ListMessageMoveTasks (the redrive's
        // progress); GET /api/v1/queues: the same GetQueueAttributes. POST /api/v1/dlq/redrive: ListMessageMoveTasks,
        // then StartMessageMoveTask, which SQS also requires ReceiveMessage, DeleteMessage and GetQueueAttributes on
        // the source queue (the DLQ) for.
        allow(management, List.of(deadLetters.getQueueArn()),
                "sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                "sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks");
        // GET /api/v1/stats (the relay's metrics summed over a window) and GET /api/v1/queues (the queues' age of
        // the oldest message). GetMetricData has no resource-level permissions: Resource * is the only form.
        allow(management, List.of("*"), "cloudwatch:GetMetricData");
        Nag.suppress(management, "AwsSolutions-IAM5", "cloudwatch:GetMetricData does not support resource-level "
                + "permissions, so it can only be granted on Resource *; it reads metrics, it writes nothing.",
                List.of("Resource::*"));
    }

    /** {@code actions} on the table's items whose partition key matches one of {@code leadingKeys} only. */
    private static void allowLeadingKeys(RelayFunction fn, Table table, List<String> leadingKeys, String... actions) {
        fn.alias().addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of(actions))
                .resources(List.of(table.getTableArn()))
                .conditions(Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", leadingKeys)))
                .build());
    }

    private static void allow(RelayFunction fn, List<String> resources, String... actions) {
        fn.alias().addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of(actions))
                .resources(resources)
                .build());
    }

    /**
     * sns:Publish on the notification topic, and the two KMS actions SNS performs as the publisher on the topic's
     * own key (GenerateDataKey to encrypt the message, Decrypt to reuse a cached data key); that key only.
     */
    private static void allowPublish(RelayFunction fn, NotificationTopic notifications) {
        allow(fn, List.of(notifications.topic().getTopicArn()), "sns:Publish");
        allow(fn, List.of(notifications.key().getKeyArn()), "kms:GenerateDataKey", "kms:Decrypt");
    }

    private static String index(Table table, String name) {
        return table.getTableArn() + "/index/" + name;
    }

    /**
     * Object-level access under the payload prefix only. Bucket.grantRead/grantPut would add s3:List*,
     * s3:GetBucket*, s3:Abort* and object-lock actions the functions never use. The bucket is SSE-S3, so no KMS
     * permission is needed. No s3:ListBucket either: a GetObject is only made for a key an event item names, so
     * a missing object (403 instead of 404 without ListBucket) is a fault either way.
     */
    private static void allowPayloadObjects(RelayFunction fn, Bucket payloads, String... actions) {
        allow(fn, List.of(payloads.arnForObjects(RelaySchema.PAYLOAD_PREFIX + "*")), actions);
    }

    private void scheduleSweeper(RelayFunction sweeper) {
        // A failed sweep is not retried: the next one starts a minute later and picks up the same events.
        sweeper.alias().configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .retryAttempts(0)
                .maxEventAge(Duration.minutes(1))
                .build());
        Rule.Builder.create(this, "SweeperSchedule")
                .description("Queues events stored but left un-queued by a failed send")
                .schedule(Schedule.rate(Duration.minutes(1)))
                .targets(List.of(new LambdaFunction(sweeper.alias(), LambdaFunctionProps.builder()
                        .retryAttempts(0)
                        .maxEventAge(Duration.minutes(1))
                        .build())))
                .build();
    }

    /**
     * A daily invocation of each live alias that may sit idle for two weeks: management (operators call it
     * rarely), ingest and delivery (a quiet environment, or a lull). The sweeper runs every minute already. See
     * {@link #WARM_UP_INTERVAL}. Cost: three scheduled events and three invocations of a few milliseconds a day
     * (SnapStart itself adds no charge for Java functions).
     */
    private void keepSnapStartVersionsActive(RelayFunction ingest, RelayFunction delivery, RelayFunction management) {
        Rule.Builder.create(this, "WarmUpSchedule")
                .description("Invokes the idle-prone functions' live aliases daily so their SnapStart versions "
                        + "never reach 14 days without an invocation (Inactive)")
                .schedule(Schedule.rate(WARM_UP_INTERVAL))
                .targets(List.of(
                        warmUp(ingest, WARM_UP_API_REQUEST),
                        warmUp(delivery, WARM_UP_SQS_BATCH),
                        warmUp(management, WARM_UP_API_REQUEST)))
                .build();
    }

    private static LambdaFunction warmUp(RelayFunction fn, Map<String, Object> event) {
        return new LambdaFunction(fn.alias(), LambdaFunctionProps.builder()
                .event(RuleTargetInput.fromObject(event))
                .build());
    }

    /**
     * One lane's event source, from {@link RelaySchema.EventSource} (which the local runtime's pollers follow too),
     * its maximum concurrency chosen at deploy time (DeployOptions: -c deliveryMaxConcurrency=N,
     * -c deliverySlowMaxConcurrency=N).
     */
    private static void consumeDeliveryQueue(RelayFunction delivery, Queue queue, RelaySchema.EventSource source,
                                             int maxConcurrency) {
        delivery.alias().addEventSource(new SqsEventSource(queue, SqsEventSourceProps.builder()
                .batchSize(source.batchSize())
                // Up to a second to fill a batch: deliveries of a batch run concurrently, so fuller batches mean
                // fewer invocations at the cost of at most one second of latency.
                .maxBatchingWindow(Duration.seconds(source.maxBatchingWindowSeconds()))
                .maxConcurrency(maxConcurrency)
                // The handler names the failed messages; the rest of the batch is deleted, never redelivered.
                .reportBatchItemFailures(true)
                .build()));
    }

    /** The functions by construct id, as the dashboard labels them and the alarms name them. */
    private static Map<String, IFunction> functionsByName(RelayFunction... functions) {
        Map<String, IFunction> byName = new LinkedHashMap<>();
        for (RelayFunction fn : functions) {
            byName.put(fn.getNode().getId(), fn.function());
        }
        return byName;
    }

    /**
     * A Contributor Insights rule over the delivery function's log lines: the subscriptions with the most failed
     * attempts. Per-subscription figures live here, never as a metric dimension (each distinct value would be a
     * billed metric). The lines it reads are WebhookDelivery's attempt lines ("delivery attempt", "probe attempt"),
     * which carry {@code subscriptionId} and {@code outcome}; an attempt failed when its outcome is one of
     * {@link #FAILED_ATTEMPT_OUTCOMES}. Contributor Insights bills per rule and per log event matched.
     */
    private CfnInsightRule failedAttemptsBySubscription(RelayFunction delivery) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Schema", Map.of("Name", "CloudWatchLogRule", "Version", 1));
        body.put("LogGroupNames", List.of(delivery.logGroup().getLogGroupName()));
        body.put("LogFormat", "JSON");
        body.put("Contribution", Map.of(
                "Keys", List.of("$.subscriptionId"),
                "Filters", List.of(
                        Map.of("Match", "$.subscriptionId", "IsPresent", true),
                        Map.of("Match", "$.outcome", "In", FAILED_ATTEMPT_OUTCOMES))));
        body.put("AggregateOn", "Count");
        return CfnInsightRule.Builder.create(this, "FailedAttemptsBySubscription")
                // Rule names are unique per account and Region: the stack's name keeps two stacks apart.
                .ruleName(Fn.join("-", List.of(Aws.STACK_NAME, "FailedAttemptsBySubscription")))
                .ruleState("ENABLED")
                .ruleBody(toJsonString(body))
                .build();
    }

    /** Attach to the operators' IAM users or roles: lets them sign requests to the management routes. */
    private ManagedPolicy operatorPolicy(RelayApi api) {
        ManagedPolicy policy = ManagedPolicy.Builder.create(this, "OperatorPolicy")
                .description("Invoke the webhook relay's operator routes (/api/v1/*) with SigV4")
                .statements(List.of(PolicyStatement.Builder.create()
                        .actions(List.of("execute-api:Invoke"))
                        .resources(List.of(api.restApi().arnForExecuteApi("*", "/api/v1/*", RelayApi.STAGE_NAME)))
                        .build()))
                .build();
        Nag.suppress(policy, "AwsSolutions-IAM5", "Covers exactly the operator routes of this API's stage "
                + "(every method under /api/v1/); POST /api/v1/events is additionally gated by the ingest API key.");
        return policy;
    }

    private void outputs(RelayApi api, ManagedPolicy operators, RelayAlarms alarms, NotificationTopic notifications,
                         Table events, Table subscriptions, Bucket payloads, Queue deliveryQueue, Queue slowQueue,
                         Queue deadLetters) {
        output("ApiUrl", api.restApi().getUrl(), "Base URL: POST {ApiUrl}api/v1/events with the ingest API key");
        output("IngestApiKeyId", api.ingestApiKey().getKeyId(),
                "Read its value with: aws apigateway get-api-key --include-value --api-key <id>");
        output("OperatorPolicyArn", operators.getManagedPolicyArn(), "Attach to operators for the management routes");
        output("AlarmTopicArn", alarms.topic().getTopicArn(), "Subscribe on-call to the relay's alarms");
        output("NotificationTopicArn", notifications.topic().getTopicArn(),
                "Subscription state changes (breaker, disabled, paused): subscribe whoever looks after partners");
        output("EventsTableName", events.getTableName(), "Events, idempotency keys and delivery attempts");
        output("SubscriptionsTableName", subscriptions.getTableName(), "Webhook subscriptions");
        output("PayloadBucketName", payloads.getBucketName(), "Payloads too large for a DynamoDB item");
        output("DeliveryQueueUrl", deliveryQueue.getQueueUrl(), "Delivery tasks");
        output("DeliverySlowQueueUrl", slowQueue.getQueueUrl(),
                "Delivery tasks of degraded and failing subscriptions (the slow lane)");
        output("DeliveryDlqUrl", deadLetters.getQueueUrl(), "Delivery tasks that exhausted their retries");
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }

    private void suppressFunctionFindings(List<RelayFunction> functions, Bucket payloads, boolean tracing) {
        String payloadObjects = "Resource::<" + logicalId(payloads) + ".Arn>/" + RelaySchema.PAYLOAD_PREFIX + "*";
        for (RelayFunction fn : functions) {
            Nag.suppress(fn, "AwsSolutions-IAM4", "AWSLambdaBasicExecutionRole only lets the function write its "
                    + "own CloudWatch logs; it is the standard execution policy.",
                    List.of("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
            if (tracing) {
                Nag.suppress(fn, "AwsSolutions-IAM5", "X-Ray's PutTraceSegments and PutTelemetryRecords do not "
                        + "support resource-level permissions, so active tracing requires Resource *.",
                        List.of("Resource::*"));
            }
            Nag.suppress(fn, "AwsSolutions-IAM5", "Payload objects are keyed by event id under the payloads/ prefix; "
                    + "the wildcard is that prefix of this bucket only, with object-level actions only.",
                    List.of(payloadObjects));
            Nag.suppress(fn, "AwsSolutions-L1", "Java 21 is the runtime this project targets (the build's release "
                    + "level in pom.xml); moving to a newer Java runtime is a deliberate upgrade, not a drive-by.");
        }
    }

    /** The CloudFormation logical id of a construct's resource, as cdk-nag names it in its findings. */
    private String logicalId(Construct construct) {
        return (String) resolve(getLogicalId((CfnElement) construct.getNode().getDefaultChild()));
    }
}
