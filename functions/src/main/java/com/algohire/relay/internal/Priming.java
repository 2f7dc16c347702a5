package com.algohire.relay.internal;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.metrics.Metrics;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.ResolveIdentityRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;
import software.amazon.awssdk.utils.Md5Utils;

/**
 * SnapStart priming: a function's hot paths run once before Lambda takes the snapshot, so that the class loading
 * and first-use initialisation they cost (Jackson's serializers, the SDK's marshallers, signer and HTTP client, our
 * own code) are in the snapshot instead of in the first request after every restore (AWS, "Improving startup
 * performance with Lambda SnapStart": priming).
 *
 * <p>Each handler builds one of these from named steps and exposes it as {@code prime()}; its public no-arg
 * constructor (Lambda's init) {@linkplain #register() registers} it with CRaC, whose {@code beforeCheckpoint} runs
 * the steps. The rules every step keeps: it reads and never writes (a {@link #readAbsentItem GetItem} of a key no
 * code writes, a {@link #readQueueAttributes GetQueueAttributes}; the write operations' requests are built and
 * marshalled but {@linkplain #unsent never signed, so never sent}, directly or through {@link #unsentDynamoDb}),
 * sends no webhook (the delivery function's one POST goes to a loopback server its priming opens and closes),
 * and its AWS calls are bounded by {@link #CALL_TIMEOUT}, or, when routed through a handler, the step by
 * {@link #bounded}. A step that fails (AWS unreachable while the snapshot is taken, say) is caught here,
 * whatever it threw, so that priming never fails the snapshot: the run logs one line naming the steps that failed.
 *
 * <p>{@link #afterRestore} runs the function's restore action, if it has one: the delivery function's closes the
 * webhook client's pooled connections (its priming's loopback exchange leaves none, but a connection opened before
 * the snapshot would point at a peer that has long forgotten it). Beyond that nothing the functions hold must
 * differ between the environments one snapshot restores into. {@link Randomness} keeps no generator (each draw
 * takes a new one) and priming draws nothing; clocks are read per call ({@code Clock.systemUTC()}) and deadlines are
 * taken per invocation; the URLConnection HTTP client keeps no connection pool of its own, and the JDK's keep-alive
 * cache beneath it drops an idle connection after 5 s of wall-clock idleness (checked when it would be reused), so a
 * connection priming opened is never reused after a restore; the container credentials provider refreshes its
 * cached credentials by their expiry time.
 */
public final class Priming implements Resource {
    /**
     * The partition key priming reads: no code writes a {@code PRIME#} item (the tables' items are {@code KEY#},
     * {@code EVENT#}, {@code HOLD#}, {@code RECOVERY#}, {@code AUDIT#}, subscriptions {@code sub_…}), so the read
     * finds nothing. Fixed rather than random: nothing is gained by a random key, and priming draws no randomness
     * into the snapshot.
     */
    public static final String ABSENT_KEY = "PRIME#snapstart";
    /** Each priming AWS call gives up after this, retries included: priming must not hold up the snapshot. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);

    /** One named step of a function's priming. */
    public record Step(String name, Action action) {
    }

    /** What a step does; whatever it throws is caught by {@link #run()}. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private final String function;
    private final List<Step> steps;
    private final Action onRestore;
    private final StructuredLog log;

    public Priming(String function, List<Step> steps, StructuredLog log) {
        this(function, steps, () -> { }, log);
    }

    /** With {@code onRestore} run by {@link #afterRestore} (caught and logged: a restore must not fail on it). */
    public Priming(String function, List<Step> steps, Action onRestore, StructuredLog log) {
        this.function = function;
        this.steps = List.copyOf(steps);
        this.onRestore = onRestore;
        this.log = log;
    }

    /**
     * Registers this priming with CRaC's global context, which holds its resources by weak reference: the handler
     * keeps this object in a field for as long as it lives. Outside a CRaC-capable runtime (tests, the local
     * runtime) nothing ever calls it.
     */
    public Priming register() {
        Core.getGlobalContext().register(this);
        return this;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        run();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        restored();
    }

    /** Runs the restore action; what it throws is logged (its class only) and swallowed. */
    public void restored() {
        try {
            onRestore.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) { // a restore must go on: the worst case is one failed attempt on a stale connection
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("function", function);
            fields.put("error", e.getClass().getName());
            log.warn("snapstart restore action failed", fields);
        }
    }

    /**
     * Runs every step once, each on its own (one failing does not skip the next), and logs one line: the function,
     * the milliseconds it took, and the steps that failed with their exception's class (never its message, which
     * could name a resource). Never throws.
     *
     * @return the names of the steps that failed, empty when all ran through
     */
    public List<String> run() {
        long start = System.nanoTime();
        List<String> failed = new ArrayList<>();
        Map<String, String> errors = new LinkedHashMap<>();
        for (Step step : steps) {
            try {
                step.action().run();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) { // priming must never fail the snapshot, whatever a step threw
                failed.add(step.name());
                errors.put(step.name(), e.getClass().getName());
            }
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("function", function);
        fields.put("steps", steps.stream().map(Step::name).toList());
        fields.put("ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        if (failed.isEmpty()) {
            log.info("snapstart priming done", fields);
        } else {
            fields.put("failed", errors);
            log.warn("snapstart priming partly failed; the snapshot is taken anyway", fields);
        }
        return failed;
    }

    /**
     * Credentials that never resolve. A request given them (per request, whatever client it goes through) runs the
     * SDK's pipeline up to signing, its marshalling included, and fails there: it cannot be signed, so it is never
     * sent. That primes the write operations' marshallers without a write.
     */
    private static final AwsCredentialsProvider UNSIGNABLE = new AwsCredentialsProvider() {
        @Override
        public AwsCredentials resolveCredentials() {
            throw new Unsent();
        }

        @Override
        public CompletableFuture<AwsCredentialsIdentity> resolveIdentity(ResolveIdentityRequest request) {
            return CompletableFuture.failedFuture(new Unsent());
        }
    };

    /** What a request built but not sent ends with; not an IOException, so the SDK does not retry it. */
    static final class Unsent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsent() {
            super("built for priming, never sent", null, false, false);
        }
    }

    /**
     * Runs {@code call}, which must make one SDK request with {@link #unsigned} override configuration, and expects
     * it to end unsent.
     *
     * @throws IllegalStateException if it ended otherwise (then its exception is the cause)
     */
    public static void unsent(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof Unsent) {
                    return;
                }
            }
            throw new IllegalStateException("a priming request failed before it was built", e);
        }
        throw new IllegalStateException("a priming request was answered: it should have been unsigned");
    }

    /** The override that keeps a request from being signed and so from being sent ({@link #unsent}). */
    public static void unsigned(AwsRequestOverrideConfiguration.Builder override) {
        override.credentialsProvider(UNSIGNABLE);
    }

    /**
     * A client that sends nothing: every request made through it goes to {@code real} with {@link #unsigned}
     * credentials, so it is marshalled through the real client's pipeline and ends {@link #unsent}. For priming code
     * that writes through a client it was given (the delivery log, state and health writes) without a write.
     */
    public static DynamoDbClient unsentDynamoDb(DynamoDbClient real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (args != null && args.length == 1 && args[0] instanceof AwsRequest request) {
                AwsRequestOverrideConfiguration.Builder override = request.overrideConfiguration()
                        .map(AwsRequestOverrideConfiguration::toBuilder)
                        .orElseGet(AwsRequestOverrideConfiguration::builder);
                unsigned(override);
                try {
                    return method.invoke(real, request.toBuilder().overrideConfiguration(override.build()).build());
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
            if (method.isDefault()) { // the consumer-builder forms: they build the request and call the above
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            throw new UnsupportedOperationException("not for priming: " + method.getName());
        };
        return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[] {DynamoDbClient.class}, handler);
    }

    /** A log that drops every line: for code primed through {@link #unsentDynamoDb} that logs its (unsent) failure. */
    public static StructuredLog quietLog(Clock clock) {
        return new StructuredLog(new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8),
                clock);
    }

    /**
     * A conditional PutItem as ingest and the delivery log write them, marshalled and never sent: the item under
     * {@link #ABSENT_KEY} does not come to exist.
     */
    public static void unsentPutItem(DynamoDbClient dynamoDb, String table) {
        unsent(() -> dynamoDb.putItem(r -> r.tableName(table)
                .item(Map.of(RelaySchema.PK, AttributeValue.fromS(ABSENT_KEY),
                        RelaySchema.SK, AttributeValue.fromS(ABSENT_KEY),
                        "payload", AttributeValue.fromS("{\"jobId\":\"job-123\"}"),
                        "expiresAt", AttributeValue.fromN("1700000000")))
                .conditionExpression("attribute_not_exists(#pk) OR #expiresAt < :now")
                .expressionAttributeNames(Map.of("#pk", RelaySchema.PK, "#expiresAt", "expiresAt"))
                .expressionAttributeValues(Map.of(":now", AttributeValue.fromN("1700000000")))
                .returnValuesOnConditionCheckFailure("ALL_OLD")
                .overrideConfiguration(Priming::unsigned)));
    }

    /** A conditional UpdateItem (status, state and health writes), marshalled and never sent. */
    public static void unsentUpdateItem(DynamoDbClient dynamoDb, String table) {
        unsent(() -> dynamoDb.updateItem(r -> r.tableName(table)
                .key(Map.of(RelaySchema.PK, AttributeValue.fromS(ABSENT_KEY),
                        RelaySchema.SK, AttributeValue.fromS(ABSENT_KEY)))
                .updateExpression("SET #status = :status REMOVE #shard")
                .conditionExpression("#status = :expected")
                .expressionAttributeNames(Map.of("#status", "status", "#shard", "pendingShard"))
                .expressionAttributeValues(Map.of(":status", AttributeValue.fromS("QUEUED"),
                        ":expected", AttributeValue.fromS("PENDING")))
                .overrideConfiguration(Priming::unsigned)));
    }

    /** A SendMessage of a task-sized body, marshalled and never sent. */
    public static void unsentSendMessage(SqsClient sqs, String queueUrl) {
        unsent(() -> sqs.sendMessage(r -> r.queueUrl(queueUrl)
                .messageBody("{\"kind\":\"FAN_OUT\",\"eventId\":\"00000000-0000-4000-8000-000000000000\"}")
                .delaySeconds(0)
                .overrideConfiguration(Priming::unsigned)));
    }

    /** A Scan of one item (the subscriptions' list), marshalled and never sent. */
    public static void unsentScan(DynamoDbClient dynamoDb, String table) {
        unsent(() -> dynamoDb.scan(r -> r.tableName(table).limit(1).consistentRead(true)
                .overrideConfiguration(Priming::unsigned)));
    }

    /**
     * The answers' models of the writes and scans above, built as their unmarshallers build them (each model class's
     * field table and its accessors' lambdas are what their first use loads), and the MD5 that checks a
     * SendMessage's answer.
     */
    public static void responseModels() {
        ConsumedCapacity capacity = ConsumedCapacity.builder().tableName("t").capacityUnits(1.0).build();
        PutItemResponse.builder().consumedCapacity(capacity).attributes(Map.of()).build();
        UpdateItemResponse.builder().consumedCapacity(capacity).attributes(Map.of()).build();
        ScanResponse.builder().items(List.of(Map.of(RelaySchema.PK, AttributeValue.fromS(ABSENT_KEY)))).count(1)
                .scannedCount(1).lastEvaluatedKey(Map.of()).consumedCapacity(capacity).build();
        SendMessageResponse.builder().messageId("m").md5OfMessageBody(Md5Utils.md5AsBase64(new byte[] {1})).build();
    }

    /**
     * The steps of the two functions that write events and queue tasks (ingest, delivery): an event PutItem and
     * UpdateItem and an SQS SendMessage built but never sent, their answers' models, and a GetQueueAttributes.
     */
    public static List<Step> eventWriteSteps(DynamoDbClient dynamoDb, String table, SqsClient sqs, String queueUrl) {
        return List.of(
                new Step("unsent-writes", () -> {
                    unsentPutItem(dynamoDb, table);
                    unsentUpdateItem(dynamoDb, table);
                    unsentSendMessage(sqs, queueUrl);
                    responseModels();
                }),
                new Step("sqs-get-queue-attributes", () -> readQueueAttributes(sqs, queueUrl)));
    }

    /**
     * A GetItem of {@link #ABSENT_KEY}: the DynamoDB marshalling, signing and HTTP paths, reading nothing. It asks for
     * the consumed capacity, so that the answer carries a number and its parser (what the writes' answers need) is
     * loaded too.
     */
    public static void readAbsentItem(DynamoDbClient dynamoDb, String table) {
        dynamoDb.getItem(r -> r.tableName(table)
                .key(Map.of(RelaySchema.PK, AttributeValue.fromS(ABSENT_KEY),
                        RelaySchema.SK, AttributeValue.fromS(ABSENT_KEY)))
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT)));
    }

    /**
     * A count and a duration recorded and flushed as one embedded-metric-format line, as every invocation ends,
     * into a sink that drops it: no metric is published by priming.
     */
    public static void metricsLine(String stack, Clock clock) {
        Metrics metrics = new Metrics(stack, line -> { }, clock);
        metrics.count("Priming");
        metrics.count("Priming", "Code", "PRIMING");
        metrics.milliseconds("PrimingTime", 1);
        metrics.flush();
    }

    /** How long a step wrapped in {@link #bounded} may take: a few calls, each bounded by the clients' timeouts. */
    public static final Duration STEP_TIMEOUT = CALL_TIMEOUT.multipliedBy(2);

    /**
     * {@code action} run on its own daemon thread, given at most {@link #STEP_TIMEOUT}: for steps that route a
     * request through the handler, whose calls carry the clients' own (longer) timeouts rather than
     * {@link #CALL_TIMEOUT}. A step that overruns fails (a TimeoutException, logged) and priming goes on; its thread
     * ends when the clients' timeouts end its call.
     */
    public static Action bounded(Action action) {
        return () -> {
            FutureTask<Void> task = new FutureTask<>(() -> {
                action.run();
                return null;
            });
            Thread.ofPlatform().daemon().name("snapstart-priming").start(task);
            try {
                task.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        };
    }

    /** A GetQueueAttributes of one attribute: the SQS marshalling, signing and HTTP paths, changing nothing. */
    public static void readQueueAttributes(SqsClient sqs, String queueUrl) {
        sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN)
                .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT)));
    }
}
