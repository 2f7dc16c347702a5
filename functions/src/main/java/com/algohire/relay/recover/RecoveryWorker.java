package com.algohire.relay.recover;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.AttemptClaims;
import com.algohire.relay.event.DeliveryLogItems;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventAudience;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionMatcher;
import com.algohire.relay.subscription.SubscriptionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Carries a recovery one bounded step on, for one RECOVER task: walks the byDayShard index from the recovery's
 * cursor over [from, until] (never a scan), keeps the events whose type the subscription asks for (never another
 * subscription's test event), looks in each one's delivery log for an attempt that delivered it to this
 * subscription, queues a DELIVER under the event's ORIGINAL webhook-id for each one that has none (so a receiver
 * that did get it after all deduplicates it), in the next round of its attempt claims (see AttemptClaims), saves
 * counts and cursor, and queues the next RECOVER until the walk reaches {@code until}.
 *
 * <p>Bounded work: a step reads at most {@link #MAX_EVENTS} events with at most {@link #MAX_QUERIES} index queries
 * (an empty day costs one query per shard), plus one delivery-log query per matching event, one attempt-claim read
 * per undelivered one (and one GetItem per test event, for its mark), so a step takes well under a second of
 * DynamoDB round trips whatever the range.
 *
 * <p>Duplicates: the step is claimed under a lease owned by the task's SQS message id before anything is queued,
 * and committed only if still claimed, so a second copy of a RECOVER task (a lost SendMessage reply, a redrive)
 * neither queues the step's deliveries again nor counts them twice. A task that fails mid-step comes back with the
 * same message id, takes its own lease again and repeats the step (its DELIVERs carry the same webhook-ids).
 */
public final class RecoveryWorker {
    static final int MAX_EVENTS = 100;
    static final int MAX_QUERIES = 32;
    /** Longer than one delivery invocation (30 s) and shorter than the queue's visibility timeout (180 s). */
    static final Duration LEASE = Duration.ofSeconds(120);

    private final RecoveryStore store;
    private final SubscriptionStore subscriptions;
    private final DynamoDbClient dynamoDb;
    private final String eventsTable;
    private final SqsClient sqs;
    private final String deliveryQueueUrl;
    private final Clock clock;
    private final StructuredLog log;
    private final int maxEvents;
    private final int maxQueries;

    public RecoveryWorker(RecoveryStore store, SubscriptionStore subscriptions, DynamoDbClient dynamoDb,
                          String eventsTable, SqsClient sqs, String deliveryQueueUrl, Clock clock, StructuredLog log) {
        this(store, subscriptions, dynamoDb, eventsTable, sqs, deliveryQueueUrl, clock, log, MAX_EVENTS,
                MAX_QUERIES);
    }

    /** With smaller bounds, so that a test can span several steps with a few events. */
    RecoveryWorker(RecoveryStore store, SubscriptionStore subscriptions, DynamoDbClient dynamoDb, String eventsTable,
                   SqsClient sqs, String deliveryQueueUrl, Clock clock, StructuredLog log, int maxEvents,
                   int maxQueries) {
        this.store = store;
        this.subscriptions = subscriptions;
        this.dynamoDb = dynamoDb;
        this.eventsTable = eventsTable;
        this.sqs = sqs;
        this.deliveryQueueUrl = deliveryQueueUrl;
        this.clock = clock;
        this.log = log;
        this.maxEvents = maxEvents;
        this.maxQueries = maxQueries;
    }

    /**
     * Runs one step of the task's recovery.
     *
     * @param messageId the SQS message id of the task: the owner of the step's lease
     * @return true when the task is done with (the step ran, or there is nothing for this copy to do)
     * @throws RuntimeException when a read or a send failed: the task comes back and repeats the step
     */
    public boolean step(DeliveryTask task, String messageId) {
        if (task.recoveryId() == null || !Recovery.isId(task.recoveryId())) {
            throw new IllegalArgumentException("RECOVER task without a recoveryId");
        }
        Optional<Recovery> found = store.find(task.recoveryId());
        if (found.isEmpty() || found.get().status() != Recovery.Status.RUNNING) {
            // Expired, or finished by an earlier copy of this task.
            return true;
        }
        Recovery read = found.get();
        Instant now = clock.instant();
        String owner = messageId == null ? "unknown" : messageId;
        if (!store.claim(read, owner, now.plus(LEASE), now)) {
            log.info("recover step left to the task that holds it", Map.of("recoveryId", read.recoveryId(),
                    "step", read.step()));
            return true;
        }
        Optional<Subscription> subscription = subscriptions.find(read.subscriptionId());
        Recovery next = subscription.isEmpty()
                ? finished(read, Recovery.Status.CANCELLED, read.cursor(), Counts.NONE, owner, now)
                : walk(read, subscription.get(), owner);
        if (!store.commit(next, read.step(), owner)) {
            log.warn("recover step lost its lease before committing; another task repeats it",
                    Map.of("recoveryId", read.recoveryId(), "step", read.step()));
            return true;
        }
        if (next.status() == Recovery.Status.RUNNING) {
            new TaskQueue(sqs, deliveryQueueUrl).send(DeliveryTask.recover(read.subscriptionId(), read.recoveryId()));
        } else {
            log.info("recovery finished", fields(next));
        }
        return true;
    }

    /** What one step found. */
    private record Counts(long examined, long matched, long alreadyDelivered, long queued) {
        static final Counts NONE = new Counts(0, 0, 0, 0);
    }

    private Recovery walk(Recovery read, Subscription subscription, String owner) {
        String low = EventItems.timestamp(read.from());
        // '~' sorts after every character of "#<eventId>", so events at exactly `until` are included.
        String high = EventItems.timestamp(read.until()) + "#~";
        LocalDate lastDay = LocalDate.parse(EventItems.day(read.until()));
        Recovery.Cursor cursor = read.cursor();
        long examined = 0;
        long matched = 0;
        long delivered = 0;
        List<DeliveryTask> undelivered = new ArrayList<>();
        int queries = 0;
        boolean done = false;
        while (true) {
            if (LocalDate.parse(cursor.day()).isAfter(lastDay)) {
                done = true;
                break;
            }
            if (queries >= maxQueries || examined >= maxEvents) {
                break;
            }
            QueryResponse page = queryShard(cursor, low, high, (int) (maxEvents - examined));
            queries++;
            for (Map<String, AttributeValue> item : page.items()) {
                String sort = item.get(RelaySchema.RECEIVED_SORT).s();
                if (sort.equals(cursor.position())) {
                    continue; // BETWEEN is inclusive: the last event of the previous query, already counted
                }
                examined++;
                String eventId = item.get(EventItems.EVENT_ID).s();
                String eventType = item.get(RelaySchema.EVENT_TYPE).s();
                if (!SubscriptionMatcher.matches(subscription.eventTypes(), eventType)
                        || !reaches(item, eventId, subscription.subscriptionId())) {
                    continue;
                }
                matched++;
                if (wasDelivered(eventId, subscription.subscriptionId())) {
                    delivered++;
                } else {
                    String webhookId = WebhookIds.of(eventId, subscription.subscriptionId());
                    // A fresh budget in the round after the one claimed: a chain still retrying stops at its next
                    // attempt instead of running beside this one.
                    undelivered.add(DeliveryTask.deliver(eventId, eventType, subscription.subscriptionId(), webhookId)
                            .inRound(AttemptClaims.nextRound(dynamoDb, eventsTable, eventId, webhookId)));
                }
            }
            cursor = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
                    ? new Recovery.Cursor(cursor.day(), cursor.shard(),
                            page.lastEvaluatedKey().get(RelaySchema.RECEIVED_SORT).s())
                    : nextShard(cursor);
        }
        // To the main queue: the delivery side routes each task to its lane or holds it. A failure throws, and the
        // task comes back and repeats the step.
        new TaskQueue(sqs, deliveryQueueUrl).sendAll(undelivered);
        Counts counts = new Counts(examined, matched, delivered, undelivered.size());
        Instant now = clock.instant();
        return done ? finished(read, Recovery.Status.COMPLETED, cursor, counts, owner, now)
                : advanced(read, Recovery.Status.RUNNING, cursor, counts, owner, now, null);
    }

    /**
     * Whether the event of an index entry may be recovered to the subscription: any event but another
     * subscription's test event ({@link EventAudience}). Its mark is not in the index, so an entry whose key says it
     * may be a test event has its item read (one GetItem, for test events and the rare key that looks like one).
     */
    private boolean reaches(Map<String, AttributeValue> entry, String eventId, String subscriptionId) {
        AttributeValue key = entry.get(EventItems.IDEMPOTENCY_KEY);
        if (key == null || !EventAudience.mayBeTest(key.s())) {
            return true;
        }
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(eventsTable).consistentRead(true)
                .key(Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)),
                        RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK)))
                .projectionExpression("#testFor, #payload")
                .expressionAttributeNames(Map.of("#testFor", EventItems.TEST_FOR, "#payload", EventItems.PAYLOAD)))
                .item();
        return EventAudience.reaches(key.s(), text(item, EventItems.TEST_FOR), text(item, EventItems.PAYLOAD),
                subscriptionId);
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item == null ? null : item.get(name);
        return value == null ? null : value.s();
    }

    /** Events of the cursor's shard after its position, oldest first, at most {@code wanted} new ones. */
    private QueryResponse queryShard(Recovery.Cursor cursor, String low, String high, int wanted) {
        String start = cursor.position() == null ? low : cursor.position();
        return dynamoDb.query(QueryRequest.builder().tableName(eventsTable).indexName(RelaySchema.INDEX_BY_DAY)
                .keyConditionExpression("#p = :p AND #sort BETWEEN :low AND :high")
                // Only live event items, as the event list reads them (EventList).
                .filterExpression("#sk = :eventSk AND (attribute_not_exists(#exp) OR #exp > :now)")
                .expressionAttributeNames(Map.of("#p", RelaySchema.DAY_SHARD, "#sort", RelaySchema.RECEIVED_SORT,
                        "#sk", RelaySchema.SK, "#exp", RelaySchema.EXPIRES_AT))
                .expressionAttributeValues(Map.of(
                        ":p", AttributeValue.fromS(EventItems.dayShard(cursor.day(), cursor.shard())),
                        ":low", AttributeValue.fromS(start), ":high", AttributeValue.fromS(high),
                        ":eventSk", AttributeValue.fromS(EventItems.EVENT_SK),
                        ":now", AttributeValue.fromN(Long.toString(clock.instant().getEpochSecond()))))
                .scanIndexForward(true)
                .limit(cursor.position() == null ? wanted : wanted + 1)
                .build());
    }

    private static Recovery.Cursor nextShard(Recovery.Cursor cursor) {
        if (cursor.shard() + 1 < EventItems.LIST_SHARDS) {
            return new Recovery.Cursor(cursor.day(), cursor.shard() + 1, null);
        }
        return new Recovery.Cursor(LocalDate.parse(cursor.day()).plusDays(1).toString(), 0, null);
    }

    /** Whether the event's delivery log has an attempt that delivered it to the subscription (any webhook-id). */
    private boolean wasDelivered(String eventId, String subscriptionId) {
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder query = QueryRequest.builder().tableName(eventsTable).consistentRead(true)
                    .keyConditionExpression("#pk = :pk AND begins_with(#sk, :attempt)")
                    .filterExpression("#sub = :sub AND #outcome = :delivered")
                    .projectionExpression("#pk, #sk")
                    .expressionAttributeNames(Map.of("#pk", RelaySchema.PK, "#sk", RelaySchema.SK,
                            "#sub", DeliveryLogItems.SUBSCRIPTION_ID, "#outcome", DeliveryLogItems.OUTCOME))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(EventItems.eventPk(eventId)),
                            ":attempt", AttributeValue.fromS(DeliveryLogItems.SK_PREFIX),
                            ":sub", AttributeValue.fromS(subscriptionId),
                            ":delivered", AttributeValue.fromS(DeliveryLogItems.OUTCOME_DELIVERED)));
            if (start != null) {
                query.exclusiveStartKey(start);
            }
            QueryResponse page = dynamoDb.query(query.build());
            if (!page.items().isEmpty()) {
                return true;
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return false;
    }

    private static Recovery finished(Recovery read, Recovery.Status status, Recovery.Cursor cursor, Counts counts,
                                     String owner, Instant now) {
        return advanced(read, status, cursor, counts, owner, now, now);
    }

    private static Recovery advanced(Recovery read, Recovery.Status status, Recovery.Cursor cursor, Counts counts,
                                     String owner, Instant now, Instant completedAt) {
        return new Recovery(read.recoveryId(), read.subscriptionId(), read.since(), read.from(), read.until(), status,
                read.examined() + counts.examined(), read.matched() + counts.matched(),
                read.alreadyDelivered() + counts.alreadyDelivered(), read.queued() + counts.queued(),
                read.createdAt(), now, completedAt, read.step() + 1, cursor, null, null, owner);
    }

    private static Map<String, Object> fields(Recovery r) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("recoveryId", r.recoveryId());
        fields.put("subscriptionId", r.subscriptionId());
        fields.put("status", r.status().name());
        fields.put("steps", r.step());
        fields.put("examined", r.examined());
        fields.put("matched", r.matched());
        fields.put("alreadyDelivered", r.alreadyDelivered());
        fields.put("queued", r.queued());
        return fields;
    }
}
