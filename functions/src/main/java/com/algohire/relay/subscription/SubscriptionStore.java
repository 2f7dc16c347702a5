package com.algohire.relay.subscription;

import com.algohire.relay.config.RelaySchema;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/** Reads and writes subscriptions in the subscriptions table (one item per subscription, keyed by its id). */
public final class SubscriptionStore {
    /** A page of subscriptions and the opaque cursor of the next one (null at the end). */
    public record Page(List<Subscription> items, String nextCursor) {
    }

    private static final String URL = "url";
    private static final String EVENT_TYPES = "eventTypes";
    private static final String DESCRIPTION = "description";
    private static final String ACTIVE = "active";
    private static final String SECRETS = "secrets";
    private static final String SECRET = "secret";
    private static final String EXPIRES_AT = "expiresAt";
    private static final String CREATED_AT = "createdAt";
    private static final String UPDATED_AT = "updatedAt";
    private static final String DISABLED_REASON = "disabledReason";
    private static final String PAUSED = "paused";
    /** Epoch ms until which a DRAIN of this subscription's held tasks owns them (absent: none does). */
    static final String DRAIN_LEASE_UNTIL = "drainLeaseUntil";
    /** What {@link #replace} writes: every attribute but the key, createdAt and the delivery side's health. */
    private static final List<String> REPLACED_FIELDS = List.of(URL, EVENT_TYPES, DESCRIPTION, ACTIVE, SECRETS,
            UPDATED_AT, DISABLED_REASON, PAUSED);

    private final DynamoDbClient dynamoDb;
    private final String table;

    public SubscriptionStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    /**
     * Writes a new subscription.
     *
     * @throws IllegalStateException when another subscription has this id (random ids: not expected to happen)
     */
    public void create(Subscription subscription) {
        Map<String, AttributeValue> item = toItem(subscription);
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", RelaySchema.SUBSCRIPTION_ID)));
        } catch (ConditionalCheckFailedException e) {
            if (!holds(subscription.subscriptionId(), item)) {
                throw new IllegalStateException("subscription id already taken", e);
            }
        }
    }

    /**
     * Replaces the operator's fields of a subscription read earlier (url, eventTypes, description, active, secrets,
     * disabledReason, paused, updatedAt), provided nobody changed it since (its updatedAt is still
     * {@code readUpdatedAt}): a PATCH must not undo a concurrent rotation or a 410 disable it never saw. An update
     * of those fields, never a whole-item put: {@code health} and {@code healthVersion} belong to the delivery side,
     * which writes them under its own version without touching updatedAt, so a put of the item as read would undo
     * a health write made meanwhile.
     *
     * @return false when it was deleted or changed meanwhile
     */
    public boolean replace(Subscription subscription, Instant readUpdatedAt) {
        return update(subscription, readUpdatedAt, false);
    }

    /**
     * {@link #replace}, and the health back to {@link SubscriptionHealth#INITIAL} under a new healthVersion: an
     * operator's re-enable starts the subscription afresh (its breaker closed, its failure run forgotten). A
     * delivery-side health write that read the old version is then refused, re-reads and applies its batch's
     * outcomes to the fresh record, so none of the attempts it saw is lost.
     */
    public boolean replaceResettingHealth(Subscription subscription, Instant readUpdatedAt) {
        return update(subscription, readUpdatedAt, true);
    }

    private boolean update(Subscription subscription, Instant readUpdatedAt, boolean resetHealth) {
        Map<String, AttributeValue> item = toItem(subscription);
        List<String> set = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        for (String field : REPLACED_FIELDS) {
            String name = "#" + field;
            names.put(name, field);
            if (item.containsKey(field)) {
                set.add(name + " = :" + field);
                values.put(":" + field, item.get(field));
            } else {
                remove.add(name);
            }
        }
        if (resetHealth) {
            names.put("#health", SubscriptionHealthItems.HEALTH);
            names.put("#healthVersion", SubscriptionHealthItems.HEALTH_VERSION);
            set.add("#health = :health");
            set.add("#healthVersion = if_not_exists(#healthVersion, :zero) + :one");
            values.put(":health", SubscriptionHealthItems.toAttribute(SubscriptionHealth.INITIAL));
            values.put(":zero", AttributeValue.fromN("0"));
            values.put(":one", AttributeValue.fromN("1"));
        }
        names.put("#id", RelaySchema.SUBSCRIPTION_ID);
        values.put(":read", AttributeValue.fromS(readUpdatedAt.toString()));
        String expression = "SET " + String.join(", ", set) + (remove.isEmpty() ? "" : " REMOVE "
                + String.join(", ", remove));
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(subscription.subscriptionId()))
                    .updateExpression(expression)
                    .conditionExpression("attribute_exists(#id) AND #" + UPDATED_AT + " = :read")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return holdsOperatorFields(subscription.subscriptionId(), item);
        }
    }

    /**
     * {@link #holds} for an update: whether the operator's fields stored are those of {@code item} (health is left
     * out: the delivery side may have written it since our lost write landed).
     */
    private boolean holdsOperatorFields(String subscriptionId, Map<String, AttributeValue> item) {
        Map<String, AttributeValue> stored = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(subscriptionId))).item();
        return stored != null && operatorFields(item).equals(operatorFields(stored));
    }

    private static Map<String, AttributeValue> operatorFields(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> fields = new HashMap<>();
        for (String field : REPLACED_FIELDS) {
            if (item.containsKey(field)) {
                fields.put(field, item.get(field));
            }
        }
        return fields;
    }

    /**
     * Whether the table holds exactly {@code item}: after a refused conditional write, tells "someone else changed
     * it" from "our own write landed, its reply was lost, and the SDK's retry of it was refused". Without this a
     * create would answer 500 for a subscription it made (whose secret nobody then knows, and whose retry makes a
     * second one), and a rotate 409 for a secret it stored but never showed.
     */
    private boolean holds(String subscriptionId, Map<String, AttributeValue> item) {
        Map<String, AttributeValue> stored = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(subscriptionId))).item();
        return item.equals(stored);
    }

    public Optional<Subscription> find(String subscriptionId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(subscriptionId))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    public boolean delete(String subscriptionId) {
        Map<String, AttributeValue> old = dynamoDb.deleteItem(r -> r.tableName(table).key(key(subscriptionId))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    /**
     * Stops deliveries to the subscription as {@code read} describes it (e.g. its receiver answered 410 Gone),
     * provided it is still that version: active, at the same URL, not updated since. A 410 from an attempt that
     * started before an operator re-pointed, re-enabled or otherwise changed the subscription says nothing about
     * the subscription as it is now, so it must not disable it.
     *
     * @return true when it is now disabled for this reason at this URL: by this call, or by a concurrent attempt
     *         that had read the same version and got the same 410; false when it changed or was deleted meanwhile
     */
    public boolean disable(Subscription read, String reason, Instant now) {
        Instant stamp = nextUpdatedAt(read.updatedAt(), now);
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(read.subscriptionId()))
                    .updateExpression("SET #active = :false, #reason = :reason, #updated = :stamp")
                    .conditionExpression(
                            "attribute_exists(#id) AND #active = :true AND #url = :url AND #updated = :read")
                    .expressionAttributeNames(Map.of("#active", ACTIVE, "#reason", DISABLED_REASON,
                            "#updated", UPDATED_AT, "#id", RelaySchema.SUBSCRIPTION_ID, "#url", URL))
                    .expressionAttributeValues(Map.of(":false", AttributeValue.fromBool(false),
                            ":true", AttributeValue.fromBool(true), ":reason", AttributeValue.fromS(reason),
                            ":stamp", AttributeValue.fromS(stamp.toString()), ":url", AttributeValue.fromS(read.url()),
                            ":read", AttributeValue.fromS(read.updatedAt().toString()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            // Refused also when a sibling attempt's 410 disabled it first, and when the SDK retried this very
            // update after losing its reply.
            return find(read.subscriptionId()).filter(s -> !s.active() && reason.equals(s.disabledReason())
                    && read.url().equals(s.url())).isPresent();
        }
    }

    /**
     * What a conditional health write did: {@code stored} is the health as stored (version {@code readVersion + 1}),
     * null when the write was refused; {@code seen} is then the subscription as the refused condition saw it (the
     * item DynamoDB returns with the refusal), null when the refusal carried none (the subscription is gone, or the
     * engine does not return it): read it to know.
     */
    public record HealthWrite(SubscriptionHealth stored, Subscription seen) {
        public boolean written() {
            return stored != null;
        }
    }

    /**
     * Stores the delivery side's {@code health}, provided nobody else wrote it since it was read at version
     * {@code readVersion} (0: never written). Touches neither updatedAt (the operator's version, which PATCH and
     * the 410 disable compare) nor anything else of the subscription.
     *
     * @return the health as stored (version {@code readVersion + 1}), or empty when the version had moved on or the
     *         subscription is gone: re-read and re-fold
     */
    public Optional<SubscriptionHealth> writeHealth(String subscriptionId, SubscriptionHealth health,
                                                    long readVersion) {
        return Optional.ofNullable(tryWriteHealth(subscriptionId, health, readVersion).stored());
    }

    /**
     * {@link #writeHealth}, and on a refusal the subscription as it stands, from the refusal itself
     * ({@code ReturnValuesOnConditionCheckFailure.ALL_OLD}): the writer that lost a race re-folds on it without a
     * second read of the subscription (the hot item of a busy subscriber, read and written by every batch).
     */
    public HealthWrite tryWriteHealth(String subscriptionId, SubscriptionHealth health, long readVersion) {
        SubscriptionHealth stored = health.withVersion(readVersion + 1);
        Map<String, String> names = Map.of("#id", RelaySchema.SUBSCRIPTION_ID,
                "#health", SubscriptionHealthItems.HEALTH, "#version", SubscriptionHealthItems.HEALTH_VERSION);
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":health", SubscriptionHealthItems.toAttribute(stored));
        values.put(":next", AttributeValue.fromN(Long.toString(stored.version())));
        String condition = "attribute_exists(#id) AND attribute_not_exists(#version)";
        if (readVersion > 0) {
            condition = "attribute_exists(#id) AND #version = :read";
            values.put(":read", AttributeValue.fromN(Long.toString(readVersion)));
        }
        String finalCondition = condition;
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(subscriptionId))
                    .updateExpression("SET #health = :health, #version = :next")
                    .conditionExpression(finalCondition)
                    .expressionAttributeNames(names).expressionAttributeValues(values)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return new HealthWrite(stored, null);
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> seen = e.hasItem() ? e.item() : null;
            return new HealthWrite(null, seen == null || seen.isEmpty() ? null : fromItem(seen));
        }
    }

    /**
     * Takes the subscription's drain lease until {@code until} unless another drain holds an unexpired one, so that
     * two DRAIN messages never send the same held page twice. A number (epoch ms) because ISO strings of varying
     * precision do not compare in time order.
     *
     * @return false when another drain holds it (or the subscription is gone)
     */
    public boolean takeDrainLease(String subscriptionId, Instant now, Instant until) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(subscriptionId))
                    .updateExpression("SET #lease = :until")
                    .conditionExpression("attribute_exists(#id) AND (attribute_not_exists(#lease) OR #lease < :now)")
                    .expressionAttributeNames(Map.of("#id", RelaySchema.SUBSCRIPTION_ID, "#lease", DRAIN_LEASE_UNTIL))
                    .expressionAttributeValues(Map.of(
                            ":until", AttributeValue.fromN(Long.toString(until.toEpochMilli())),
                            ":now", AttributeValue.fromN(Long.toString(now.toEpochMilli())))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Gives back a drain lease taken until {@code until}, unless it has passed to another drain meanwhile. */
    public void releaseDrainLease(String subscriptionId, Instant until) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(subscriptionId))
                    .updateExpression("REMOVE #lease")
                    .conditionExpression("#lease = :until")
                    .expressionAttributeNames(Map.of("#lease", DRAIN_LEASE_UNTIL))
                    .expressionAttributeValues(Map.of(
                            ":until", AttributeValue.fromN(Long.toString(until.toEpochMilli())))));
        } catch (ConditionalCheckFailedException e) {
            // Expired and taken by another drain: it is theirs now.
        }
    }

    /**
     * The updatedAt of a write that replaces a version stamped {@code previous}: now, or just after
     * {@code previous} when this function's clock is behind the writer of that version. updatedAt is the version
     * that conditional writes compare, and readers sort by it, so it never moves backwards.
     */
    public static Instant nextUpdatedAt(Instant previous, Instant now) {
        return now.isAfter(previous) ? now : previous.plusMillis(1);
    }

    /** One page in table order; the cursor is the last key, base64url-encoded. */
    public Page list(int limit, String cursor) {
        ScanRequest.Builder scan = ScanRequest.builder().tableName(table).limit(limit).consistentRead(true);
        if (cursor != null) {
            scan.exclusiveStartKey(key(decodeCursor(cursor)));
        }
        ScanResponse page = dynamoDb.scan(scan.build());
        List<Subscription> items = page.items().stream().map(SubscriptionStore::fromItem).toList();
        String next = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
                ? encodeCursor(page.lastEvaluatedKey().get(RelaySchema.SUBSCRIPTION_ID).s()) : null;
        return new Page(items, next);
    }

    /**
     * Every subscription, active or disabled: the fan-out queues a DELIVER for each that matches, and a disabled
     * one's tasks are held at the delivery's gate until it is re-enabled (skipping it here would lose every event
     * accepted while it is disabled; a scan reads every item whatever its filter, so reading them all costs
     * nothing more). The fan-out reads it at most once per SQS batch and keeps it no longer than that batch (see the
     * delivery package's FanOut.snapshot): nothing caches it across batches.
     */
    public List<Subscription> listForFanOut() {
        List<Subscription> all = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            ScanRequest.Builder scan = ScanRequest.builder().tableName(table);
            if (start != null) {
                scan.exclusiveStartKey(start);
            }
            ScanResponse page = dynamoDb.scan(scan.build());
            page.items().forEach(item -> all.add(fromItem(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return all;
    }

    static String encodeCursor(String subscriptionId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(subscriptionId.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException when the cursor is not one this store made */
    static String decodeCursor(String cursor) {
        String id = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        if (!Subscription.isId(id)) {
            throw new IllegalArgumentException("not a subscription cursor");
        }
        return id;
    }

    private static Map<String, AttributeValue> key(String subscriptionId) {
        return Map.of(RelaySchema.SUBSCRIPTION_ID, AttributeValue.fromS(subscriptionId));
    }

    private static Map<String, AttributeValue> toItem(Subscription s) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.SUBSCRIPTION_ID, AttributeValue.fromS(s.subscriptionId()));
        item.put(URL, AttributeValue.fromS(s.url()));
        item.put(EVENT_TYPES, AttributeValue.fromL(s.eventTypes().stream().map(AttributeValue::fromS).toList()));
        if (s.description() != null) {
            item.put(DESCRIPTION, AttributeValue.fromS(s.description()));
        }
        item.put(ACTIVE, AttributeValue.fromBool(s.active()));
        item.put(SECRETS, AttributeValue.fromL(s.secrets().stream().map(secret -> {
            Map<String, AttributeValue> m = new HashMap<>();
            m.put(SECRET, AttributeValue.fromS(secret.secret()));
            if (secret.expiresAt() != null) {
                m.put(EXPIRES_AT, AttributeValue.fromS(secret.expiresAt().toString()));
            }
            return AttributeValue.fromM(m);
        }).toList()));
        item.put(CREATED_AT, AttributeValue.fromS(s.createdAt().toString()));
        item.put(UPDATED_AT, AttributeValue.fromS(s.updatedAt().toString()));
        if (s.disabledReason() != null) {
            item.put(DISABLED_REASON, AttributeValue.fromS(s.disabledReason()));
        }
        if (s.paused()) {
            item.put(PAUSED, AttributeValue.fromBool(true));
        }
        if (s.health().version() > 0) {
            item.put(SubscriptionHealthItems.HEALTH, SubscriptionHealthItems.toAttribute(s.health()));
            item.put(SubscriptionHealthItems.HEALTH_VERSION, AttributeValue.fromN(Long.toString(s.health().version())));
        }
        return item;
    }

    private static Subscription fromItem(Map<String, AttributeValue> item) {
        List<Subscription.SigningSecret> secrets = item.containsKey(SECRETS)
                ? item.get(SECRETS).l().stream().map(v -> new Subscription.SigningSecret(v.m().get(SECRET).s(),
                        v.m().containsKey(EXPIRES_AT) ? Instant.parse(v.m().get(EXPIRES_AT).s()) : null)).toList()
                : List.of();
        return new Subscription(item.get(RelaySchema.SUBSCRIPTION_ID).s(), item.get(URL).s(),
                item.get(EVENT_TYPES).l().stream().map(AttributeValue::s).toList(),
                item.containsKey(DESCRIPTION) ? item.get(DESCRIPTION).s() : null,
                Boolean.TRUE.equals(item.get(ACTIVE).bool()), secrets,
                Instant.parse(item.get(CREATED_AT).s()), Instant.parse(item.get(UPDATED_AT).s()),
                item.containsKey(DISABLED_REASON) ? item.get(DISABLED_REASON).s() : null,
                item.containsKey(PAUSED) && Boolean.TRUE.equals(item.get(PAUSED).bool()),
                SubscriptionHealthItems.fromItem(item));
    }
}
