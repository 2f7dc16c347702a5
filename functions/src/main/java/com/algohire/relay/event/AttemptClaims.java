package com.algohire.relay.event;

import com.algohire.relay.config.RelaySchema;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Keeps a webhook's attempts within its budget however often its task is duplicated. A task can exist twice without
 * anyone doing wrong (SQS delivers at least once; a SendMessage whose reply was lost was stored after all; a fan-out
 * is retried whole; a recover re-queues an event that is still retrying), and each copy would run its own retry
 * chain, spending the whole budget again and parking its own DLQ copy. So before each HTTP attempt the delivery
 * claims it: one small item per webhook-id beside the event (pk {@code EVENT#<eventId>}, sk
 * {@code CLAIM#<webhookId>}) holding the highest (round, attempt) claimed, who claimed it (the SQS message id of the
 * copy, or the hold it was taken from), until when, and whether it was settled. A copy whose attempt is behind the
 * claim, or equal to a settled one, is superseded and stops; one equal to a claim still in flight waits for it;
 * the claimer itself (its message back after a crash or a deadline) may repeat its own attempt.
 *
 * <p>A round is a fresh budget for the same webhook-id: the original delivery is round 0, the copy parked in the DLQ
 * carries the next round (so a redrive, which moves it unchanged, starts its attempts at 1 again, and two parked
 * copies of one chain are the same round: only one of them runs), and a recover queues the round after the one
 * claimed. The rule is {@link #judge}, without I/O; this class only reads and writes the item.
 *
 * <p>Unknown outcomes: a claim whose call fails may have been written, and is then its claimer's, who may repeat
 * it; a settle mark that is lost only lets a duplicate take over after the lease (one attempt more, never a chain).
 * An attempt whose settling send fails records the send it owes ({@link #unsettled}): its message comes back and
 * makes that send instead of the HTTP attempt again, so even a lost reply costs no attempt beyond the budget.
 */
public final class AttemptClaims {
    public static final String SK_PREFIX = "CLAIM#";
    static final String ROUND = "round";
    static final String ATTEMPT = "attempt";
    static final String CLAIMER = "claimer";
    static final String LEASE_UNTIL = "leaseUntil";
    static final String SETTLED = "settled";
    static final String PENDING_QUEUE = "pendingQueue";
    static final String PENDING_TASK = "pendingTask";

    /** What a copy of a task may do about the attempt it carries. */
    public enum Verdict {
        /** Claimed: make the attempt. */
        ATTEMPT,
        /** Another copy is ahead of this one, or made and settled this attempt: this copy stops (it is redundant). */
        SUPERSEDED,
        /** Another copy is making this attempt now: come back when its lease ends, in case it never settles it. */
        IN_FLIGHT
    }

    /** The claim as stored. */
    public record Claim(int round, int attempt, String claimer, Instant leaseUntil, boolean settled) {
    }

    /**
     * A verdict; for {@link Verdict#IN_FLIGHT}, how long until the other claim's lease ends; for the claimer's own
     * repeat of an attempt it made but could not settle, the send it still owes ({@link #unsettled}), else null.
     */
    public record Decision(Verdict verdict, Duration retryIn, Pending pending) {
        static Decision of(Verdict verdict) {
            return new Decision(verdict, Duration.ZERO, null);
        }
    }

    /** A send an attempt owes (its next attempt's task, or its DLQ copy) and the queue it goes to. */
    public record Pending(String queueUrl, String taskJson) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;

    public AttemptClaims(DynamoDbClient dynamoDb, String table, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
    }

    /**
     * The rule: what a copy at ({@code round}, {@code attempt}), claiming as {@code claimer}, may do given the stored
     * claim ({@code null}: none).
     */
    public static Decision judge(Claim stored, int round, int attempt, String claimer, Instant now) {
        if (stored == null) {
            return Decision.of(Verdict.ATTEMPT);
        }
        int order = stored.round() != round ? Integer.compare(round, stored.round())
                : Integer.compare(attempt, stored.attempt());
        if (order > 0) {
            return Decision.of(Verdict.ATTEMPT);
        }
        if (order < 0) {
            return Decision.of(Verdict.SUPERSEDED);
        }
        if (claimer.equals(stored.claimer())) {
            return Decision.of(Verdict.ATTEMPT);
        }
        if (stored.settled()) {
            return Decision.of(Verdict.SUPERSEDED);
        }
        if (stored.leaseUntil() == null || !now.isBefore(stored.leaseUntil())) {
            return Decision.of(Verdict.ATTEMPT); // its claimer died or gave up without settling: take it over
        }
        return new Decision(Verdict.IN_FLIGHT, Duration.between(now, stored.leaseUntil()), null);
    }

    /**
     * Claims attempt {@code attempt} of {@code round} for {@code claimer} until {@code leaseUntil}, in one
     * conditional write that passes exactly when {@link #judge} says ATTEMPT.
     *
     * @throws RuntimeException when the write's outcome is unknown: the caller makes no attempt and comes back as
     *                          the same claimer (if the write did land, the claim is its own)
     */
    public Decision claim(String eventId, String webhookId, int round, int attempt, String claimer, Instant now,
                          Instant leaseUntil) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":r", n(round));
        values.put(":a", n(attempt));
        values.put(":c", AttributeValue.fromS(claimer));
        values.put(":lease", n(leaseUntil.toEpochMilli()));
        values.put(":now", n(now.toEpochMilli()));
        values.put(":false", AttributeValue.fromBool(false));
        values.put(":exp", n(now.plus(retention).getEpochSecond()));
        try {
            Map<String, AttributeValue> old = dynamoDb.updateItem(r -> r.tableName(table).key(key(eventId, webhookId))
                    .updateExpression("SET #r = :r, #a = :a, #c = :c, #l = :lease, #s = :false, #exp = :exp")
                    .conditionExpression("attribute_not_exists(#r) OR #r < :r OR (#r = :r AND (#a < :a OR "
                            + "(#a = :a AND (#c = :c OR (#s = :false AND #l <= :now)))))")
                    .expressionAttributeNames(names())
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_OLD)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).attributes();
            return new Decision(Verdict.ATTEMPT, Duration.ZERO, owed(old, round, attempt, claimer));
        } catch (ConditionalCheckFailedException e) {
            Claim stored = e.hasItem() && !e.item().isEmpty() ? claim(e.item()) : find(eventId, webhookId);
            Decision decision = judge(stored, round, attempt, claimer, now);
            // The write was refused, so another copy holds it (a clock between ours and DynamoDB's can disagree
            // about the lease by a moment): never attempt on a refusal.
            return decision.verdict() == Verdict.ATTEMPT
                    ? new Decision(Verdict.IN_FLIGHT, Duration.ofSeconds(1), null) : decision;
        }
    }

    /** The send the claimer's own earlier claim of this same attempt still owes, if it recorded one. */
    private static Pending owed(Map<String, AttributeValue> old, int round, int attempt, String claimer) {
        if (old == null || !old.containsKey(PENDING_TASK) || !old.containsKey(PENDING_QUEUE)) {
            return null;
        }
        Claim before = claim(old);
        return before.round() == round && before.attempt() == attempt && claimer.equals(before.claimer())
                ? new Pending(old.get(PENDING_QUEUE).s(), old.get(PENDING_TASK).s()) : null;
    }

    /**
     * Records that {@code claimer}'s attempt was made and what it still owes, because the send that settles it
     * failed (or its outcome is unknown): the claimer's message comes back, and its claim then hands it this send
     * instead of a second HTTP attempt. Best effort: if this fails too, the attempt is repeated (at least once).
     */
    public void unsettled(String eventId, String webhookId, int round, int attempt, String claimer, Pending owed) {
        updateOwn(eventId, webhookId, round, attempt, claimer, "SET #q = :q, #t = :t", "",
                Map.of("#q", PENDING_QUEUE, "#t", PENDING_TASK),
                Map.of(":q", AttributeValue.fromS(owed.queueUrl()), ":t", AttributeValue.fromS(owed.taskJson())));
    }

    /**
     * Marks {@code claimer}'s attempt settled (its next step queued, parked, held, or delivered), so that a copy
     * arriving later stops at once instead of taking it over when the lease ends. Best effort: the caller logs a
     * failure and carries on.
     */
    public void settled(String eventId, String webhookId, int round, int attempt, String claimer) {
        updateOwn(eventId, webhookId, round, attempt, claimer, "SET #s = :true REMOVE #q, #t", "",
                Map.of("#s", SETTLED, "#q", PENDING_QUEUE, "#t", PENDING_TASK),
                Map.of(":true", AttributeValue.fromBool(true)));
    }

    /**
     * Lets {@code claimer}'s unsettled claim go (its lease ends now), for an attempt that did not happen after all
     * (cut short by the deadline): the next copy claims it at once instead of waiting out the lease.
     */
    public void release(String eventId, String webhookId, int round, int attempt, String claimer) {
        updateOwn(eventId, webhookId, round, attempt, claimer, "SET #l = :zero", " AND #s = :false",
                Map.of("#l", LEASE_UNTIL, "#s", SETTLED),
                Map.of(":zero", n(0), ":false", AttributeValue.fromBool(false)));
    }

    /**
     * An update of {@code claimer}'s own claim of ({@code round}, {@code attempt}), and of nothing else: refused
     * (and ignored) when a copy has taken the claim over or moved past it, whose claim is the one that counts now.
     */
    private void updateOwn(String eventId, String webhookId, int round, int attempt, String claimer,
                           String update, String moreCondition, Map<String, String> names,
                           Map<String, AttributeValue> values) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.putAll(Map.of("#r", ROUND, "#a", ATTEMPT, "#c", CLAIMER));
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.putAll(Map.of(":r", n(round), ":a", n(attempt), ":c", AttributeValue.fromS(claimer)));
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(eventId, webhookId)).updateExpression(update)
                    .conditionExpression("#r = :r AND #a = :a AND #c = :c" + moreCondition)
                    .expressionAttributeNames(allNames).expressionAttributeValues(allValues));
        } catch (ConditionalCheckFailedException e) {
            // not ours any more
        }
    }

    /**
     * The round a new chain of {@code webhookId} (a recover's) uses to supersede whatever runs now: the claimed one
     * plus one, or 0 when nothing was ever attempted. Two recovers that read the same claim queue the same round,
     * and only one of their copies runs.
     */
    public static int nextRound(DynamoDbClient dynamoDb, String table, String eventId, String webhookId) {
        Claim stored = find(dynamoDb, table, eventId, webhookId);
        return stored == null ? 0 : stored.round() + 1;
    }

    /** The stored claim, read strongly consistent; null when none. */
    public Claim find(String eventId, String webhookId) {
        return find(dynamoDb, table, eventId, webhookId);
    }

    private static Claim find(DynamoDbClient dynamoDb, String table, String eventId, String webhookId) {
        GetItemResponse response = dynamoDb.getItem(r -> r.tableName(table).key(key(eventId, webhookId))
                .consistentRead(true));
        return response.hasItem() && !response.item().isEmpty() ? claim(response.item()) : null;
    }

    private static Claim claim(Map<String, AttributeValue> item) {
        AttributeValue lease = item.get(LEASE_UNTIL);
        return new Claim(number(item, ROUND), number(item, ATTEMPT),
                item.containsKey(CLAIMER) ? item.get(CLAIMER).s() : "",
                lease == null ? null : Instant.ofEpochMilli(Long.parseLong(lease.n())),
                item.containsKey(SETTLED) && Boolean.TRUE.equals(item.get(SETTLED).bool()));
    }

    private static int number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? 0 : Integer.parseInt(value.n());
    }

    private static Map<String, String> names() {
        return Map.of("#r", ROUND, "#a", ATTEMPT, "#c", CLAIMER, "#l", LEASE_UNTIL, "#s", SETTLED,
                "#exp", RelaySchema.EXPIRES_AT);
    }

    static Map<String, AttributeValue> key(String eventId, String webhookId) {
        return Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                RelaySchema.SK, AttributeValue.fromS(SK_PREFIX + webhookId));
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
