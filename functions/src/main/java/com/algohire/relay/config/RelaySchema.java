package com.algohire.relay.config;

import java.util.List;

/**
 * The shape of every table, bucket and queue the relay uses: read by the CDK stack to provision them and by
 * the local runtime and tests to create them, so the deployed and local resources cannot drift apart.
 */
public final class RelaySchema {

    /** A DynamoDB key attribute; every key in this schema is a string. */
    public record Key(String name) {
    }

    /**
     * A global secondary index. It holds its own keys, the table's keys and exactly the {@code projected}
     * attributes (DynamoDB's INCLUDE projection; KEYS_ONLY when the list is empty), never whole items: an index
     * entry is written for every item write that touches it, so its size is paid on every write.
     */
    public record Index(String name, Key partitionKey, Key sortKey, List<String> projected) {
        public Index {
            projected = List.copyOf(projected);
        }
    }

    /** An on-demand table. {@code logicalName} names it in the stack and, suffixed, locally. */
    public record Table(String logicalName, Key partitionKey, Key sortKey, String ttlAttribute, List<Index> indexes) {
    }

    /**
     * How Lambda's SQS event source feeds a delivery lane: the stack configures it from this, and the local
     * runtime's pollers follow it (scaled to the machine where they must be).
     *
     * @param batchSize                 messages per invocation
     * @param maxBatchingWindowSeconds  how long the source may wait to fill a batch
     * @param defaultMaxConcurrency     invocations at once, unless the deployer chooses otherwise (CDK context)
     */
    public record EventSource(int batchSize, int maxBatchingWindowSeconds, int defaultMaxConcurrency) {
    }

    /** A queue with its dead-letter queue. */
    public record Queue(String logicalName, int visibilityTimeoutSeconds, int maxReceiveCount,
                        int retentionDays, int dlqRetentionDays) {
    }

    // --- Events table: one item per event, one per idempotency key, one per delivery attempt. ---
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String EXPIRES_AT = "expiresAt";
    public static final String EVENT_ID = "eventId";
    public static final String EVENT_TYPE = "eventType";
    public static final String IDEMPOTENCY_KEY = "idempotencyKey";
    public static final String RECEIVED_AT = "receivedAt";
    /** {@code receivedDay + "#" + shard}: the list index's partition for one day (see EventItems.LIST_SHARDS). */
    public static final String DAY_SHARD = "dayShard";
    /** {@code eventType + "#" + shard}: the list index's partition for one event type. */
    public static final String TYPE_SHARD = "typeShard";
    /** {@code receivedAt + "#" + eventId}: sorts by time and stays unique. */
    public static final String RECEIVED_SORT = "receivedSort";
    /** Present only while an event is stored but not yet queued: makes the pending index sparse. */
    public static final String PENDING_SHARD = "pendingShard";

    public static final String INDEX_BY_TYPE = "byTypeShard";
    public static final String INDEX_BY_DAY = "byDayShard";
    public static final String INDEX_PENDING = "pendingEnqueue";

    /** What a list page shows of an event (EventSummary), and so all the list indexes hold besides keys. */
    public static final List<String> EVENT_SUMMARY = List.of(EVENT_ID, EVENT_TYPE, IDEMPOTENCY_KEY, RECEIVED_AT,
            EXPIRES_AT); // expiresAt: the list leaves out expired events before TTL deletes them

    public static final Table EVENTS = new Table("Events", new Key(PK), new Key(SK), EXPIRES_AT, List.of(
            new Index(INDEX_BY_TYPE, new Key(TYPE_SHARD), new Key(RECEIVED_SORT), EVENT_SUMMARY),
            new Index(INDEX_BY_DAY, new Key(DAY_SHARD), new Key(RECEIVED_SORT), EVENT_SUMMARY),
            // The sweeper needs which event, its type to queue it, and its key to check the key still names it.
            new Index(INDEX_PENDING, new Key(PENDING_SHARD), new Key(RECEIVED_SORT),
                    List.of(EVENT_ID, EVENT_TYPE, IDEMPOTENCY_KEY))));

    /**
     * Tasks held for a subscription that may not be attempted now (paused, breaker open, disabled): pk
     * {@code HOLD#<subscriptionId>}, sk {@code <heldAt>#<webhookId>}, so a query returns them oldest first.
     */
    public static final String HOLD_PK_PREFIX = "HOLD#";
    /**
     * The record of which subscriptions hold tasks, for the held-task watchdog: pk {@code HOLDING#<shard>}, sk the
     * subscription id, with when a task was last held for it; and the watchdog's place in that record between runs,
     * pk and sk {@link #WATCHDOG_CURSOR}.
     */
    public static final String HOLDING_PK_PREFIX = "HOLDING#";
    public static final String WATCHDOG_CURSOR = "WATCHDOG#CURSOR";
    /** A recovery's progress: pk {@code RECOVERY#<recoveryId>}, sk {@code RECOVERY}. */
    public static final String RECOVERY_PK_PREFIX = "RECOVERY#";
    /** An operator action's audit record: pk {@code AUDIT#<yyyy-mm-dd>}, sk {@code <time>#<requestId>}. */
    public static final String AUDIT_PK_PREFIX = "AUDIT#";

    // --- Subscriptions table. ---
    public static final String SUBSCRIPTION_ID = "subscriptionId";
    public static final Table SUBSCRIPTIONS = new Table("Subscriptions", new Key(SUBSCRIPTION_ID), null, null,
            List.of());

    // --- Payload bucket: payloads too large for a DynamoDB item live at this prefix. ---
    public static final String PAYLOAD_PREFIX = "payloads/";

    /**
     * Days an event, its payload object and its delivery log are kept by default: the stack sets
     * EVENT_RETENTION_DAYS and the payload bucket's lifecycle rule from this one value.
     */
    public static final int DEFAULT_EVENT_RETENTION_DAYS = 30;

    // --- Delivery queue. The arithmetic that ties these together: docs/architecture.md, "Delivery timing". ---
    /** SQS's ceiling on a message's visibility timeout (12 h), and so on the longest wait before a retry. */
    public static final int SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
    /** Timeout of one webhook attempt by default; the delivery function's timeout is derived from it. */
    public static final int DEFAULT_DELIVERY_TIMEOUT_SECONDS = 10;
    /** Retries after the first attempt: the ingestion spec's MAX_RETRY_ATTEMPTS default. */
    public static final int DEFAULT_MAX_RETRY_ATTEMPTS = 3;
    /** Delivery function timeout: one attempt's (a batch's deliveries run concurrently) plus headroom. */
    public static final int DELIVERY_FUNCTION_TIMEOUT_SECONDS = 30;
    /**
     * Receives a task may use beyond its attempts and notBefore deferrals without ever being attempted: Lambda
     * throttling, batches cut at their invocation's deadline, function crashes that are not the task's fault.
     */
    public static final int DELIVERY_RECEIVE_HEADROOM = 8;
    /**
     * The delivery queues' maxReceiveCount: only a poison bound (the attempt budget is counted in the task, see
     * docs/architecture.md, "Delivery timing"). A task legitimately uses at most one receive per attempt
     * (MAX_RETRY_ATTEMPTS + 1) and one notBefore deferral per retry whose backoff outlasts SQS's 15-minute delay
     * (MAX_RETRY_ATTEMPTS), plus the headroom; a task the handler crashes on every time reaches the DLQ after this.
     */
    public static final int DELIVERY_MAX_RECEIVE_COUNT = 2 * DEFAULT_MAX_RETRY_ATTEMPTS + 1
            + DELIVERY_RECEIVE_HEADROOM;
    /** Visibility 6 x the function timeout; maxReceiveCount the poison bound above. */
    public static final Queue DELIVERY = new Queue("Delivery", 6 * DELIVERY_FUNCTION_TIMEOUT_SECONDS,
            DELIVERY_MAX_RECEIVE_COUNT, 14, 14);

    /**
     * The slow lane: degraded and failing subscriptions' deliveries, so that they never share a batch (or the
     * main lane's concurrency) with healthy ones. Same timing as the main queue; the same DLQ.
     */
    public static final Queue DELIVERY_SLOW = new Queue("DeliverySlow", DELIVERY.visibilityTimeoutSeconds(),
            DELIVERY.maxReceiveCount(), DELIVERY.retentionDays(), DELIVERY.dlqRetentionDays());

    /** The main lane's event source: DeployOptions' deliveryMaxConcurrency overrides its concurrency. */
    public static final EventSource DELIVERY_SOURCE = new EventSource(10, 1, 20);
    /** The slow lane's: its own, smaller cap (deliverySlowMaxConcurrency), so slow receivers cannot take all. */
    public static final EventSource DELIVERY_SLOW_SOURCE = new EventSource(10, 1, 5);

    private RelaySchema() {
    }
}
