package com.algohire.relay.delivery;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.EventItems;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Records each webhook attempt beside its event, where {@code GET /api/v1/events/{id}} shows it as deliveryLogs. */
final class DeliveryLog {
    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;

    DeliveryLog(DynamoDbClient dynamoDb, String table, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
    }

    void record(String eventId, DeliveryLogEntry entry, Instant attemptedAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, s(EventItems.eventPk(eventId)));
        item.put(RelaySchema.SK, s(DeliveryLogEntry.SK_PREFIX + entry.attemptedAt() + "#" + entry.subscriptionId()
                + "#" + entry.attempt()));
        item.put("attempt", n(entry.attempt()));
        item.put("subscriptionId", s(entry.subscriptionId()));
        item.put("webhookId", s(entry.webhookId()));
        item.put("url", s(entry.url()));
        if (entry.statusCode() != null) {
            item.put("statusCode", n(entry.statusCode()));
        }
        item.put("latencyMs", n(entry.latencyMs()));
        if (entry.errorKind() != null) {
            item.put("errorKind", s(entry.errorKind()));
        }
        if (entry.responseBody() != null && !entry.responseBody().isEmpty()) {
            item.put("responseBody", s(entry.responseBody()));
        }
        item.put("outcome", s(entry.outcome()));
        item.put("attemptedAt", s(entry.attemptedAt()));
        item.put(RelaySchema.EXPIRES_AT, n(attemptedAt.plus(retention).getEpochSecond()));
        dynamoDb.putItem(r -> r.tableName(table).item(item));
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
