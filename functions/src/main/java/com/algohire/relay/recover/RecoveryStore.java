package com.algohire.relay.recover;

import com.algohire.relay.config.RelaySchema;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Reads and writes recoveries: one item per recovery in the events table (pk {@code RECOVERY#<recoveryId>}, sk
 * {@code RECOVERY}), kept as long as the events it walks (TTL: the retention period after it was asked).
 *
 * <p>A step is claimed, then committed. The claim (a lease owned by the SQS message of the RECOVER task) keeps a
 * second copy of the task from running the same step beside it; the commit writes the step's counts and cursor
 * only if the step is still the one claimed, so a step is counted once however many copies of its task arrive.
 */
public final class RecoveryStore {
    static final String SK = "RECOVERY";
    private static final String RECOVERY_ID = "recoveryId";
    private static final String SUBSCRIPTION_ID = "subscriptionId";
    private static final String SINCE = "since";
    private static final String FROM = "from";
    private static final String UNTIL = "until";
    private static final String STATUS = "status";
    private static final String EXAMINED = "examined";
    private static final String MATCHED = "matched";
    private static final String ALREADY_DELIVERED = "alreadyDelivered";
    private static final String QUEUED = "queued";
    private static final String CREATED_AT = "createdAt";
    private static final String UPDATED_AT = "updatedAt";
    private static final String COMPLETED_AT = "completedAt";
    private static final String STEP = "step";
    private static final String CURSOR_DAY = "cursorDay";
    private static final String CURSOR_SHARD = "cursorShard";
    private static final String CURSOR_POSITION = "cursorPosition";
    private static final String LEASE_OWNER = "leaseOwner";
    private static final String LEASE_UNTIL = "leaseUntil";
    private static final String LAST_OWNER = "lastOwner";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;

    public RecoveryStore(DynamoDbClient dynamoDb, String table, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
    }

    /** Writes a new recovery (random ids: a clash is not expected, and would fail the put rather than merge). */
    public void create(Recovery recovery) {
        Map<String, AttributeValue> item = toItem(recovery);
        dynamoDb.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(#pk)")
                .expressionAttributeNames(Map.of("#pk", RelaySchema.PK)));
    }

    public Optional<Recovery> find(String recoveryId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(recoveryId))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    /**
     * Takes step {@code read.step()} for {@code owner} until {@code leaseUntil}: granted while the recovery runs,
     * is still at that step, and nobody else holds a live lease on it (the owner's own lease is granted again: its
     * task came back after a crash, or the SDK retried this very claim).
     */
    boolean claim(Recovery read, String owner, Instant leaseUntil, Instant now) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(read.recoveryId()))
                    .updateExpression("SET #owner = :owner, #until = :until")
                    .conditionExpression("#step = :step AND #status = :running AND (attribute_not_exists(#until) "
                            + "OR #until < :now OR #owner = :owner)")
                    .expressionAttributeNames(Map.of("#owner", LEASE_OWNER, "#until", LEASE_UNTIL, "#step", STEP,
                            "#status", STATUS))
                    .expressionAttributeValues(Map.of(":owner", s(owner), ":until", n(leaseUntil.toEpochMilli()),
                            ":step", n(read.step()), ":running", s(Recovery.Status.RUNNING.name()),
                            ":now", n(now.toEpochMilli()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Writes {@code next}, the recovery after the step {@code owner} claimed at {@code claimedStep}, releasing the
     * lease; only if the step is still that one and still {@code owner}'s.
     *
     * @return false when it was not (the lease expired and another task took the step over)
     */
    boolean commit(Recovery next, long claimedStep, String owner) {
        Map<String, AttributeValue> item = toItem(next);
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item)
                    .conditionExpression("#step = :step AND #owner = :owner")
                    .expressionAttributeNames(Map.of("#step", STEP, "#owner", LEASE_OWNER))
                    .expressionAttributeValues(Map.of(":step", n(claimedStep), ":owner", s(owner))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            // Also refused when this very put landed, lost its reply and the SDK retried it.
            return find(next.recoveryId()).filter(r -> r.step() == next.step() && owner.equals(r.lastOwner()))
                    .isPresent();
        }
    }

    /** Marks a recovery whose first task could not be queued FAILED: nothing will carry it on. */
    void commitFailed(Recovery recovery, Instant now) {
        dynamoDb.updateItem(r -> r.tableName(table).key(key(recovery.recoveryId()))
                .updateExpression("SET #status = :failed, #updated = :now, #completed = :now")
                .conditionExpression("#step = :zero")
                .expressionAttributeNames(Map.of("#status", STATUS, "#updated", UPDATED_AT,
                        "#completed", COMPLETED_AT, "#step", STEP))
                .expressionAttributeValues(Map.of(":failed", s(Recovery.Status.FAILED.name()),
                        ":now", s(now.toString()), ":zero", n(0))));
    }

    private static Map<String, AttributeValue> key(String recoveryId) {
        return Map.of(RelaySchema.PK, s(RelaySchema.RECOVERY_PK_PREFIX + recoveryId), RelaySchema.SK, s(SK));
    }

    private Map<String, AttributeValue> toItem(Recovery r) {
        Map<String, AttributeValue> item = new HashMap<>(key(r.recoveryId()));
        item.put(RECOVERY_ID, s(r.recoveryId()));
        item.put(SUBSCRIPTION_ID, s(r.subscriptionId()));
        item.put(SINCE, s(r.since().toString()));
        item.put(FROM, s(r.from().toString()));
        item.put(UNTIL, s(r.until().toString()));
        item.put(STATUS, s(r.status().name()));
        item.put(EXAMINED, n(r.examined()));
        item.put(MATCHED, n(r.matched()));
        item.put(ALREADY_DELIVERED, n(r.alreadyDelivered()));
        item.put(QUEUED, n(r.queued()));
        item.put(CREATED_AT, s(r.createdAt().toString()));
        item.put(UPDATED_AT, s(r.updatedAt().toString()));
        if (r.completedAt() != null) {
            item.put(COMPLETED_AT, s(r.completedAt().toString()));
        }
        item.put(STEP, n(r.step()));
        item.put(CURSOR_DAY, s(r.cursor().day()));
        item.put(CURSOR_SHARD, n(r.cursor().shard()));
        if (r.cursor().position() != null) {
            item.put(CURSOR_POSITION, s(r.cursor().position()));
        }
        if (r.leaseOwner() != null) {
            item.put(LEASE_OWNER, s(r.leaseOwner()));
        }
        if (r.leaseUntil() != null) {
            item.put(LEASE_UNTIL, n(r.leaseUntil().toEpochMilli()));
        }
        if (r.lastOwner() != null) {
            item.put(LAST_OWNER, s(r.lastOwner()));
        }
        item.put(RelaySchema.EXPIRES_AT, n(r.createdAt().plus(retention).getEpochSecond()));
        return item;
    }

    private static Recovery fromItem(Map<String, AttributeValue> item) {
        return new Recovery(string(item, RECOVERY_ID), string(item, SUBSCRIPTION_ID), instant(item, SINCE),
                instant(item, FROM), instant(item, UNTIL), Recovery.Status.valueOf(string(item, STATUS)),
                number(item, EXAMINED), number(item, MATCHED), number(item, ALREADY_DELIVERED), number(item, QUEUED),
                instant(item, CREATED_AT), instant(item, UPDATED_AT), instant(item, COMPLETED_AT),
                number(item, STEP), new Recovery.Cursor(string(item, CURSOR_DAY), (int) number(item, CURSOR_SHARD),
                        string(item, CURSOR_POSITION)),
                string(item, LEASE_OWNER),
                item.containsKey(LEASE_UNTIL) ? Instant.ofEpochMilli(number(item, LEASE_UNTIL)) : null,
                string(item, LAST_OWNER));
    }

    private static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        String text = string(item, name);
        return text == null ? null : Instant.parse(text);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
