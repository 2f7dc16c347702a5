package com.algohire.relay.ingest;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.TaskQueue;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The second half of the dual write, shared by ingest and the sweeper: claim a stored event's enqueue lease,
 * send its fan-out task, and mark it QUEUED (which also drops it from the sparse pending index). See
 * docs/architecture.md, "Idempotency and the enqueue".
 */
final class PendingEvents {
    private final DynamoDbClient dynamoDb;
    private final TaskQueue queue;
    private final String table;
    private final Clock clock;
    private final Duration lease;

    PendingEvents(DynamoDbClient dynamoDb, TaskQueue queue, String table, Clock clock, Duration lease) {
        this.dynamoDb = dynamoDb;
        this.queue = queue;
        this.table = table;
        this.clock = clock;
        this.lease = lease;
    }

    long newLeaseUntil() {
        return clock.millis() + lease.toMillis();
    }

    /**
     * Takes over an event whose enqueue failed or whose owner's lease ran out; false when someone else holds it
     * or it is already queued. Each claim writes a token of its own beside the lease, so that a claim whose reply
     * was lost (the SDK's retry then fails the condition on our own committed write) is recognised as ours.
     */
    boolean claim(String eventId) {
        String token = UUID.randomUUID().toString();
        RuntimeException failure = null;
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(eventId))
                    .updateExpression("SET #status = :pending, #lease = :lease, #owner = :token")
                    .conditionExpression("#status = :failed OR (#status = :pending AND #lease < :now)")
                    .expressionAttributeNames(Map.of("#status", EventItems.STATUS, "#lease", EventItems.LEASE_UNTIL,
                            "#owner", EventItems.LEASE_OWNER))
                    .expressionAttributeValues(Map.of(
                            ":pending", AttributeValue.fromS(EventItems.STATUS_PENDING),
                            ":failed", AttributeValue.fromS(EventItems.STATUS_ENQUEUE_FAILED),
                            ":lease", AttributeValue.fromN(Long.toString(newLeaseUntil())),
                            ":token", AttributeValue.fromS(token),
                            ":now", AttributeValue.fromN(Long.toString(clock.millis())))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            // ours if our own write committed before the SDK's retry; read back to tell
        } catch (RuntimeException e) {
            failure = e;
        }
        Map<String, AttributeValue> item;
        try {
            item = dynamoDb.getItem(r -> r.tableName(table).key(key(eventId)).consistentRead(true)).item();
        } catch (RuntimeException readFailure) {
            if (failure == null) {
                throw readFailure;
            }
            failure.addSuppressed(readFailure);
            throw failure;
        }
        boolean ours = item != null && item.containsKey(EventItems.LEASE_OWNER)
                && token.equals(item.get(EventItems.LEASE_OWNER).s())
                && EventItems.STATUS_PENDING.equals(item.get(EventItems.STATUS).s());
        if (!ours && failure != null) {
            throw failure;
        }
        return ours;
    }

    /**
     * Sends the fan-out task, then marks the event QUEUED. A failed send marks it ENQUEUE_FAILED (best effort, so
     * a retry can take over at once instead of waiting out the lease) and rethrows.
     *
     * @return false when the task was sent but the QUEUED mark failed: the event is on its way, and the sweeper
     *         may send it once more after the lease (fan-out is at-least-once)
     */
    boolean enqueue(String eventId, String eventType) {
        try {
            queue.send(DeliveryTask.fanOut(eventId, eventType));
        } catch (RuntimeException e) {
            markFailed(eventId);
            throw e;
        }
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(eventId))
                    .updateExpression("SET #status = :queued REMOVE #shard, #lease, #owner")
                    .conditionExpression("attribute_exists(#pk)")
                    .expressionAttributeNames(Map.of("#status", EventItems.STATUS, "#lease", EventItems.LEASE_UNTIL,
                            "#shard", RelaySchema.PENDING_SHARD, "#pk", RelaySchema.PK,
                            "#owner", EventItems.LEASE_OWNER))
                    .expressionAttributeValues(Map.of(":queued", AttributeValue.fromS(EventItems.STATUS_QUEUED))));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void markFailed(String eventId) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(eventId))
                    .updateExpression("SET #status = :failed")
                    .conditionExpression("#status = :pending")
                    .expressionAttributeNames(Map.of("#status", EventItems.STATUS))
                    .expressionAttributeValues(Map.of(
                            ":pending", AttributeValue.fromS(EventItems.STATUS_PENDING),
                            ":failed", AttributeValue.fromS(EventItems.STATUS_ENQUEUE_FAILED))));
        } catch (RuntimeException ignored) {
            // The lease expiring does the same job, only later; the send failure is what the caller must hear about.
        }
    }

    private static Map<String, AttributeValue> key(String eventId) {
        return Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK));
    }
}
