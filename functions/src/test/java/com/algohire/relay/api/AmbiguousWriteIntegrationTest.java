package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.ingest.SweeperHandler;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.ReplyLosingProxy;
import com.algohire.relay.testing.TestResources;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * Ingest when DynamoDB's answer is lost: a proxy in front of moto_server lets a write commit and drops its reply,
 * so the SDK retries on its own (and sees ConditionalCheckFailed for its own write) or gives up with a client
 * error, exactly as with a timed-out call on AWS. Every such request must end as if the reply had arrived.
 */
@ExtendWith(SharedAwsBackend.class)
class AmbiguousWriteIntegrationTest {
    private static final String PUT_ITEM = "DynamoDB_20120810.PutItem";
    private static final String UPDATE_ITEM = "DynamoDB_20120810.UpdateItem";

    private AwsBackend backend;
    private TestResources aws;
    private ReplyLosingProxy proxy;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();

    @BeforeEach
    void setUp(AwsBackend backend) {
        this.backend = backend;
        aws = TestResources.create(backend);
        proxy = ReplyLosingProxy.to(backend.dynamoDbEndpoint());
    }

    @AfterEach
    void tearDown() {
        proxy.close();
    }

    private IngestApiHandler handlerThroughProxy(SqsClient sqs) {
        DynamoDbClient dynamoDb = new AwsClients(backend.region(), backend.credentials(), backend.sqsEndpoint(),
                proxy.endpoint(), backend.s3Endpoint()).dynamoDb();
        return new IngestApiHandler(aws.config(), dynamoDb, sqs, aws.s3, Clock.systemUTC(),
                new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8), Clock.systemUTC()));
    }

    @Test
    void handleRequest_whenEventPutReplyIsLostAndSdkRetrySeesItsOwnWrite_returns202AndKeepsTheS3Payload() {
        proxy.loseReply(PUT_ITEM, body -> body.contains("\"S\":\"" + EventItems.EVENT_PK_PREFIX), 1);
        String payload = "{\"blob\":\"" + "x".repeat(400_000) + "\"}"; // over the inline limit: kept in S3

        APIGatewayProxyResponseEvent response = handlerThroughProxy(aws.sqs)
                .handleRequest(Requests.post("lost-event-put", Requests.body("job.created", payload)), null);

        assertThat(proxy.seen()).filteredOn(ReplyLosingProxy.Seen::replyLost).hasSize(1);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        String eventId = json(response).get("eventId").textValue();
        StoredEvent stored = new EventStore(aws.dynamoDb, aws.s3, aws.config()).find(eventId).orElseThrow();
        assertThat(stored.payloadJson()).isEqualTo(payload);
        assertThat(stored.status()).isEqualTo(EventItems.STATUS_QUEUED);
        assertThat(eventItems()).hasSize(1);
        assertThat(aws.drainQueue()).hasSize(1).allSatisfy(m -> assertThat(m).contains(eventId));
    }

    @Test
    void handleRequest_whenEveryEventPutReplyIsLost_readsTheEventBackAndReturns202() {
        // The SDK exhausts its retries: the caller of putItem gets a client error for a write that committed.
        proxy.loseReply(PUT_ITEM, body -> body.contains("\"S\":\"" + EventItems.EVENT_PK_PREFIX), 100);

        APIGatewayProxyResponseEvent response = handlerThroughProxy(aws.sqs)
                .handleRequest(Requests.post("all-lost", Requests.body("job.created", "{\"jobId\":\"j\"}")), null);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        assertThat(eventItems()).hasSize(1);
        assertThat(aws.drainQueue()).hasSize(1);
        APIGatewayProxyResponseEvent repeat = handlerThroughProxy(aws.sqs)
                .handleRequest(Requests.post("all-lost", Requests.body("job.created", "{\"jobId\":\"j\"}")), null);
        assertThat(json(repeat).get("error").get("code").textValue()).isEqualTo("DUPLICATE_EVENT");
        assertThat(eventItems()).hasSize(1);
    }

    @Test
    void handleRequest_whenKeyClaimReplyIsLostAndSdkRetrySeesItsOwnKey_returns202NotInProgress() {
        proxy.loseReply(PUT_ITEM, body -> body.contains("\"S\":\"" + EventItems.KEY_PK_PREFIX), 1);
        String payload = "{\"blob\":\"" + "y".repeat(400_000) + "\"}";

        APIGatewayProxyResponseEvent response = handlerThroughProxy(aws.sqs)
                .handleRequest(Requests.post("lost-claim", Requests.body("job.created", payload)), null);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        String eventId = json(response).get("eventId").textValue();
        assertThat(new EventStore(aws.dynamoDb, aws.s3, aws.config()).find(eventId).orElseThrow().payloadJson())
                .isEqualTo(payload);
        assertThat(aws.drainQueue()).hasSize(1);
    }

    @Test
    void handleRequest_mockitoInjectedSqsFault_whenRetryClaimReplyIsLost_returns202WithTheOriginalEvent() {
        SqsClient failing = spy(aws.sqs);
        doThrow(SqsException.builder().message("injected").statusCode(500).build())
                .doCallRealMethod().when(failing).sendMessage(any(SendMessageRequest.class));
        String body = Requests.body("job.created", "{\"jobId\":\"job_claim\"}");
        APIGatewayProxyResponseEvent first = handlerThroughProxy(failing)
                .handleRequest(Requests.post("claim", body), null);
        assertThat(first.getStatusCode()).isEqualTo(503);
        String eventId = json(first).get("error").get("eventId").textValue();
        // The retry takes over the ENQUEUE_FAILED event with a conditional update whose reply is lost.
        proxy.loseReply(UPDATE_ITEM, text -> text.contains(":token"), 1);

        APIGatewayProxyResponseEvent retry = handlerThroughProxy(aws.sqs)
                .handleRequest(Requests.post("claim", body), null);

        assertThat(proxy.seen()).filteredOn(ReplyLosingProxy.Seen::replyLost).hasSize(1);
        assertThat(retry.getStatusCode()).as(retry.getBody()).isEqualTo(202);
        assertThat(json(retry).get("eventId").textValue()).isEqualTo(eventId);
        assertThat(aws.drainQueue()).hasSize(1);
    }

    @Test
    void sweep_whenAnEventLandsAfterItsKeyWasReleased_discardsItInsteadOfQueueingIt() {
        // What a write held up in flight leaves when it lands after ingest read it back as absent and released
        // the key: a PENDING event that no key names (the caller's retry stored the event under another id).
        String eventId = java.util.UUID.randomUUID().toString();
        Instant at = Instant.now().minusSeconds(600);
        aws.dynamoDb.putItem(r -> r.tableName(aws.config().eventsTable()).item(Map.of(
                RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK),
                EventItems.EVENT_ID, AttributeValue.fromS(eventId),
                RelaySchema.EVENT_TYPE, AttributeValue.fromS("job.created"),
                EventItems.IDEMPOTENCY_KEY, AttributeValue.fromS("released-key"),
                EventItems.PAYLOAD, AttributeValue.fromS("{}"),
                EventItems.RECEIVED_AT, AttributeValue.fromS(EventItems.timestamp(at)),
                RelaySchema.RECEIVED_SORT, AttributeValue.fromS(EventItems.receivedSort(at, eventId)),
                RelaySchema.PENDING_SHARD, AttributeValue.fromS(EventItems.pendingShard(eventId)),
                EventItems.STATUS, AttributeValue.fromS(EventItems.STATUS_PENDING))));

        Map<String, Integer> result = new SweeperHandler(aws.config(Map.of(EnvVars.SWEEP_GRACE_SECONDS, "0")),
                aws.clients).sweepOnce();

        assertThat(result).containsEntry("found", 1).containsEntry("discarded", 1).containsEntry("queued", 0);
        assertThat(aws.drainQueue()).isEmpty();
        assertThat(eventItems()).isEmpty();
    }

    private List<Map<String, AttributeValue>> eventItems() {
        return aws.dynamoDb.scan(r -> r.tableName(aws.config().eventsTable())
                .filterExpression("#sk = :sk").expressionAttributeNames(Map.of("#sk", RelaySchema.SK))
                .expressionAttributeValues(Map.of(":sk", AttributeValue.fromS(EventItems.EVENT_SK)))).items();
    }
}
