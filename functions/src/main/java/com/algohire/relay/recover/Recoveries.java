package com.algohire.relay.recover;

import com.algohire.relay.audit.Commit;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Text;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionService;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;

/**
 * Starts recoveries and shows their progress: the operator's side of {@link RecoveryWorker}. A recovery is written
 * first and its first RECOVER task queued after, so a task never names a recovery that is not there; when that
 * send fails, the recovery is marked FAILED (nothing will carry it on) and the caller hears 503 and may ask again.
 */
public final class Recoveries {
    private final SubscriptionService subscriptions;
    private final RecoveryStore store;
    private final TaskQueue deliveryQueue;
    private final Duration retention;
    private final Clock clock;

    public Recoveries(SubscriptionService subscriptions, RecoveryStore store, TaskQueue deliveryQueue,
                      Duration retention, Clock clock) {
        this.subscriptions = subscriptions;
        this.store = store;
        this.deliveryQueue = deliveryQueue;
        this.retention = retention;
        this.clock = clock;
    }

    /**
     * Starts re-delivering to the subscription what matched it since {@code body.since} and was not delivered.
     *
     * @throws RelayException SUBSCRIPTION_NOT_FOUND; INVALID_BODY, UNKNOWN_FIELD, INVALID_SINCE (missing, not an
     *                        ISO-8601 date-time with offset, in the future, or before the retention period);
     *                        QUEUE_UNAVAILABLE when its first task could not be queued (after {@code commit} was
     *                        told: the recovery is written, and marked FAILED)
     */
    public Recovery start(String subscriptionId, JsonNode body, Commit commit) {
        Subscription subscription = subscriptions.get(subscriptionId);
        Instant now = clock.instant();
        Instant since = since(body, now);
        Instant from = since.isBefore(subscription.createdAt()) ? subscription.createdAt() : since;
        Recovery recovery = new Recovery(Recovery.newId(), subscription.subscriptionId(), since, from, now,
                Recovery.Status.RUNNING, 0, 0, 0, 0, now, now, null, 0,
                new Recovery.Cursor(EventItems.day(from), 0, null), null, null, null);
        store.create(recovery);
        commit.committed();
        try {
            deliveryQueue.send(DeliveryTask.recover(recovery.subscriptionId(), recovery.recoveryId()));
        } catch (RuntimeException e) {
            failQuietly(recovery);
            throw new RelayException(ErrorCode.QUEUE_UNAVAILABLE, "The recovery could not be queued; nothing was "
                    + "re-delivered and it is safe to ask again", Map.of("recoveryId", recovery.recoveryId()));
        }
        return recovery;
    }

    /** @throws RelayException SUBSCRIPTION_NOT_FOUND, RECOVERY_NOT_FOUND (also for another subscription's) */
    public Recovery get(String subscriptionId, String recoveryId) {
        Subscription subscription = subscriptions.get(subscriptionId);
        return (Recovery.isId(recoveryId) ? store.find(recoveryId) : java.util.Optional.<Recovery>empty())
                .filter(r -> r.subscriptionId().equals(subscription.subscriptionId()))
                .orElseThrow(() -> new RelayException(ErrorCode.RECOVERY_NOT_FOUND,
                        "No recovery with this recoveryId for this subscription",
                        Map.of("recoveryId", Text.truncate(recoveryId, 64))));
    }

    private Instant since(JsonNode body, Instant now) {
        if (body == null || !body.isObject()) {
            throw new RelayException(ErrorCode.INVALID_BODY,
                    "request body must be a JSON object: {\"since\": \"2024-01-10T10:00:00Z\"}");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("since")) {
                throw new RelayException(ErrorCode.UNKNOWN_FIELD, "unknown field " + Text.truncate(name, 100)
                        + "; allowed: since", Map.of("field", Text.truncate(name, 100)));
            }
        }
        JsonNode node = body.get("since");
        if (node == null || node.isNull()) {
            throw invalidSince("since is required: the ISO-8601 date-time with offset (e.g. 2024-01-10T10:00:00Z) "
                    + "to recover from");
        }
        Instant since;
        try {
            since = node.isTextual() ? OffsetDateTime.parse(node.textValue(), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant() : null;
        } catch (DateTimeParseException e) {
            since = null;
        }
        if (since == null) {
            throw invalidSince("since must be an ISO-8601 date-time with offset (e.g. 2024-01-10T10:00:00Z), was: "
                    + Text.truncate(node.isTextual() ? node.textValue() : node.toString(), 64));
        }
        if (since.isAfter(now)) {
            throw invalidSince("since must not be in the future (now is " + now + ")");
        }
        Instant oldestKept = now.minus(retention);
        if (since.isBefore(oldestKept)) {
            throw invalidSince("since must not be before the retention period (" + retention.toDays()
                    + " days: events before " + oldestKept + " are no longer kept)");
        }
        return since;
    }

    private static RelayException invalidSince(String message) {
        return new RelayException(ErrorCode.INVALID_SINCE, message, Map.of("field", "since"));
    }

    private void failQuietly(Recovery recovery) {
        try {
            Instant now = clock.instant();
            store.commitFailed(recovery, now);
        } catch (RuntimeException ignored) {
            // Best effort: a RUNNING recovery without a task only shows no progress; the caller hears 503.
        }
    }
}
