package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.testing.TestResources;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * GET /api/v1/events?idempotencyKey=: the event a key names, as a one-event page of the list, read by two GetItems
 * (its delivery state by the list's one BatchGetItem) on moto_server (every DynamoDB call the route makes is
 * recorded by an SDK interceptor), never a Scan or a Query.
 */
@ExtendWith(SharedAwsBackend.class)
class EventLookupIntegrationTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    /** The DynamoDB operations the client has made, by name, in order. */
    private final List<String> dynamoDbCalls = new CopyOnWriteArrayList<>();
    private TestResources aws;
    private MutableClock clock;
    private IngestApiHandler events;

    @BeforeEach
    void setUp(AwsBackend backend) {
        aws = TestResources.create(backend);
        clock = new MutableClock(START);
        DynamoDbClient counted = DynamoDbClient.builder().region(backend.region())
                .credentialsProvider(backend.credentials()).endpointOverride(backend.dynamoDbEndpoint())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        dynamoDbCalls.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
                    }
                }))
                .build();
        StructuredLog log = new StructuredLog(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), clock);
        events = new IngestApiHandler(aws.config(), counted, aws.sqs, aws.s3, clock, log);
    }

    private String accept(String key, String eventType) {
        APIGatewayProxyResponseEvent response = events.handleRequest(
                Requests.post(key, Requests.body(eventType, "{\"n\":1}")), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        return json(response).get("eventId").textValue();
    }

    private APIGatewayProxyResponseEvent lookUp(Map<String, String> query) {
        dynamoDbCalls.clear();
        return events.handleRequest(Requests.get("/api/v1/events", query), null);
    }

    @Test
    void lookUp_whenKeyNamesAnEvent_answersAOneEventPageByTwoGetItemsAndNoScanOrQuery() {
        accept("other-key", "job.created");
        String eventId = accept("order-42/retry:1", "job.updated");

        APIGatewayProxyResponseEvent response = lookUp(Map.of("idempotencyKey", "order-42/retry:1"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("success").booleanValue()).isTrue();
        assertThat(body.get("events")).hasSize(1);
        JsonNode event = body.get("events").get(0);
        assertThat(event.get("id").textValue()).isEqualTo(eventId);
        assertThat(event.get("eventType").textValue()).isEqualTo("job.updated");
        assertThat(event.get("idempotencyKey").textValue()).isEqualTo("order-42/retry:1");
        assertThat(event.get("receivedAt").textValue()).isEqualTo("2026-03-01T10:00:00.000Z");
        assertThat(body.has("nextCursor")).isTrue();
        assertThat(body.get("nextCursor").isNull()).isTrue();
        assertThat(event.get("delivery").get("state").textValue()).isEqualTo("pending");
        // The two GetItems of the lookup, then the list's one read of its page's delivery states.
        assertThat(dynamoDbCalls).containsExactly("GetItem", "GetItem", "BatchGetItem");
    }

    @Test
    void lookUp_whenListedWithoutKey_hasTheSameEntryShapeAsTheList() {
        accept("shape-key", "job.created");

        JsonNode listed = json(lookUp(Map.of())).get("events").get(0);
        JsonNode found = json(lookUp(Map.of("idempotencyKey", "shape-key"))).get("events").get(0);

        assertThat(found).isEqualTo(listed);
    }

    @Test
    void lookUp_whenNoEventHasTheKey_answersAnEmptyPageAfterOneGetItem() {
        accept("known", "job.created");

        APIGatewayProxyResponseEvent response = lookUp(Map.of("idempotencyKey", "unknown"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(json(response).get("events")).isEmpty();
        assertThat(json(response).get("nextCursor").isNull()).isTrue();
        assertThat(dynamoDbCalls).containsExactly("GetItem");
    }

    @Test
    void lookUp_whenTheEventIsPastItsExpiresAtBeforeTtlDeletedIt_answersAnEmptyPage() {
        accept("expiring", "job.created");
        assertThat(json(lookUp(Map.of("idempotencyKey", "expiring"))).get("events")).hasSize(1);

        clock.advance(aws.config().retention().plus(Duration.ofMinutes(1)));
        APIGatewayProxyResponseEvent response = lookUp(Map.of("idempotencyKey", "expiring"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(json(response).get("events")).isEmpty();
        assertThat(dynamoDbCalls).doesNotContain("Scan", "Query");
    }

    @Test
    void lookUp_whenOnlyTheEventItemIsPastItsExpiresAt_answersAnEmptyPage() {
        String eventId = accept("event-expired", "job.created");
        // The key item is live; the event's own expiresAt has passed (TTL not run yet): the event is gone.
        aws.dynamoDb.updateItem(r -> r.tableName(aws.config().eventsTable())
                .key(Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                        RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK)))
                .updateExpression("SET #exp = :past")
                .expressionAttributeNames(Map.of("#exp", RelaySchema.EXPIRES_AT))
                .expressionAttributeValues(Map.of(":past", AttributeValue.fromN(
                        Long.toString(START.minusSeconds(1).getEpochSecond())))));

        APIGatewayProxyResponseEvent response = lookUp(Map.of("idempotencyKey", "event-expired"));

        assertThat(json(response).get("events")).isEmpty();
        assertThat(dynamoDbCalls).containsExactly("GetItem", "GetItem");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "caf\u00e9", "tab\tkey"})
    void lookUp_whenKeyIsInvalid_answers400NamingTheParameterWithoutReadingAnything(String key) {
        APIGatewayProxyResponseEvent response = lookUp(Map.of("idempotencyKey", key));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
        assertThat(json(response).at("/error/code").textValue()).isEqualTo("INVALID_IDEMPOTENCY_KEY");
        assertThat(json(response).at("/error/message").textValue()).startsWith("Parameter idempotencyKey ");
        assertThat(dynamoDbCalls).isEmpty();
    }

    @Test
    void lookUp_whenKeyIsLongerThanIngestAllows_answers400() {
        APIGatewayProxyResponseEvent response = lookUp(Map.of("idempotencyKey", "k".repeat(256)));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
        assertThat(json(response).at("/error/message").textValue())
                .isEqualTo("Parameter idempotencyKey must be at most 255 characters, was 256.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"eventType", "from", "to", "cursor"})
    void lookUp_whenCombinedWithAListFilter_answers400NamingBoth(String filter) {
        String value = switch (filter) {
            case "eventType" -> "job.created";
            case "from", "to" -> "2026-03-01T00:00:00Z";
            default -> "abc";
        };

        APIGatewayProxyResponseEvent response = lookUp(Map.of("idempotencyKey", "k1", filter, value));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
        JsonNode error = json(response).get("error");
        assertThat(error.get("code").textValue()).isEqualTo("CONFLICTING_PARAMETERS");
        assertThat(error.get("field").textValue()).isEqualTo("idempotencyKey");
        assertThat(error.get("message").textValue()).contains("idempotencyKey").contains(filter);
        assertThat(dynamoDbCalls).isEmpty();
    }

    @Test
    void lookUp_whenLimitIsOutOfRange_answers400AsTheListDoes() {
        APIGatewayProxyResponseEvent response = lookUp(Map.of("idempotencyKey", "k1", "limit", "0"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
        assertThat(json(response).at("/error/code").textValue()).isEqualTo("INVALID_LIMIT");
    }
}
