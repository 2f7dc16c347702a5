package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.testing.WireCounter;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * A repeated idempotency key is answered from the key item its failed conditional put already saw
 * ({@code ReturnValuesOnConditionCheckFailure.ALL_OLD}), not from two reads of it: counted on the wire.
 */
@ExtendWith(SharedAwsBackend.class)
class DuplicateRequestReadsIntegrationTest {
    private final WireCounter wire = new WireCounter();
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();

    private IngestApiHandler countedHandler(AwsBackend backend, TestResources aws) {
        DynamoDbClient dynamoDb = wire.dynamoDb(backend, backend.dynamoDbEndpoint());
        return new IngestApiHandler(aws.config(), dynamoDb, aws.sqs, aws.s3, Clock.systemUTC(),
                new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8), Clock.systemUTC()));
    }

    @Test
    void putItem_whenItsConditionFailsWithAllOld_theServerReturnsTheStoredItem(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        String table = aws.config().eventsTable();
        Map<String, AttributeValue> stored = Map.of(RelaySchema.PK, AttributeValue.fromS("KEY#all-old"),
                RelaySchema.SK, AttributeValue.fromS("KEY"), "eventId", AttributeValue.fromS("evt-1"));
        aws.dynamoDb.putItem(r -> r.tableName(table).item(stored));

        ConditionalCheckFailedException refused = catchThrowableOfType(ConditionalCheckFailedException.class,
                () -> aws.dynamoDb.putItem(r -> r.tableName(table)
                        .item(Map.of(RelaySchema.PK, AttributeValue.fromS("KEY#all-old"),
                                RelaySchema.SK, AttributeValue.fromS("KEY"), "eventId", AttributeValue.fromS("evt-2")))
                        .conditionExpression("attribute_not_exists(#pk)")
                        .expressionAttributeNames(Map.of("#pk", RelaySchema.PK))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));

        assertThat(refused).isNotNull();
        assertThat(refused.hasItem()).isTrue();
        assertThat(refused.item()).isEqualTo(stored);
    }

    @Test
    void handleRequest_whenDuplicateOfQueuedEvent_answers409AsBeforeReadingOnlyTheEvent(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        IngestApiHandler handler = countedHandler(backend, aws);
        String body = Requests.body("job.created", "{\"jobId\":\"job-dup\"}");
        APIGatewayProxyResponseEvent first = handler.handleRequest(Requests.post("dup-reads", body), null);
        assertThat(first.getStatusCode()).isEqualTo(202);
        wire.reset();

        APIGatewayProxyResponseEvent second = handler.handleRequest(Requests.post("dup-reads", body), null);

        assertThat(second.getStatusCode()).isEqualTo(409);
        assertThat(second.getHeaders()).containsAllEntriesOf(ApiResponses.SECURITY_HEADERS);
        assertThat(json(second).get("error").get("code").textValue()).isEqualTo("DUPLICATE_EVENT");
        assertThat(json(second).get("error").get("eventId").textValue())
                .isEqualTo(json(first).get("eventId").textValue());
        // Was: the failed claim, a read-back of the key, the repeat's read of the key, then of the event.
        assertThat(wire.requests()).containsExactly("DynamoDb.PutItem", "DynamoDb.GetItem");
        assertThat(aws.drainQueue()).hasSize(1);
    }

    @Test
    void handleRequest_whenKeyReusedForAnotherBody_answers409KeyReusedWithNoRead(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        IngestApiHandler handler = countedHandler(backend, aws);
        APIGatewayProxyResponseEvent first = handler.handleRequest(Requests.post("reused-reads",
                Requests.body("job.created", "{\"jobId\":\"a\"}")), null);
        wire.reset();

        APIGatewayProxyResponseEvent second = handler.handleRequest(Requests.post("reused-reads",
                Requests.body("job.created", "{\"jobId\":\"b\"}")), null);

        assertThat(second.getStatusCode()).isEqualTo(409);
        assertThat(json(second).get("error").get("code").textValue()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(json(second).get("error").get("eventId").textValue())
                .isEqualTo(json(first).get("eventId").textValue());
        assertThat(wire.requests()).containsExactly("DynamoDb.PutItem");
    }

    @Test
    void handleRequest_mockitoInjectedConditionFailureWithoutItem_readsTheKeyBackOnceAndAnswers409(
            AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        DynamoDbClient real = wire.dynamoDb(backend, backend.dynamoDbEndpoint());
        DynamoDbClient dynamoDb = spy(real);
        // A server (or an SDK retry path) that does not return the old item: the claim must read the key back.
        doAnswer(invocation -> {
            PutItemRequest request = invocation.getArgument(0);
            try {
                return real.putItem(request);
            } catch (ConditionalCheckFailedException e) {
                throw ConditionalCheckFailedException.builder().message(e.getMessage()).build();
            }
        }).when(dynamoDb).putItem(any(PutItemRequest.class));
        IngestApiHandler handler = new IngestApiHandler(aws.config(), dynamoDb, aws.sqs, aws.s3, Clock.systemUTC(),
                new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8), Clock.systemUTC()));
        String body = Requests.body("job.created", "{\"jobId\":\"job-no-item\"}");
        APIGatewayProxyResponseEvent first = handler.handleRequest(Requests.post("dup-no-item", body), null);
        wire.reset();

        APIGatewayProxyResponseEvent second = handler.handleRequest(Requests.post("dup-no-item", body), null);

        assertThat(second.getStatusCode()).isEqualTo(409);
        assertThat(json(second).get("error").get("code").textValue()).isEqualTo("DUPLICATE_EVENT");
        assertThat(json(second).get("error").get("eventId").textValue())
                .isEqualTo(json(first).get("eventId").textValue());
        // The key read back once (the repeat answers from that read), then the event.
        assertThat(wire.sent(GetItemRequest.class)).extracting(r -> r.key().get(RelaySchema.PK).s())
                .containsExactly("KEY#dup-no-item", "EVENT#" + json(first).get("eventId").textValue());
    }
}
