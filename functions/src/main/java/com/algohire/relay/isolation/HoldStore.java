package com.algohire.relay.isolation;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Delivery tasks held for a subscription that may not be attempted now (breaker open, paused, disabled), kept in
 * the events table beside the events they deliver: pk {@code HOLD#<subscriptionId>}, sk {@code <heldAt>#<webhookId>}
 * (so a query returns them oldest first), the task as JSON (its attempt count included: holding never spends
 * one), and a TTL of the event retention (a held task outliving its event could only be dropped at delivery).
 */
public final class HoldStore {
    static final String TASK = "task";

    /** One held task and the sort key that finds it again. */
    public record Held(String subscriptionId, String sortKey, DeliveryTask task) {
    }

    /** A page of the oldest held tasks, and whether more remain after it. */
    public record Page(List<Held> items, boolean more) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;

    public HoldStore(DynamoDbClient dynamoDb, String table, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
    }

    /** Holds {@code task} (a DELIVER) for its subscription, as of {@code now}. */
    public Held hold(DeliveryTask task, Instant now) {
        String sortKey = now + "#" + task.webhookId();
        dynamoDb.putItem(r -> r.tableName(table).item(Map.of(
                RelaySchema.PK, AttributeValue.fromS(pk(task.subscriptionId())),
                RelaySchema.SK, AttributeValue.fromS(sortKey),
                TASK, AttributeValue.fromS(TaskQueue.toJson(task)),
                RelaySchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(now.plus(retention).getEpochSecond())))));
        return new Held(task.subscriptionId(), sortKey, task);
    }

    /** Up to {@code limit} of the subscription's held tasks, oldest first (consistent: a drain sees every hold). */
    public Page oldest(String subscriptionId, int limit) {
        QueryResponse response = dynamoDb.query(r -> r.tableName(table).consistentRead(true).limit(limit)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", RelaySchema.PK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk(subscriptionId))))
                .scanIndexForward(true));
        List<Held> items = response.items().stream().map(item -> new Held(subscriptionId,
                item.get(RelaySchema.SK).s(), TaskQueue.fromJson(item.get(TASK).s()))).toList();
        return new Page(items, response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty());
    }

    /**
     * Keeps {@code held} where it is in its subscription's order (and its expiry), carrying {@code task} from now
     * on. Gone meanwhile (a drain re-queued it, or it expired): left gone, never written back as a second copy.
     */
    public void replace(Held held, DeliveryTask task) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(Map.of(
                    RelaySchema.PK, AttributeValue.fromS(pk(held.subscriptionId())),
                    RelaySchema.SK, AttributeValue.fromS(held.sortKey())))
                    .updateExpression("SET #task = :task")
                    .conditionExpression("attribute_exists(#pk)")
                    .expressionAttributeNames(Map.of("#task", TASK, "#pk", RelaySchema.PK))
                    .expressionAttributeValues(Map.of(":task", AttributeValue.fromS(TaskQueue.toJson(task)))));
        } catch (ConditionalCheckFailedException e) {
            // drained or expired meanwhile
        }
    }

    public void delete(Held held) {
        dynamoDb.deleteItem(r -> r.tableName(table).key(Map.of(
                RelaySchema.PK, AttributeValue.fromS(pk(held.subscriptionId())),
                RelaySchema.SK, AttributeValue.fromS(held.sortKey()))));
    }

    static String pk(String subscriptionId) {
        return RelaySchema.HOLD_PK_PREFIX + subscriptionId;
    }
}
