package com.algohire.relay.event;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Reads accepted events and their delivery logs from the events table, resolving payloads kept in S3, so no
 * reader needs to know where a payload lives.
 */
public final class EventStore {
    /** Bounds one event's log read: the retry budget allows far fewer attempts per subscription. */
    private static final int MAX_LOG_ENTRIES = 1000;

    private final DynamoDbClient dynamoDb;
    private final PayloadStore payloads;
    private final String table;
    private final Clock clock;

    public EventStore(DynamoDbClient dynamoDb, S3Client s3, RelayConfig config) {
        this(dynamoDb, new PayloadStore(s3, config.payloadBucket()), config.eventsTable(), Clock.systemUTC());
    }

    public EventStore(DynamoDbClient dynamoDb, PayloadStore payloads, String table, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.payloads = payloads;
        this.table = table;
        this.clock = clock;
    }

    /** How an event is read: each reader says which it needs. */
    public enum Consistency {
        /** One strongly consistent read (2x the read units): for readers right after a write they must see. */
        STRONG,
        /**
         * An eventually consistent read (half the units), and only when it finds nothing a strongly consistent one
         * before concluding the event is gone: for the delivery, whose event was written before its task was sent
         * and never changes in a way delivery uses. A read that lags (item not there yet) never drops a delivery.
         */
        EVENTUAL_CONFIRMED
    }

    /** As {@link #find(String, Consistency)}, strongly consistent. */
    public Optional<StoredEvent> find(String eventId) {
        return find(eventId, Consistency.STRONG);
    }

    /**
     * The event with its payload (from S3 when large), or empty when unknown or expired.
     *
     * <p>An event past its {@code expiresAt} is gone, whether or not DynamoDB's TTL has deleted the item yet (TTL
     * runs days late): its payload object may already be gone with the bucket's lifecycle rule, and a retention
     * period that ends at a different moment for each reader is no retention period.
     */
    public Optional<StoredEvent> find(String eventId, Consistency consistency) {
        Map<String, AttributeValue> item = getEvent(eventId, consistency == Consistency.STRONG);
        if (isEmpty(item) && consistency == Consistency.EVENTUAL_CONFIRMED) {
            item = getEvent(eventId, true);
        }
        if (isEmpty(item) || expired(item, clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(toEvent(item));
    }

    private Map<String, AttributeValue> getEvent(String eventId, boolean consistent) {
        return dynamoDb.getItem(r -> r.tableName(table).consistentRead(consistent)
                .key(Map.of(RelaySchema.PK, s(EventItems.eventPk(eventId)), RelaySchema.SK, s(EventItems.EVENT_SK))))
                .item();
    }

    private static boolean isEmpty(Map<String, AttributeValue> item) {
        return item == null || item.isEmpty();
    }

    /**
     * The live event an idempotency key names, as a list entry, or empty: two strongly consistent GetItems (the
     * key's item, then its event's), never a scan or a query of the list indexes. Empty as well when the key's item
     * or its event has expired (as {@link #find}), or when the event item is not written yet (a request still
     * between its two puts) or no longer carries this key.
     */
    public Optional<EventSummary> findByIdempotencyKey(String idempotencyKey) {
        Instant now = clock.instant();
        Map<String, AttributeValue> key = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of(RelaySchema.PK, s(EventItems.keyPk(idempotencyKey)), RelaySchema.SK, s(EventItems.KEY_SK)))
                .projectionExpression("#eventId, #exp")
                .expressionAttributeNames(Map.of("#eventId", EventItems.EVENT_ID, "#exp", RelaySchema.EXPIRES_AT)))
                .item();
        if (key == null || key.isEmpty() || expired(key, now) || str(key, EventItems.EVENT_ID) == null) {
            return Optional.empty();
        }
        // Only the summary's attributes: a large payload is not read (from S3 or the item) to answer a lookup.
        Map<String, AttributeValue> event = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of(RelaySchema.PK, s(EventItems.eventPk(str(key, EventItems.EVENT_ID))),
                        RelaySchema.SK, s(EventItems.EVENT_SK)))
                .projectionExpression("#eventId, #type, #key, #received, #exp")
                .expressionAttributeNames(Map.of("#eventId", EventItems.EVENT_ID, "#type", RelaySchema.EVENT_TYPE,
                        "#key", EventItems.IDEMPOTENCY_KEY, "#received", EventItems.RECEIVED_AT,
                        "#exp", RelaySchema.EXPIRES_AT)))
                .item();
        if (event == null || event.isEmpty() || expired(event, now)
                || !idempotencyKey.equals(str(event, EventItems.IDEMPOTENCY_KEY))) {
            return Optional.empty();
        }
        return Optional.of(new EventSummary(str(event, EventItems.EVENT_ID), str(event, RelaySchema.EVENT_TYPE),
                str(event, EventItems.IDEMPOTENCY_KEY), str(event, EventItems.RECEIVED_AT)));
    }

    /** Whether an item's {@code expiresAt} (epoch seconds, DynamoDB's TTL attribute) has passed. */
    private static boolean expired(Map<String, AttributeValue> item, Instant now) {
        AttributeValue expiresAt = item.get(RelaySchema.EXPIRES_AT);
        if (expiresAt == null || expiresAt.n() == null) {
            return false;
        }
        try {
            return Long.parseLong(expiresAt.n()) <= now.getEpochSecond();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The event's delivery attempts, oldest first (the sort key starts with the attempt time). */
    public List<DeliveryLogEntry> deliveryLogs(String eventId) {
        List<DeliveryLogEntry> entries = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder query = QueryRequest.builder().tableName(table)
                    .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expressionAttributeNames(Map.of("#pk", RelaySchema.PK, "#sk", RelaySchema.SK))
                    .expressionAttributeValues(Map.of(":pk", s(EventItems.eventPk(eventId)),
                            ":prefix", s(DeliveryLogItems.SK_PREFIX)))
                    .scanIndexForward(true);
            if (start != null) {
                query.exclusiveStartKey(start);
            }
            QueryResponse page = dynamoDb.query(query.build());
            page.items().forEach(item -> entries.add(DeliveryLogItems.entry(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && entries.size() < MAX_LOG_ENTRIES);
        return entries;
    }

    StoredEvent toEvent(Map<String, AttributeValue> item) {
        String payloadJson = item.containsKey(EventItems.PAYLOAD_KEY)
                ? payloads.get(item.get(EventItems.PAYLOAD_KEY).s())
                : str(item, EventItems.PAYLOAD);
        return new StoredEvent(str(item, EventItems.EVENT_ID), str(item, RelaySchema.EVENT_TYPE),
                str(item, EventItems.IDEMPOTENCY_KEY), payloadJson, Instant.parse(str(item, EventItems.RECEIVED_AT)),
                str(item, EventItems.STATUS), str(item, EventItems.TEST_FOR));
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        return EventItems.string(item, name);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
