package com.algohire.relay.event;

import com.algohire.relay.config.RelaySchema;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Attribute names and key formats of event and idempotency items in the events table, shared by the code that
 * writes them (ingest) and the code that reads them (API, delivery), so the two agree on one spelling.
 */
public final class EventItems {
    public static final String EVENT_PK_PREFIX = "EVENT#";
    public static final String EVENT_SK = "EVENT";
    public static final String KEY_PK_PREFIX = "KEY#";
    public static final String KEY_SK = "KEY";

    public static final String EVENT_ID = RelaySchema.EVENT_ID;
    public static final String IDEMPOTENCY_KEY = RelaySchema.IDEMPOTENCY_KEY;
    /** SHA-256 of eventType and the canonical payload: tells a true retry from a reused key. */
    public static final String REQUEST_HASH = "requestHash";
    public static final String PAYLOAD = "payload";
    public static final String PAYLOAD_KEY = "payloadKey";
    public static final String RECEIVED_AT = RelaySchema.RECEIVED_AT;
    /** PENDING until the fan-out task is on the queue, then QUEUED; ENQUEUE_FAILED after a failed send. */
    public static final String STATUS = "status";
    /** Epoch millis until which the request (or sweeper) that set PENDING owns the enqueue. */
    public static final String LEASE_UNTIL = "leaseUntil";
    /** A token of the claim that took over an event's enqueue: tells a claim whose reply was lost that it won. */
    public static final String LEASE_OWNER = "leaseOwner";
    /** On a test event only: the subscription it was sent to, the only one it may reach ({@link EventAudience}). */
    public static final String TEST_FOR = "testFor";

    public static final String STATUS_PENDING = "PENDING";
    public static final String STATUS_QUEUED = "QUEUED";
    public static final String STATUS_ENQUEUE_FAILED = "ENQUEUE_FAILED";

    /** Shards of the sparse pendingEnqueue index, so a burst of in-flight events does not all hit one partition. */
    public static final int PENDING_SHARDS = 8;
    /**
     * Shards of each day's and each event type's partition in the list indexes; {@link EventList}'s class comment
     * has the arithmetic. Changing it re-homes stored events (an event's shard is its id's hash modulo this), so
     * it is sized for growth rather than tuned.
     */
    public static final int LIST_SHARDS = 8;

    /**
     * Fixed-width millisecond timestamps: {@link Instant#toString()} drops trailing zeros, which would break the
     * lexicographic order of {@code receivedSort}.
     */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private EventItems() {
    }

    public static String eventPk(String eventId) {
        return EVENT_PK_PREFIX + eventId;
    }

    public static String keyPk(String idempotencyKey) {
        return KEY_PK_PREFIX + idempotencyKey;
    }

    public static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    public static String day(Instant instant) {
        return DAY.format(instant);
    }

    public static String receivedSort(Instant receivedAt, String eventId) {
        return timestamp(receivedAt) + "#" + eventId;
    }

    /** The list index keys of an event: {@code receivedSort}, {@code dayShard} and {@code typeShard}. */
    public static Map<String, AttributeValue> listKeys(String eventId, String eventType, Instant receivedAt) {
        int shard = listShard(eventId);
        return Map.of(
                RelaySchema.RECEIVED_SORT, AttributeValue.fromS(receivedSort(receivedAt, eventId)),
                RelaySchema.DAY_SHARD, AttributeValue.fromS(dayShard(day(receivedAt), shard)),
                RelaySchema.TYPE_SHARD, AttributeValue.fromS(typeShard(eventType, shard)));
    }

    static int listShard(String eventId) {
        return Math.floorMod(eventId.hashCode(), LIST_SHARDS);
    }

    /** The byDayShard partition of shard {@code shard} of {@code day} (yyyy-MM-dd), as list and recover query it. */
    public static String dayShard(String day, int shard) {
        return day + "#" + shard;
    }

    static String typeShard(String eventType, int shard) {
        return eventType + "#" + shard;
    }

    public static String pendingShard(String eventId) {
        return pendingShard(Math.floorMod(eventId.hashCode(), PENDING_SHARDS));
    }

    /** The name of pending shard {@code shard} (0 to {@link #PENDING_SHARDS} - 1), as the sweeper queries it. */
    public static String pendingShard(int shard) {
        return "P" + shard;
    }

    /** An attribute's value as text, whether stored as S or N; null when absent. */
    static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null) {
            return null;
        }
        return value.s() != null ? value.s() : value.n();
    }

    public static String payloadKey(String eventId) {
        return RelaySchema.PAYLOAD_PREFIX + eventId + ".json";
    }
}
