package com.algohire.relay.recover;

import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One recovery: re-delivering to a subscription every event since a time that matched it and was not delivered to
 * it, carried out in bounded steps by a chain of RECOVER tasks ({@link RecoveryWorker}), its progress kept in the
 * events table's {@code RECOVERY#<recoveryId>} item ({@link RecoveryStore}).
 *
 * @param since            the time the operator asked for
 * @param from             where the walk starts: {@code since}, or the subscription's creation when later (nothing
 *                         before it was ever meant for it)
 * @param until            when the recovery was asked: later events are delivered the normal way
 * @param examined         events of [from, until] read from the index so far
 * @param matched          of those, events whose type the subscription asks for
 * @param alreadyDelivered of those, events its delivery log shows delivered to it
 * @param queued           of those, events queued again (under their original webhook-id)
 * @param step             steps done; a step's write is conditional on it, so a duplicate task never counts twice
 * @param cursor           where the next step goes on
 * @param leaseOwner       the SQS message id of the task running the current step, while it runs
 * @param leaseUntil       until when that task owns the step
 * @param lastOwner        the task that did the last step: tells a step whose write reply was lost that it landed
 */
public record Recovery(String recoveryId, String subscriptionId, Instant since, Instant from, Instant until,
                       Status status, long examined, long matched, long alreadyDelivered, long queued,
                       Instant createdAt, Instant updatedAt, Instant completedAt, long step, Cursor cursor,
                       String leaseOwner, Instant leaseUntil, String lastOwner) {
    private static final Pattern ID = Pattern.compile("rcv_[0-9a-f]{32}");

    /** RUNNING until the walk reaches {@code until}; CANCELLED when the subscription was deleted meanwhile. */
    public enum Status { RUNNING, COMPLETED, CANCELLED, FAILED }

    /**
     * A position in the byDayShard index: the day, the shard of that day, and the sort key of the last event read
     * in it (null: from the start of the range in that shard). Days are walked oldest first, shards in order.
     */
    public record Cursor(String day, int shard, String position) {
    }

    public static String newId() {
        return "rcv_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Whether {@code text} has the form of a recovery id (only such text is ever sent to the table as a key). */
    public static boolean isId(String text) {
        return text != null && ID.matcher(text).matches();
    }
}
