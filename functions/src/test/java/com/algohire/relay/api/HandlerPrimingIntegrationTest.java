package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.internal.Priming;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.testing.WireCounter;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * SnapStart priming of the two API functions against real servers: every request it puts on the wire is counted
 * (reads only), nothing is stored or queued, the handler serves normally afterwards, and with AWS unreachable it
 * neither throws nor hangs.
 */
@ExtendWith(SharedAwsBackend.class)
class HandlerPrimingIntegrationTest {
    private static final URI CLOSED_PORT = URI.create("http://127.0.0.1:1");

    private AwsBackend backend;
    private TestResources aws;
    private RelayConfig config;
    private final WireCounter wire = new WireCounter();
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final StructuredLog log = new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8),
            Clock.systemUTC());

    @BeforeEach
    void setUp(AwsBackend backend) {
        this.backend = backend;
        aws = TestResources.create(backend);
        config = aws.config();
    }

    private IngestApiHandler ingest(URI dynamoDbEndpoint, URI sqsEndpoint) {
        return new IngestApiHandler(config, wire.dynamoDb(backend, dynamoDbEndpoint), wire.sqs(backend, sqsEndpoint),
                wire.s3(backend, backend.s3Endpoint()), Clock.systemUTC(), log);
    }

    private ManagementApiHandler management(URI dynamoDbEndpoint, URI sqsEndpoint) {
        DynamoDbClient dynamoDb = wire.dynamoDb(backend, dynamoDbEndpoint);
        S3Client s3 = wire.s3(backend, backend.s3Endpoint());
        SqsClient sqs = wire.sqs(backend, sqsEndpoint);
        return new ManagementApiHandler(config, dynamoDb, sqs, new EventStore(dynamoDb, s3, config),
                Clock.systemUTC(), log);
    }

    @Test
    void prime_whenIngest_sendsOneGetItemAndOneGetQueueAttributesAndWritesNothing() {
        IngestApiHandler handler = ingest(backend.dynamoDbEndpoint(), backend.sqsEndpoint());
        wire.reset();

        List<String> failed = handler.prime();

        assertThat(failed).isEmpty();
        assertThat(wire.requests()).containsExactlyInAnyOrder("DynamoDb.GetItem", "Sqs.GetQueueAttributes");
        assertNothingStoredOrQueued();
        assertThat(logs.toString(StandardCharsets.UTF_8)).contains("snapstart priming done")
                .contains("\"requestId\":\"snapstart-priming\"");
    }

    @Test
    void handleRequest_whenIngestWasPrimed_acceptsAnEventAsUsual() throws Exception {
        IngestApiHandler handler = ingest(backend.dynamoDbEndpoint(), backend.sqsEndpoint());
        handler.prime();

        APIGatewayProxyRequestEvent post = Requests.post("primed-1", Requests.body("job.created", "{\"a\":1}"));
        assertThat(handler.handleRequest(post, null).getStatusCode()).isEqualTo(202);
        assertThat(aws.drainQueue()).hasSize(1);
    }

    @Test
    void prime_whenManagement_readsOneItemOneListPageEachAndQueueAttributesAndWritesNothing() {
        ManagementApiHandler handler = management(backend.dynamoDbEndpoint(), backend.sqsEndpoint());
        wire.reset();

        List<String> failed = handler.prime();

        assertThat(failed).isEmpty();
        assertThat(wire.requests()).containsExactlyInAnyOrder("DynamoDb.GetItem", "DynamoDb.Scan",
                "DynamoDb.Query", "Sqs.GetQueueAttributes");
        assertNothingStoredOrQueued();
    }

    @Test
    void prime_whenManagementHasASubscriberAndADeadLetter_sendsItNothingAndLeavesTheDeadLetterUnreceived()
            throws Exception {
        config = aws.config(Map.of(EnvVars.SSRF_ALLOWLIST, "127.0.0.1"));
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            ManagementApiHandler handler = management(backend.dynamoDbEndpoint(), backend.sqsEndpoint());
            assertThat(handler.handleRequest(new APIGatewayProxyRequestEvent().withHttpMethod("POST")
                    .withPath("/api/v1/subscriptions").withHeaders(Map.of("Content-Type", "application/json"))
                    .withBody("{\"url\":\"" + receiver.url() + "\",\"eventTypes\":[\"job.*\"]}"), null)
                    .getStatusCode()).isEqualTo(201);
            aws.sqs.sendMessage(r -> r.queueUrl(config.deliveryDlqUrl()).messageBody("{\"kind\":\"DELIVER\"}"));
            long auditItems = aws.dynamoDb.scan(r -> r.tableName(config.eventsTable())).count();
            wire.reset();

            List<String> failed = handler.prime();

            assertThat(failed).isEmpty();
            assertThat(wire.requests()).containsExactlyInAnyOrder("DynamoDb.GetItem", "DynamoDb.Scan",
                    "DynamoDb.Query", "Sqs.GetQueueAttributes");
            assertThat(aws.dynamoDb.scan(r -> r.tableName(config.subscriptionsTable())).count()).isEqualTo(1);
            assertThat(aws.dynamoDb.scan(r -> r.tableName(config.eventsTable())).count()).isEqualTo(auditItems);
            assertThat(aws.sqs.receiveMessage(r -> r.queueUrl(config.deliveryDlqUrl())
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages())
                    .singleElement().satisfies(m -> assertThat(m.attributes()
                            .get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).isEqualTo("1"));
            Thread.sleep(200);
            assertThat(receiver.requests()).isEmpty();
        }
    }

    @Test
    void handleRequest_whenIngestWasPrimedAndThePayloadIsOverTheInlineLimit_storesItThroughTheLazyS3Client() {
        IngestApiHandler handler = new IngestApiHandler(config, aws.clients);
        assertThat(handler.prime()).isEmpty();
        String big = "x".repeat(EventIngestion.INLINE_PAYLOAD_LIMIT + 10);

        APIGatewayProxyRequestEvent post = Requests.post("primed-big",
                Requests.body("job.created", "{\"blob\":\"" + big + "\"}"));
        assertThat(handler.handleRequest(post, null).getStatusCode()).isEqualTo(202);

        assertThat(aws.s3.listObjectsV2(r -> r.bucket(config.payloadBucket())).contents()).hasSize(1);
    }

    @Test
    void prime_whenAwsUnreachable_neitherThrowsNorHangsAndLogsTheFailedSteps() {
        IngestApiHandler ingest = ingest(CLOSED_PORT, CLOSED_PORT);
        ManagementApiHandler management = management(CLOSED_PORT, CLOSED_PORT);
        long start = System.nanoTime();
        List<String> ingestFailed = ingest.prime();
        long ingestMs = (System.nanoTime() - start) / 1_000_000;
        start = System.nanoTime();
        List<String> managementFailed = management.prime();
        long managementMs = (System.nanoTime() - start) / 1_000_000;

        // Each step that calls AWS is bounded: a routed one by STEP_TIMEOUT, a direct call by CALL_TIMEOUT.
        long slack = 2_000;
        assertThat(ingestMs).isLessThan(Priming.STEP_TIMEOUT.plus(Priming.CALL_TIMEOUT).toMillis() + slack);
        assertThat(managementMs).isLessThan(Priming.STEP_TIMEOUT.multipliedBy(2).plus(Priming.CALL_TIMEOUT).toMillis()
                + slack);
        assertThat(ingestFailed).containsExactlyInAnyOrder("route-get-unknown-event", "sqs-get-queue-attributes");
        assertThat(managementFailed).containsExactlyInAnyOrder("routes", "list-routes", "sqs-get-queue-attributes");
        assertThat(logs.toString(StandardCharsets.UTF_8)).contains("snapstart priming partly failed");
        // The steps that need no AWS still ran.
        assertThat(logs.toString(StandardCharsets.UTF_8)).doesNotContain("\"validate-and-serialise\":");
        assertThat(wire.requests()).allMatch(r -> r.endsWith(".GetItem") || r.endsWith(".Scan")
                || r.endsWith(".Query") || r.endsWith(".GetQueueAttributes"));
    }

    private void assertNothingStoredOrQueued() {
        assertThat(aws.dynamoDb.scan(r -> r.tableName(config.eventsTable())).count()).isZero();
        assertThat(aws.dynamoDb.scan(r -> r.tableName(config.subscriptionsTable())).count()).isZero();
        assertThat(aws.drainQueue()).isEmpty();
    }
}
