package com.algohire.relay.event;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The Standard Webhooks {@code webhook-id} of a delivery: one per (event, subscription), so every copy of a task
 * that reaches a receiver carries the same id and the receiver's deduplication on it works.
 *
 * <p>A task can be queued twice without anyone doing anything wrong: a SendMessage whose reply was lost and then
 * retried (by the SDK, or by the caller with the same idempotency key), a QUEUED mark that failed so the sweeper
 * sends the event again, a fan-out retried after a partial batch send. Deriving the id from what identifies the
 * delivery (never from an SQS message id, which differs per copy) makes all of those one webhook to the receiver.
 * An operator's replay is a new delivery on purpose and mixes its own replay id in. See docs/architecture.md,
 * "Webhook ids".
 */
public final class WebhookIds {
    private static final String PREFIX = "msg_";

    private WebhookIds() {
    }

    /** The id of the original delivery of {@code eventId} to {@code subscriptionId}. */
    public static String of(String eventId, String subscriptionId) {
        return of(eventId, subscriptionId, null);
    }

    /** The id of a delivery; {@code replayId} is null for the original one, the replay's own id for a replay. */
    public static String of(String eventId, String subscriptionId, String replayId) {
        String name = eventId + "/" + subscriptionId + (replayId == null ? "" : "/replay/" + replayId);
        return PREFIX + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
    }

    /** A fresh, unguessable replay id (from the JDK's SecureRandom-backed UUIDs). */
    public static String newReplayId() {
        return "rpl_" + UUID.randomUUID().toString().replace("-", "");
    }
}
