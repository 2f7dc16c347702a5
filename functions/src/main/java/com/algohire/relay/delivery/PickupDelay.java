package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryTask;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * How late a delivery task reached the delivery function: the time from when it was due to its batch's start. What
 * "the relay is behind" means, unlike a queue's oldest-message age, which a retry waiting out its backoff or a
 * partner's Retry-After (up to 12 h) holds up while nothing is wrong.
 *
 * <p>A task is due at its {@code notBefore} (a retry, a probe), or else when it was sent (SQS's SentTimestamp: a
 * first attempt, a fan-out, a drain). One that arrives before its notBefore is not due and has no delay: it is
 * deferred, not late.
 */
final class PickupDelay {
    static final String SENT_TIMESTAMP = "SentTimestamp";

    private PickupDelay() {
    }

    /**
     * @param attributes the message's SQS system attributes (may be null)
     * @param pickedUp   when its batch started
     * @return the delay (zero for a task picked up before it was due, within the deferral tolerance), or null when
     *         the task is not due yet or says nothing of when it was due
     */
    static Duration of(DeliveryTask task, Map<String, String> attributes, Instant pickedUp) {
        Instant due = notBefore(task);
        if (due == null) {
            due = sentAt(attributes);
        } else if (Duration.between(pickedUp, due).compareTo(DeliveryBatch.NOT_BEFORE_TOLERANCE) > 0) {
            return null; // deferred until its notBefore: waiting as scheduled
        }
        if (due == null) {
            return null;
        }
        Duration delay = Duration.between(due, pickedUp);
        return delay.isNegative() ? Duration.ZERO : delay;
    }

    private static Instant notBefore(DeliveryTask task) {
        if (task.notBefore() == null) {
            return null;
        }
        try {
            return Instant.parse(task.notBefore());
        } catch (DateTimeParseException e) {
            return null; // DeliveryBatch logs it and attempts the task now
        }
    }

    private static Instant sentAt(Map<String, String> attributes) {
        String sent = attributes == null ? null : attributes.get(SENT_TIMESTAMP);
        if (sent == null) {
            return null;
        }
        try {
            return Instant.ofEpochMilli(Long.parseLong(sent.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
