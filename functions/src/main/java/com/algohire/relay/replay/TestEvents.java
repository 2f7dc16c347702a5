package com.algohire.relay.replay;

import com.algohire.relay.audit.Commit;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.EventAudience;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.EventTypes;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.ingest.EventValidator;
import com.algohire.relay.internal.Json;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionMatcher;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Sends an operator's test event to one subscription: a real event, stored like an ingested one (so it is listed,
 * looked up by its idempotency key {@code test:<uuid>} and shown with its attempts), and one DELIVER task to that
 * subscription only, never a fan-out to every subscriber of the type.
 *
 * <p>The event item is written QUEUED and without {@code pendingShard}, so the sweeper never finds it and fans it
 * out, and marked with its subscription ({@code testFor}), so that no other path (recover, replay, redrive) sends
 * it to another ({@link EventAudience}); its delivery-state item is put with {@code fanOut} 1 before the task is
 * queued (a put, not an update, so the management function needs no UpdateItem on event items). Every put is
 * conditional on absence under fresh ids: a put whose reply was lost and that the SDK retried is refused by our
 * own committed write, which counts as written. A task queued twice (a lost SendMessage reply) carries the same
 * webhook-id, so the receiver sees one webhook.
 */
public final class TestEvents {
    /** The default type's action for a domain wildcard ({@code job.*} → {@code job.test}). */
    static final String TEST_ACTION = "test";
    /** The default for a subscription to every type ({@code *}). */
    static final String DEFAULT_TYPE = "job.test";
    public static final String IDEMPOTENCY_KEY_PREFIX = EventAudience.TEST_KEY_PREFIX;
    public static final String SENT_BY = EventAudience.TEST_SENT_BY;

    /** What was queued. */
    public record Sent(String eventId, String eventType, String subscriptionId, String webhookId) {
    }

    private final EventValidator validator;
    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;
    private final TaskQueue queue;
    private final Clock clock;

    public TestEvents(EventValidator validator, DynamoDbClient dynamoDb, String table, Duration retention,
                      TaskQueue queue, Clock clock) {
        this.validator = validator;
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
        this.queue = queue;
        this.clock = clock;
    }

    /**
     * Stores a test event of {@code eventType} (or, when null, the subscription's first event type made concrete)
     * and queues its delivery to the subscription. {@code commit} is told once the event is stored (it is listed
     * from then on, whether or not its task is then queued).
     *
     * @throws RelayException INVALID_EVENT_TYPE (malformed, or of an unknown domain);
     *                        SUBSCRIPTION_INACTIVE; SUBSCRIPTION_NOT_MATCHING (a type the subscription does not
     *                        receive)
     */
    public Sent send(Subscription subscription, String eventType, Commit commit) {
        String type = eventType == null ? defaultType(subscription) : validator.checkEventTypeField(eventType);
        if (!subscription.active()) {
            throw new RelayException(ErrorCode.SUBSCRIPTION_INACTIVE,
                    "The subscription is inactive; PATCH active=true first",
                    Map.of("subscriptionId", subscription.subscriptionId()));
        }
        if (!SubscriptionMatcher.matches(subscription.eventTypes(), type)) {
            throw new RelayException(ErrorCode.SUBSCRIPTION_NOT_MATCHING, "Field eventType: the subscription's "
                    + "eventTypes do not include " + type, Map.of("field", "eventType",
                    "subscriptionId", subscription.subscriptionId(), "eventType", type));
        }
        Instant now = clock.instant();
        String eventId = UUID.randomUUID().toString();
        String key = IDEMPOTENCY_KEY_PREFIX + UUID.randomUUID();
        String payload = payload(now);
        String hash = hash(type, payload);
        putIfAbsent(keyItem(key, eventId, hash, now));
        putIfAbsent(eventItem(eventId, type, key, payload, hash, now, subscription.subscriptionId()));
        commit.committed();
        putIfAbsent(DeliveryStates.fannedOutItem(eventId, 1, now.plus(retention).getEpochSecond()));
        String webhookId = WebhookIds.of(eventId, subscription.subscriptionId());
        queue.send(DeliveryTask.deliver(eventId, type, subscription.subscriptionId(), webhookId));
        return new Sent(eventId, type, subscription.subscriptionId(), webhookId);
    }

    /** The first filter made concrete: {@code job.created} as is, {@code job.*} → {@code job.test}, * → job.test. */
    static String defaultType(Subscription subscription) {
        String first = subscription.eventTypes().isEmpty() ? "*" : subscription.eventTypes().getFirst();
        if (EventTypes.isDomainWildcard(first)) {
            return EventTypes.domain(first) + "." + TEST_ACTION;
        }
        return EventTypes.isName(first) ? first : DEFAULT_TYPE;
    }

    private static String payload(Instant now) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("test", true);
        payload.put("sentBy", SENT_BY);
        payload.put("at", EventItems.timestamp(now));
        try {
            return Json.mapper().writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of three plain values is always JSON", e);
        }
    }

    /** Not ingest's canonical hash (nobody repeats this key), but the same kind of value in the same place. */
    private static String hash(String eventType, String payload) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((eventType + "\n" + payload).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private Map<String, AttributeValue> keyItem(String key, String eventId, String hash, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, s(EventItems.keyPk(key)));
        item.put(RelaySchema.SK, s(EventItems.KEY_SK));
        item.put(EventItems.EVENT_ID, s(eventId));
        item.put(EventItems.REQUEST_HASH, s(hash));
        item.put(EventItems.RECEIVED_AT, s(EventItems.timestamp(now)));
        item.put(EventItems.LEASE_UNTIL, n(now.toEpochMilli()));
        item.put(RelaySchema.EXPIRES_AT, n(now.plus(retention).getEpochSecond()));
        return item;
    }

    private Map<String, AttributeValue> eventItem(String eventId, String eventType, String key, String payload,
                                                  String hash, Instant now, String subscriptionId) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, s(EventItems.eventPk(eventId)));
        item.put(RelaySchema.SK, s(EventItems.EVENT_SK));
        item.put(EventItems.EVENT_ID, s(eventId));
        item.put(RelaySchema.EVENT_TYPE, s(eventType));
        item.put(EventItems.IDEMPOTENCY_KEY, s(key));
        item.put(EventItems.REQUEST_HASH, s(hash));
        item.put(EventItems.PAYLOAD, s(payload));
        item.put(EventItems.RECEIVED_AT, s(EventItems.timestamp(now)));
        item.putAll(EventItems.listKeys(eventId, eventType, now));
        item.put(EventItems.STATUS, s(EventItems.STATUS_QUEUED)); // no pendingShard: the sweeper never sees it
        item.put(RelaySchema.EXPIRES_AT, n(now.plus(retention).getEpochSecond()));
        // Listed like any event (list keys above), but reaching no other subscription: recover's walk and a replay
        // to all honour this mark, and the delivery drops a task of this event for any other subscription.
        item.put(EventItems.TEST_FOR, s(subscriptionId));
        return item;
    }

    /** Under a fresh id, a refused condition can only be our own write, retried by the SDK after it committed. */
    private void putIfAbsent(Map<String, AttributeValue> item) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", RelaySchema.PK)));
        } catch (ConditionalCheckFailedException ownRetry) {
            // written
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
