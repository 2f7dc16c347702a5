package com.algohire.relay.ingest;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.StructuredLog;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Accepts a validated event exactly once per idempotency key: a conditional put claims the key, a second put
 * stores the event (PENDING, with an enqueue lease), then the fan-out task is sent and the event marked QUEUED.
 * A repeat of the key is answered from the stored records, and finishes what the first request could not.
 *
 * <p>Why two single-item conditional writes and not one TransactWriteItems: single-item conditions are atomic on
 * every engine we run (DynamoDB, LocalStack, moto_server), while moto_server's transactions are not isolated
 * (a cancelled transaction restores a whole-table snapshot, resurrecting or erasing concurrent writes), which broke
 * the 50-concurrent-requests test. The one window the transaction closed, a crash between the two puts, is closed
 * here by the key's lease: a retry finding the key without its event stores the event itself (same hash, same
 * event), and a caller that never retries was never told its event was accepted.
 *
 * <p>The whole of it (the enqueue lease, the sweeper, writes whose outcome is unknown): docs/architecture.md,
 * "Idempotency and the enqueue" and "Unknown write outcomes".
 */
public final class EventIngestion {
    /**
     * Payloads above this many UTF-8 bytes go to S3 (4 KiB): about where S3 becomes the cheaper home, rounded down.
     *
     * <p>Per million events, us-east-1 list prices (README "Cost"), for a payload of P KB and d deliveries (attempts)
     * of the event. Inline, the event item (P plus about 0.5 KB of other attributes) is written twice at full size,
     * by the put and by the update that marks it QUEUED (DynamoDB bills an update on the larger of the item before
     * and after): 2 x ceil(P + 0.5) write units at $0.625, plus an eventually consistent read per delivery,
     * ceil((P + 0.5) / 4) / 2 read units at $0.125. In S3, the item is about 1 KB (2 write units for both writes, half
     * a read unit per delivery), plus $5 for the PUT and $0.40 per delivery for the GET. The difference, inline minus
     * S3: 2 x (ceil(P + 0.5) - 1) x 0.625 + d x (ceil((P + 0.5) / 4) - 1) x 0.0625 - 5 - 0.4 d. For d = 1: -0.34 at
     * P = 4 (inline cheaper), +0.91 at P = 5 (S3 cheaper); for d = 3 the turn is at the same place (-1.01, +0.24).
     * Storage moves it lower still: DynamoDB's $0.25 per GB-month against S3 Standard's $0.023, for the retention
     * period (30 days by default). Measured (bench/RESULTS.md): a 300 KB event kept inline cost $402 per million in
     * DynamoDB; a 400 KB one through S3, $14 in DynamoDB and S3 together.
     *
     * <p>What it trades: an event above the limit costs an S3 PUT on ingest (tens of milliseconds on the 202's path)
     * and an S3 GET per delivery attempt. Typical events (a few hundred bytes) stay inline. The limit must stay well
     * under DynamoDB's 400 KB item size.
     */
    public static final int INLINE_PAYLOAD_LIMIT = 4 * 1024;
    /** Longer than the SQS client's call timeout (10 s), so a live request never loses its lease mid-send. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private final DynamoDbClient dynamoDb;
    private final PayloadStore payloads;
    private final PendingEvents pending;
    private final String table;
    private final Duration retention;
    private final Clock clock;
    private final StructuredLog log;

    EventIngestion(DynamoDbClient dynamoDb, PayloadStore payloads, PendingEvents pending, String table,
                   Duration retention, Clock clock, StructuredLog log) {
        this.dynamoDb = dynamoDb;
        this.payloads = payloads;
        this.pending = pending;
        this.table = table;
        this.retention = retention;
        this.clock = clock;
        this.log = log;
    }

    /** Wires ingestion to real clients, as the ingest function and the local runtime use it. */
    public static EventIngestion create(DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, RelayConfig config,
                                        Clock clock, StructuredLog log) {
        return create(dynamoDb, sqs, () -> s3, config, clock, log);
    }

    /** As above, the S3 client asked for only when a payload needs it (the ingest function builds it lazily). */
    public static EventIngestion create(DynamoDbClient dynamoDb, SqsClient sqs, Supplier<S3Client> s3,
                                        RelayConfig config, Clock clock, StructuredLog log) {
        PendingEvents pending = new PendingEvents(dynamoDb, new TaskQueue(sqs, config.deliveryQueueUrl()),
                config.eventsTable(), clock, DEFAULT_LEASE);
        return new EventIngestion(dynamoDb, new PayloadStore(s3, config.payloadBucket()), pending,
                config.eventsTable(), config.retention(), clock, log);
    }

    /**
     * Every write here can have happened even when its call threw (a reply lost after DynamoDB committed, then the
     * SDK's retry answering ConditionalCheckFailed to our own write). So a failed write is followed by a read that
     * tells which it was, and nothing (the key, the payload object) is released or deleted unless that read shows
     * the write did not happen. When even the read fails, the outcome stays unknown: everything is left in place
     * for the caller's retry or the sweeper, which finish it, and the caller hears 500 (safe to retry).
     *
     * @throws RelayException DUPLICATE_EVENT, IDEMPOTENCY_KEY_REUSED or REQUEST_IN_PROGRESS for a repeated key,
     *                        QUEUE_UNAVAILABLE when the queue refused the task
     */
    public Accepted accept(IngestRequest request) {
        Instant now = clock.instant();
        String eventId = UUID.randomUUID().toString();
        String receivedAt = EventItems.timestamp(now);
        String payloadKey = storePayloadIfLarge(eventId, request);
        Claim claim = claimKey(keyItem(request, eventId, receivedAt, now), eventId, now);
        if (!claim.claimed()) {
            deleteOrphan(payloadKey);
            return repeat(request, claim.stored());
        }
        storeEvent(eventItem(request, eventId, now, payloadKey), request.idempotencyKey(), payloadKey);
        enqueue(eventId, request.eventType());
        return new Accepted(eventId, request.eventType(), request.idempotencyKey(), receivedAt);
    }

    /**
     * What a claim of the key found: claimed (by this request), or held by another request, whose key item is
     * {@code stored} as the claim saw it (null when unknown: read it).
     */
    private record Claim(boolean claimed, Map<String, AttributeValue> stored) {
        static final Claim OURS = new Claim(true, null);
    }

    /**
     * Claims the key for {@code eventId}. A conditional failure carries the key item that failed the condition
     * ({@code ALL_OLD}): it holds our eventId only if our own write committed (the SDK's retry of a put whose reply
     * was lost), another's otherwise, and the repeat answers from it without reading it again. A conditional
     * failure without the item, or any other error, is settled by reading the key back as before.
     *
     * @throws RuntimeException when the key is certainly not claimed after an error, or when the outcome cannot
     *                          be known (the write failed and so did the read); in neither case is it another's
     */
    private Claim claimKey(Map<String, AttributeValue> item, String eventId, Instant now) {
        RuntimeException failure;
        Map<String, AttributeValue> stored;
        try {
            putKey(item, now);
            return Claim.OURS;
        } catch (ConditionalCheckFailedException e) {
            failure = null;
            stored = e.hasItem() && !e.item().isEmpty() ? e.item() : null;
        } catch (RuntimeException e) {
            failure = e;
            stored = null;
        }
        if (stored == null) {
            stored = readBack(item.get(RelaySchema.PK).s(), EventItems.KEY_SK, failure);
        }
        if (stored != null && eventId.equals(stored.get(EventItems.EVENT_ID).s())) {
            log.info("idempotency key claim committed although its call failed", Map.of("eventId", eventId));
            return Claim.OURS;
        }
        if (failure != null && stored == null) {
            throw failure; // certainly not written: the caller's retry starts afresh
        }
        return new Claim(false, stored);
    }

    /**
     * Stores the event item. Its key holds a fresh eventId, so a conditional failure can only be our own write,
     * retried by the SDK after it committed; any other error is settled by reading the item back. Only when the
     * item is certainly absent are the key and the payload object released.
     */
    private void storeEvent(Map<String, AttributeValue> item, String idempotencyKey, String payloadKey) {
        String eventId = item.get(EventItems.EVENT_ID).s();
        try {
            putIfAbsent(item);
        } catch (ConditionalCheckFailedException ownRetry) {
            log.info("event write committed although its call failed", Map.of("eventId", eventId));
        } catch (RuntimeException e) {
            if (readBack(item.get(RelaySchema.PK).s(), EventItems.EVENT_SK, e) != null) {
                log.info("event write committed although its call failed", Map.of("eventId", eventId));
                return;
            }
            // Free the key so the caller's retry starts afresh; if this fails too, the retry recovers the event
            // from its own identical body once the key's lease has run out. Should the write still land after
            // this read (a request held up in flight), the sweeper finds an event its key no longer names and
            // discards it instead of queueing it.
            releaseKey(idempotencyKey, eventId);
            deleteOrphan(payloadKey);
            throw e;
        }
    }

    /**
     * Reads an item back after a failed write. When the read fails too, the write's own failure is rethrown (with
     * the read's as suppressed), since nothing can be concluded.
     */
    private Map<String, AttributeValue> readBack(String pk, String sk, RuntimeException writeFailure) {
        try {
            return get(pk, sk);
        } catch (RuntimeException readFailure) {
            if (writeFailure == null) {
                throw readFailure;
            }
            writeFailure.addSuppressed(readFailure);
            log.error("write outcome unknown: the write and the read-back both failed; left for a retry or the "
                    + "sweeper", Map.of("pk", pk, "exception", writeFailure.getClass().getName()));
            throw writeFailure;
        }
    }

    /**
     * The key is already stored: answer from its record, finishing its storage or enqueue if they never happened.
     *
     * @param key the key item as the failed claim saw it or read it back (null: released or expired since)
     */
    private Accepted repeat(IngestRequest request, Map<String, AttributeValue> key) {
        if (key == null) {
            // Released or expired between our failed put and this read: the caller's retry will be accepted as new.
            throw inProgress(null);
        }
        String eventId = key.get(EventItems.EVENT_ID).s();
        if (!request.requestHash().equals(key.get(EventItems.REQUEST_HASH).s())) {
            throw new RelayException(ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "Header x-idempotency-key was already used for a "
                    + "different request (eventType or payload differ); use a new key for a new event.",
                    Map.of("eventId", eventId));
        }
        String receivedAt = key.get(EventItems.RECEIVED_AT).s();
        Map<String, AttributeValue> event = get(EventItems.eventPk(eventId), EventItems.EVENT_SK);
        if (event == null) {
            if (Long.parseLong(key.get(EventItems.LEASE_UNTIL).n()) >= clock.millis()) {
                throw inProgress(eventId);
            }
            // The request that stored the key died before storing the event. The hashes match, so this request
            // carries the same event: store it under the key's id and time, owning its enqueue.
            if (recover(request, eventId, Instant.parse(receivedAt))) {
                enqueue(eventId, request.eventType());
                return new Accepted(eventId, request.eventType(), request.idempotencyKey(), receivedAt);
            }
            event = get(EventItems.eventPk(eventId), EventItems.EVENT_SK);
        }
        String status = event == null ? null : event.get(EventItems.STATUS).s();
        if (EventItems.STATUS_QUEUED.equals(status)) {
            throw duplicate(eventId);
        }
        if (event == null || !pending.claim(eventId)) {
            throw inProgress(eventId);
        }
        enqueue(eventId, request.eventType());
        return new Accepted(eventId, request.eventType(), request.idempotencyKey(), receivedAt);
    }

    /** Stores the event of an orphaned key; false when another request stored it first. */
    private boolean recover(IngestRequest request, String eventId, Instant receivedAt) {
        String payloadKey = storePayloadIfLarge(eventId, request);
        try {
            putIfAbsent(eventItem(request, eventId, receivedAt, payloadKey));
            return true;
        } catch (ConditionalCheckFailedException e) {
            // The winner wrote the same bytes under the same object key, so the object is not an orphan.
            return false;
        }
    }

    private String storePayloadIfLarge(String eventId, IngestRequest request) {
        return request.payloadJson().getBytes(StandardCharsets.UTF_8).length > INLINE_PAYLOAD_LIMIT
                ? payloads.put(eventId, request.payloadJson()) : null;
    }

    private void enqueue(String eventId, String eventType) {
        try {
            if (!pending.enqueue(eventId, eventType)) {
                log.warn("event queued but not marked QUEUED; the sweeper may queue it again",
                        Map.of("eventId", eventId));
            }
        } catch (RuntimeException e) {
            log.error("enqueue failed; event stored, left for a retry or the sweeper",
                    Map.of("eventId", eventId, "exception", e.getClass().getName()));
            throw new RelayException(ErrorCode.QUEUE_UNAVAILABLE,
                    "The event was stored but could not be queued; retrying "
                    + "with the same x-idempotency-key is safe and completes it.", Map.of("eventId", eventId));
        }
    }

    private void releaseKey(String idempotencyKey, String eventId) {
        try {
            dynamoDb.deleteItem(r -> r.tableName(table)
                    .key(Map.of(RelaySchema.PK, s(EventItems.keyPk(idempotencyKey)), RelaySchema.SK,
                            s(EventItems.KEY_SK)))
                    .conditionExpression("#eventId = :eventId")
                    .expressionAttributeNames(Map.of("#eventId", EventItems.EVENT_ID))
                    .expressionAttributeValues(Map.of(":eventId", s(eventId))));
        } catch (RuntimeException e) {
            log.warn("could not release idempotency key after a failed event write",
                    Map.of("eventId", eventId, "exception", e.getClass().getName()));
        }
    }

    private Map<String, AttributeValue> keyItem(IngestRequest request, String eventId, String receivedAt, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, s(EventItems.keyPk(request.idempotencyKey())));
        item.put(RelaySchema.SK, s(EventItems.KEY_SK));
        item.put(EventItems.EVENT_ID, s(eventId));
        item.put(EventItems.REQUEST_HASH, s(request.requestHash()));
        item.put(EventItems.RECEIVED_AT, s(receivedAt));
        // Until then, a repeat that finds no event item assumes this request is still writing it.
        item.put(EventItems.LEASE_UNTIL, n(pending.newLeaseUntil()));
        item.put(RelaySchema.EXPIRES_AT, n(expiresAt(now)));
        return item;
    }

    private Map<String, AttributeValue> eventItem(IngestRequest request, String eventId, Instant now,
                                                  String payloadKey) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, s(EventItems.eventPk(eventId)));
        item.put(RelaySchema.SK, s(EventItems.EVENT_SK));
        item.put(EventItems.EVENT_ID, s(eventId));
        item.put(RelaySchema.EVENT_TYPE, s(request.eventType()));
        item.put(EventItems.IDEMPOTENCY_KEY, s(request.idempotencyKey()));
        item.put(EventItems.REQUEST_HASH, s(request.requestHash()));
        if (payloadKey != null) {
            item.put(EventItems.PAYLOAD_KEY, s(payloadKey));
        } else {
            item.put(EventItems.PAYLOAD, s(request.payloadJson()));
        }
        item.put(EventItems.RECEIVED_AT, s(EventItems.timestamp(now)));
        item.putAll(EventItems.listKeys(eventId, request.eventType(), now));
        item.put(RelaySchema.PENDING_SHARD, s(EventItems.pendingShard(eventId)));
        item.put(EventItems.STATUS, s(EventItems.STATUS_PENDING));
        item.put(EventItems.LEASE_UNTIL, n(pending.newLeaseUntil()));
        item.put(RelaySchema.EXPIRES_AT, n(expiresAt(now)));
        return item;
    }

    /**
     * A key is remembered for the retention period, then accepted as new. DynamoDB's TTL deletes an expired item
     * only eventually (often days later), so an expired key item counts as absent here: otherwise a reuse would be
     * refused, or "recovered" as the long-expired event, depending on when the deletion ran.
     */
    private void putKey(Map<String, AttributeValue> item, Instant now) {
        dynamoDb.putItem(r -> r.tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#pk) OR #expiresAt < :now")
                .expressionAttributeNames(Map.of("#pk", RelaySchema.PK, "#expiresAt", RelaySchema.EXPIRES_AT))
                .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond())))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
    }

    private void putIfAbsent(Map<String, AttributeValue> item) {
        dynamoDb.putItem(r -> r.tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#pk)")
                .expressionAttributeNames(Map.of("#pk", RelaySchema.PK)));
    }

    private Map<String, AttributeValue> get(String pk, String sk) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of(RelaySchema.PK, s(pk), RelaySchema.SK, s(sk)))).item();
        return item == null || item.isEmpty() ? null : item;
    }

    private void deleteOrphan(String payloadKey) {
        if (payloadKey == null) {
            return;
        }
        try {
            payloads.delete(payloadKey);
        } catch (RuntimeException e) {
            // The bucket's lifecycle rule removes it with the retention period anyway.
            log.warn("could not delete orphaned payload object", Map.of("exception", e.getClass().getName()));
        }
    }

    private long expiresAt(Instant now) {
        return now.plus(retention).getEpochSecond();
    }

    private static RelayException duplicate(String eventId) {
        return new RelayException(ErrorCode.DUPLICATE_EVENT,
                "An event with this x-idempotency-key was already accepted.",
                Map.of("eventId", eventId));
    }

    private static RelayException inProgress(String eventId) {
        return new RelayException(ErrorCode.REQUEST_IN_PROGRESS, "A request with this x-idempotency-key is being "
                + "processed; retry shortly with the same key.", eventId == null ? Map.of() : Map.of("eventId",
                        eventId));
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
