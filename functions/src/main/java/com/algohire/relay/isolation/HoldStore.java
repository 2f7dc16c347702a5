package com.algohire.relay.isolation;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Delivery tasks held for a subscription that may not be attempted now (breaker open, paused, disabled), kept in
 * the events table beside the events they deliver: pk {@code HOLD#<subscriptionId>}, sk {@code <heldAt>#<webhookId>}
 * (so a query returns them oldest first), the task as JSON (its attempt count included: holding never spends
 * one), and a TTL of the event retention (a held task outliving its event could only be dropped at delivery).
 *
 * <p>Beside them, a marker per subscription that holds tasks ({@code HOLDING#<shard>}, sk the subscription id, when
 * a task was last held), so that {@link HeldTaskWatchdog} reads the subscriptions that hold something, not all of
 * them. A hold writes its marker first (a failed marker write holds nothing), and skips it when this store wrote
 * that subscription's marker less than {@link #MARKER_REFRESH} ago: a breaker that is open for a busy subscriber
 * costs one small write per container and minute beside its holds, not one per hold, and one marker item never
 * becomes the hot key that the holds (spread over their sort keys) are not. The watchdog removes a marker only
 * when a consistent query finds no holds and the marker was last written more than {@link #MARKER_QUIET} ago (far
 * longer than a skipped refresh, a clock's skew and a hold's call can account for), conditional on that write
 * being the last: a hold racing the removal finds its marker, or writes it again.
 */
public final class HoldStore {
    static final String TASK = "task";
    static final String LAST_HELD = "lastHeld";
    /** Partitions of the markers: a few, so that even a storm of marker writes is spread. */
    static final int MARKER_SHARDS = 4;
    /** How long a store goes without writing a subscription's marker again while it holds tasks for it. */
    static final Duration MARKER_REFRESH = Duration.ofMinutes(1);
    /** How long after its last write a marker may be removed, if its subscription holds nothing. */
    static final Duration MARKER_QUIET = Duration.ofMinutes(10);
    /** Subscriptions whose marker writes a store remembers; beyond it forgets all (they are written again). */
    private static final int MARKED_LIMIT = 10_000;
    private static final String SHARD = "shard";
    private static final String AFTER = "after";
    private static final String BACKFILLED = "backfilled";
    private static final String BACKFILL_AFTER = "backfillAfter";

    /** One held task and the sort key that finds it again. */
    public record Held(String subscriptionId, String sortKey, DeliveryTask task) {
    }

    /** A page of the oldest held tasks, and whether more remain after it. */
    public record Page(List<Held> items, boolean more) {
    }

    /** A subscription that holds (or lately held) tasks, and when a task was last held for it as its marker says. */
    record Marker(String subscriptionId, Instant lastHeld) {
    }

    /** A page of one shard's markers in subscription-id order; {@code more} when the shard goes on after it. */
    record MarkerPage(List<Marker> items, boolean more) {
    }

    /**
     * Where the watchdog's walk of the markers stands between runs: the shard, and the last subscription id done in
     * it (null: from its start); and the one-time look through all subscriptions for holds older than the markers.
     */
    record Cursor(int shard, String after, boolean backfilled, String backfillAfter) {
        static final Cursor START = new Cursor(0, null, false, null);
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;
    private final ConcurrentMap<String, Instant> markedAt = new ConcurrentHashMap<>();

    public HoldStore(DynamoDbClient dynamoDb, String table, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
    }

    /** Holds {@code task} (a DELIVER) for its subscription, as of {@code now}, and marks the subscription holding. */
    public Held hold(DeliveryTask task, Instant now) {
        mark(task.subscriptionId(), now);
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

    /**
     * Marks {@code subscriptionId} as holding tasks, as of {@code now}, unless this store did so less than
     * {@link #MARKER_REFRESH} before. The marker expires a day after the holds it was last written for.
     */
    void mark(String subscriptionId, Instant now) {
        Instant last = markedAt.get(subscriptionId);
        if (last != null && !last.isBefore(now.minus(MARKER_REFRESH))) {
            return;
        }
        dynamoDb.updateItem(r -> r.tableName(table).key(markerKey(subscriptionId))
                .updateExpression("SET #lastHeld = :now, #expiresAt = :expiresAt")
                .expressionAttributeNames(Map.of("#lastHeld", LAST_HELD, "#expiresAt", RelaySchema.EXPIRES_AT))
                .expressionAttributeValues(Map.of(":now", AttributeValue.fromS(now.toString()),
                        ":expiresAt", AttributeValue.fromN(Long.toString(
                                now.plus(retention).plus(Duration.ofDays(1)).getEpochSecond())))));
        if (markedAt.size() >= MARKED_LIMIT) {
            markedAt.clear();
        }
        markedAt.put(subscriptionId, now);
    }

    /** Up to {@code limit} markers of {@code shard} after the subscription id {@code after} (null: from the start). */
    MarkerPage markers(int shard, String after, int limit) {
        QueryRequest.Builder query = QueryRequest.builder().tableName(table).limit(limit)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", RelaySchema.PK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(markerPk(shard))));
        if (after != null) {
            query.exclusiveStartKey(Map.of(RelaySchema.PK, AttributeValue.fromS(markerPk(shard)),
                    RelaySchema.SK, AttributeValue.fromS(after)));
        }
        QueryResponse response = dynamoDb.query(query.build());
        List<Marker> items = response.items().stream().map(item -> new Marker(item.get(RelaySchema.SK).s(),
                Instant.parse(item.get(LAST_HELD).s()))).toList();
        return new MarkerPage(items, response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty());
    }

    /** Removes {@code marker} unless a hold wrote it again since it was read; whether it did. */
    boolean release(Marker marker) {
        try {
            dynamoDb.deleteItem(r -> r.tableName(table).key(markerKey(marker.subscriptionId()))
                    .conditionExpression("#lastHeld = :lastHeld")
                    .expressionAttributeNames(Map.of("#lastHeld", LAST_HELD))
                    .expressionAttributeValues(Map.of(":lastHeld",
                            AttributeValue.fromS(marker.lastHeld().toString()))));
            return true;
        } catch (ConditionalCheckFailedException heldAgain) {
            return false;
        }
    }

    /** The watchdog's cursor, or {@link Cursor#START} when it never ran on this table. */
    Cursor cursor() {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(cursorKey())).item();
        if (item == null || item.isEmpty()) {
            return Cursor.START;
        }
        return new Cursor(Integer.parseInt(item.get(SHARD).n()), text(item, AFTER),
                item.containsKey(BACKFILLED) && item.get(BACKFILLED).bool(), text(item, BACKFILL_AFTER));
    }

    /** Stores the watchdog's cursor (only the sweeper writes it, one run at a time). */
    void saveCursor(Cursor cursor) {
        Map<String, AttributeValue> item = new HashMap<>(cursorKey());
        item.put(SHARD, AttributeValue.fromN(Integer.toString(cursor.shard())));
        item.put(BACKFILLED, AttributeValue.fromBool(cursor.backfilled()));
        if (cursor.after() != null) {
            item.put(AFTER, AttributeValue.fromS(cursor.after()));
        }
        if (cursor.backfillAfter() != null) {
            item.put(BACKFILL_AFTER, AttributeValue.fromS(cursor.backfillAfter()));
        }
        dynamoDb.putItem(r -> r.tableName(table).item(item));
    }

    static int shard(String subscriptionId) {
        return Math.floorMod(subscriptionId.hashCode(), MARKER_SHARDS); // String.hashCode is fixed by its spec
    }

    private static String markerPk(int shard) {
        return RelaySchema.HOLDING_PK_PREFIX + shard;
    }

    private static Map<String, AttributeValue> markerKey(String subscriptionId) {
        return Map.of(RelaySchema.PK, AttributeValue.fromS(markerPk(shard(subscriptionId))),
                RelaySchema.SK, AttributeValue.fromS(subscriptionId));
    }

    private static Map<String, AttributeValue> cursorKey() {
        return Map.of(RelaySchema.PK, AttributeValue.fromS(RelaySchema.WATCHDOG_CURSOR),
                RelaySchema.SK, AttributeValue.fromS(RelaySchema.WATCHDOG_CURSOR));
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }
}
