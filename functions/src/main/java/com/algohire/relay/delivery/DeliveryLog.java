package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryLogItems;
import java.time.Duration;
import java.time.Instant;
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
        Map<String, AttributeValue> item = DeliveryLogItems.item(eventId, entry,
                attemptedAt.plus(retention).getEpochSecond());
        dynamoDb.putItem(r -> r.tableName(table).item(item));
    }
}
