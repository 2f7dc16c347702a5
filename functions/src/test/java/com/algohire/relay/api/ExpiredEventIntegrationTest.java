package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.testing.TestResources;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An event past its expiresAt is gone everywhere, whether or not DynamoDB's TTL has deleted its item yet. */
@ExtendWith(SharedAwsBackend.class)
class ExpiredEventIntegrationTest {
    private static final Instant START = Instant.parse("2026-01-01T10:00:00Z");

    private static StructuredLog quietLog(MutableClock clock) {
        return new StructuredLog(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), clock);
    }

    @Test
    void getAndReplay_whenLargeEventExpiredAndLifecycleDeletedItsPayloadBeforeTtl_return404Not500(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        MutableClock clock = new MutableClock(START);
        StructuredLog log = quietLog(clock);
        IngestApiHandler events = new IngestApiHandler(aws.config(), aws.dynamoDb, aws.sqs, aws.s3, clock, log);
        ManagementApiHandler management = new ManagementApiHandler(aws.config(), aws.dynamoDb, aws.sqs,
                new EventStore(aws.dynamoDb, new PayloadStore(aws.s3, aws.config().payloadBucket()),
                        aws.config().eventsTable(), clock), clock, log);
        String payload = "{\"blob\":\"" + "z".repeat(400_000) + "\"}";
        String eventId = json(events.handleRequest(
                Requests.post("expiring", Requests.body("job.created", payload)), null)).get("eventId").textValue();
        assertThat(events.handleRequest(Requests.get("/api/v1/events/" + eventId, null), null).getStatusCode())
                .isEqualTo(200);

        // The retention period passes; S3's lifecycle rule removes the payload object, TTL has not run yet.
        clock.advance(aws.config().retention().plus(Duration.ofHours(1)));
        aws.s3.deleteObject(r -> r.bucket(aws.config().payloadBucket()).key(EventItems.payloadKey(eventId)));
        assertThat(aws.dynamoDb.getItem(r -> r.tableName(aws.config().eventsTable()).key(Map.of(
                RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK))))
                .item()).as("the item outlives its expiresAt until TTL runs").isNotEmpty();

        APIGatewayProxyResponseEvent get = events.handleRequest(Requests.get("/api/v1/events/" + eventId, null), null);
        APIGatewayProxyResponseEvent replay = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withPath("/api/v1/events/" + eventId + "/replay"), null);

        assertThat(get.getStatusCode()).as(get.getBody()).isEqualTo(404);
        assertThat(json(get).at("/error/code").asText()).isEqualTo("EVENT_NOT_FOUND");
        assertThat(replay.getStatusCode()).as(replay.getBody()).isEqualTo(404);
    }

    @Test
    void list_whenAnEventIsPastItsExpiresAtButInsideTheListedRange_leavesItOut(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        MutableClock clock = new MutableClock(START);
        StructuredLog log = quietLog(clock);
        // Stored while the retention period was one day; listed after it was raised to thirty.
        IngestApiHandler shortRetention = new IngestApiHandler(aws.config(Map.of(EnvVars.EVENT_RETENTION_DAYS, "1")),
                aws.dynamoDb, aws.sqs, aws.s3, clock, log);
        String expired = json(shortRetention.handleRequest(Requests.post("short", Requests.body("job.created", "{}")),
                null)).get("eventId").textValue();
        clock.advance(Duration.ofDays(2));
        IngestApiHandler events = new IngestApiHandler(aws.config(), aws.dynamoDb, aws.sqs, aws.s3, clock, log);
        String live = json(events.handleRequest(Requests.post("live", Requests.body("job.created", "{}")), null))
                .get("eventId").textValue();

        for (Map<String, String> query : java.util.List.of(Map.<String, String>of(), Map.of("eventType",
                "job.created"))) {
            APIGatewayProxyResponseEvent page = events.handleRequest(Requests.get("/api/v1/events", query), null);
            assertThat(page.getStatusCode()).as(page.getBody()).isEqualTo(200);
            assertThat(json(page).get("events")).as(query.toString()).extracting(e -> e.get("id").asText())
                    .containsExactly(live).doesNotContain(expired);
        }
    }
}
