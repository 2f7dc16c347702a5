package com.algohire.relay.event;

/**
 * Which subscriptions a stored event may reach: every one that matches it, or, for an operator's test event, only
 * the subscription it was sent to. Every path that chooses subscriptions for a stored event (recover's walk, replay
 * to all) asks {@link #reaches}; the delivery refuses a DELIVER of a test event to any other subscription, whatever
 * queued it (a redriven or held task, a fan-out of an older version), by {@link #sentElsewhere}.
 *
 * <p>A test event's item carries {@link EventItems#TEST_FOR}, its subscription's id. The list indexes do not
 * project it (adding it would rebuild them), but they project the idempotency key, and a test event's starts with
 * {@link #TEST_KEY_PREFIX}: so a walk over the indexes reads the item only for such a key ({@link #mayBeTest}),
 * which an ingested event may carry too (the prefix is a hint, the mark is the truth).
 */
public final class EventAudience {
    /** How a test event's idempotency key starts ({@code test:<uuid>}). */
    public static final String TEST_KEY_PREFIX = "test:";
    /** Who a test event's payload names as its sender. */
    public static final String TEST_SENT_BY = "relay console";
    /**
     * How a test event's payload starts: {@code {"test":true,"sentBy":"relay console","at":...}}. It tells a test
     * event stored before the mark existed from an ingested event whose key happens to start with the prefix.
     */
    static final String TEST_PAYLOAD_START = "{\"test\":true,\"sentBy\":\"" + TEST_SENT_BY + "\",\"at\":";

    private EventAudience() {
    }

    /** Whether an event with this idempotency key may be a test event (read its item to know). */
    public static boolean mayBeTest(String idempotencyKey) {
        return idempotencyKey != null && idempotencyKey.startsWith(TEST_KEY_PREFIX);
    }

    /**
     * Whether a path that chooses subscriptions for a stored event may choose {@code subscriptionId}: any
     * subscription for an ordinary event; for a test event only the one it was sent to, and none for a test event
     * stored before the mark (its subscription is not known).
     *
     * @param testFor the item's {@link EventItems#TEST_FOR}, or null
     */
    public static boolean reaches(String idempotencyKey, String testFor, String payloadJson, String subscriptionId) {
        if (testFor != null) {
            return testFor.equals(subscriptionId);
        }
        return !unmarkedTest(idempotencyKey, payloadJson);
    }

    /** {@link #reaches} for an event read whole. */
    public static boolean reaches(StoredEvent event, String subscriptionId) {
        return reaches(event.idempotencyKey(), event.testFor(), event.payloadJson(), subscriptionId);
    }

    /**
     * Whether a DELIVER of {@code event} to {@code subscriptionId} must be dropped: a test event marked for another
     * subscription. An unmarked test event is let through here: its own first delivery may still be retrying.
     */
    public static boolean sentElsewhere(StoredEvent event, String subscriptionId) {
        return event.testFor() != null && !event.testFor().equals(subscriptionId);
    }

    /** A test event stored before test events were marked with their subscription. */
    public static boolean unmarkedTest(String idempotencyKey, String payloadJson) {
        return mayBeTest(idempotencyKey) && payloadJson != null && payloadJson.startsWith(TEST_PAYLOAD_START);
    }
}
