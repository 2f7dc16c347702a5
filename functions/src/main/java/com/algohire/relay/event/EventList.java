package com.algohire.relay.event;

import com.algohire.relay.api.ApiException;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Lists events newest first through the byType index (with an eventType filter) or by walking the byDay index
 * backwards one day at a time (without); never a table scan.
 */
public final class EventList {
    private static final TypeReference<Map<String, Object>> CURSOR_TYPE = new TypeReference<>() {
    };

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;

    public EventList(DynamoDbClient dynamoDb, String table, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
    }

    /**
     * @param eventType null for all types
     * @param cursor    a previous page's nextCursor, or null
     */
    public EventPage list(String eventType, Instant from, Instant to, int limit, String cursor) {
        String index = eventType == null ? RelaySchema.INDEX_BY_DAY : RelaySchema.INDEX_BY_TYPE;
        Cursor position = cursor == null ? null : Cursor.decode(cursor, index);
        String low = EventItems.timestamp(from);
        // '~' sorts after every character of "#<uuid>", so events at exactly `to` are included.
        String high = EventItems.timestamp(to) + "#~";
        List<EventSummary> events = new ArrayList<>();
        if (position != null && position.key() != null) {
            // DynamoDB refuses (ValidationException, so a 500) a start key outside the query's partition or range:
            // a cursor from another filter is the caller's mistake, and a changed range is answered, not refused.
            Map<String, AttributeValue> key = position.key();
            String partition = key.get(eventType == null ? RelaySchema.RECEIVED_DAY : RelaySchema.EVENT_TYPE).s();
            if (!partition.equals(eventType == null ? position.day().toString() : eventType)) {
                throw Cursor.invalid();
            }
            String sort = key.get(RelaySchema.RECEIVED_SORT).s();
            if (sort.compareTo(low) < 0) {
                // Newest first: everything after this key is older than `from`.
                return new EventPage(events, null);
            }
            if (sort.compareTo(high) > 0) {
                // Everything in the range is older than this key: start at the range's newest event.
                position = new Cursor(index, position.day(), null);
            }
        }
        if (eventType != null) {
            Map<String, AttributeValue> start = position == null ? null : position.key();
            do {
                QueryResponse page = query(index, RelaySchema.EVENT_TYPE, eventType, low, high, limit - events.size(), start);
                page.items().forEach(item -> events.add(summary(item)));
                start = lastKey(page);
            } while (start != null && events.size() < limit);
            return new EventPage(events, start == null ? null : new Cursor(index, null, start).encode());
        }
        LocalDate firstDay = LocalDate.parse(EventItems.day(from));
        // Nothing older than the retention period survives, so the walk never goes further back than that.
        LocalDate oldestKept = LocalDate.parse(EventItems.day(to.minus(retention))).minusDays(1);
        if (firstDay.isBefore(oldestKept)) {
            firstDay = oldestKept;
        }
        LocalDate day = position == null ? LocalDate.parse(EventItems.day(to)) : position.day();
        Map<String, AttributeValue> start = position == null ? null : position.key();
        while (!day.isBefore(firstDay)) {
            QueryResponse page = query(index, RelaySchema.RECEIVED_DAY, day.toString(), low, high,
                    limit - events.size(), start);
            page.items().forEach(item -> events.add(summary(item)));
            start = lastKey(page);
            if (start == null) {
                day = day.minusDays(1);
            }
            if (events.size() >= limit) {
                boolean more = start != null || !day.isBefore(firstDay);
                return new EventPage(events, more ? new Cursor(index, day, start).encode() : null);
            }
        }
        return new EventPage(events, null);
    }

    private QueryResponse query(String index, String partitionName, String partitionValue, String low, String high,
                                int limit, Map<String, AttributeValue> start) {
        QueryRequest.Builder query = QueryRequest.builder().tableName(table).indexName(index)
                .keyConditionExpression("#p = :p AND #sort BETWEEN :low AND :high")
                // Only event items belong in a list, whatever else someday carries these attributes.
                .filterExpression("#sk = :eventSk")
                .expressionAttributeNames(Map.of("#p", partitionName, "#sort", RelaySchema.RECEIVED_SORT,
                        "#sk", RelaySchema.SK))
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(partitionValue),
                        ":low", AttributeValue.fromS(low), ":high", AttributeValue.fromS(high),
                        ":eventSk", AttributeValue.fromS(EventItems.EVENT_SK)))
                .scanIndexForward(false)
                .limit(limit);
        if (start != null) {
            query.exclusiveStartKey(start);
        }
        return dynamoDb.query(query.build());
    }

    private static Map<String, AttributeValue> lastKey(QueryResponse page) {
        return page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    }

    private static EventSummary summary(Map<String, AttributeValue> item) {
        return new EventSummary(item.get(EventItems.EVENT_ID).s(), item.get(RelaySchema.EVENT_TYPE).s(),
                item.get(EventItems.IDEMPOTENCY_KEY).s(), item.get(EventItems.RECEIVED_AT).s());
    }

    /** Where the next page starts: the index, the day being walked (byDay only) and DynamoDB's start key. */
    record Cursor(String index, LocalDate day, Map<String, AttributeValue> key) {

        String encode() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("i", index);
            if (day != null) {
                json.put("d", day.toString());
            }
            if (key != null) {
                Map<String, String> strings = new LinkedHashMap<>();
                key.forEach((name, value) -> strings.put(name, value.s()));
                json.put("k", strings);
            }
            try {
                return Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(Json.mapper().writeValueAsBytes(json));
            } catch (Exception e) {
                throw new IllegalStateException("cursor is not serializable", e);
            }
        }

        /** Any cursor not produced by {@link #encode()} for the same kind of query is a 400, never a 500. */
        static Cursor decode(String text, String expectedIndex) {
            try {
                Map<String, Object> json = Json.mapper().readValue(
                        new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8), CURSOR_TYPE);
                if (!expectedIndex.equals(json.get("i"))) {
                    throw invalid();
                }
                LocalDate day = json.get("d") instanceof String d ? LocalDate.parse(d) : null;
                if (RelaySchema.INDEX_BY_DAY.equals(expectedIndex) && day == null) {
                    throw invalid();
                }
                Map<String, AttributeValue> key = null;
                if (json.get("k") instanceof Map<?, ?> raw) {
                    key = new HashMap<>();
                    for (Map.Entry<?, ?> entry : raw.entrySet()) {
                        if (!(entry.getKey() instanceof String name) || !(entry.getValue() instanceof String value)) {
                            throw invalid();
                        }
                        key.put(name, AttributeValue.fromS(value));
                    }
                    if (!key.keySet().equals(java.util.Set.of(RelaySchema.PK, RelaySchema.SK, RelaySchema.RECEIVED_SORT,
                            expectedIndex.equals(RelaySchema.INDEX_BY_DAY) ? RelaySchema.RECEIVED_DAY
                                    : RelaySchema.EVENT_TYPE))) {
                        throw invalid();
                    }
                }
                return new Cursor(expectedIndex, day, key);
            } catch (ApiException e) {
                throw e;
            } catch (Exception e) {
                throw invalid();
            }
        }

        private static ApiException invalid() {
            return new ApiException(400, "INVALID_CURSOR", "Parameter cursor is not a cursor returned by this "
                    + "list (with the same eventType filter).");
        }
    }
}
