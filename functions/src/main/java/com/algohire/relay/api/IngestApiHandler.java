package com.algohire.relay.api;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.EventList;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.health.HealthCheck;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.ingest.EventValidator;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Priming;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.metrics.EmfSink;
import com.algohire.relay.metrics.Metrics;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The ingest function: POST and GET /api/v1/events, GET /api/v1/events/{eventId} and GET /api/v1/health. */
public final class IngestApiHandler implements RequestHandler<APIGatewayProxyRequestEvent,
        APIGatewayProxyResponseEvent> {
    private final IngestApi api;
    private final Metrics metrics;
    private final Priming priming;

    /** Lambda's init: with SnapStart, {@link #prime()} runs before the snapshot. */
    public IngestApiHandler() {
        this(RelayConfig.fromEnvironment(), AwsClients.fromEnvironment());
        priming.register();
    }

    public IngestApiHandler(RelayConfig config, AwsClients clients) {
        this(config, clients, EmfSink.stdout());
    }

    /** With the metrics' lines sent to {@code metricsSink} (the local runtime's, which also stores them). */
    public IngestApiHandler(RelayConfig config, AwsClients clients, EmfSink metricsSink) {
        this(config, clients.dynamoDb(), clients.sqs(), clients.lazyS3(), Clock.systemUTC(), StructuredLog.stdout(),
                metricsSink);
    }

    /** The metrics' lines go to {@code log}'s stream, as on Lambda. */
    IngestApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, Clock clock,
                     StructuredLog log) {
        this(config, dynamoDb, sqs, s3, clock, log, log::raw);
    }

    IngestApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, Clock clock,
                     StructuredLog log, EmfSink metricsSink) {
        this(config, dynamoDb, sqs, () -> s3, clock, log, metricsSink);
    }

    /**
     * The S3 client through a supplier: the function builds it at the first payload over the inline limit (or the
     * first read of one), not in init, where it cost every cold start (most events are stored inline).
     */
    private IngestApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, Supplier<S3Client> s3,
                             Clock clock, StructuredLog log, EmfSink metricsSink) {
        PayloadStore payloads = new PayloadStore(s3, config.payloadBucket());
        this.metrics = new Metrics(config.metricsStack(), metricsSink, clock);
        this.api = new IngestApi(
                new EventValidator(config.knownDomains()),
                EventIngestion.create(dynamoDb, sqs, s3, config, clock, log),
                new EventStore(dynamoDb, payloads, config.eventsTable(), clock),
                new EventList(dynamoDb, config.eventsTable(), config.retention(), clock),
                new DeliveryStates(dynamoDb, config.eventsTable(), config.retention(), log),
                new HealthCheck(dynamoDb, sqs, config.eventsTable(), config.deliveryQueueUrl()),
                config.retention(), clock, log, metrics);
        List<Priming.Step> steps = new ArrayList<>(List.of(
                new Priming.Step("validate-and-serialise", api::primeAccept),
                new Priming.Step("route-get-unknown-event", Priming.bounded(api::primeRead)),
                new Priming.Step("metrics-line", () -> Priming.metricsLine(config.metricsStack(), clock))));
        steps.addAll(Priming.eventWriteSteps(dynamoDb, config.eventsTable(), sqs, config.deliveryQueueUrl()));
        this.priming = new Priming("ingest", steps, log);
    }

    /**
     * SnapStart priming (what CRaC's beforeCheckpoint runs; the cold-start bench calls it too): a representative
     * event validated and its answer serialised, a GET of an unknown event routed (a DynamoDB GetItem of a key that is
     * never written, a 404), a metrics line built and dropped, the PutItem, UpdateItem and SendMessage requests built
     * but never sent, and an SQS
     * GetQueueAttributes. No write, never throws ({@link Priming}).
     *
     * @return the steps that failed (logged), empty when all ran through
     */
    public List<String> prime() {
        return priming.run();
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
