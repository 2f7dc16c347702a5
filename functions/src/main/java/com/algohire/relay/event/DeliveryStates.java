package com.algohire.relay.event;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.internal.StructuredLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * Where each event's deliveries stand, per subscription, kept so that a page of the event list learns it with one
 * BatchGetItem rather than a query per row: one small item beside the event (pk {@code EVENT#<eventId>}, sk
 * {@code DELIVERY}) holding {@code fanOut} (how many subscriptions the fan-out matched) and one map attribute
 * {@code dlv#<subscriptionId>} per subscription ({@code state}, {@code attempts}, {@code lastAttemptAt},
 * {@code webhookId}, {@code at}).
 *
 * <p>A separate item rather than attributes of the event item: an UpdateItem is billed on the larger of the item
 * before and after, and an event item carries its payload inline up to {@code EventIngestion.INLINE_PAYLOAD_LIMIT}
 * (4 KiB; 350 KB when this was decided), so each attempt's update would cost several write units, not 1; a
 * BatchGetItem of event items would read those payloads too. This item carries none of the list indexes' keys,
 * so it is in no index and its updates write no index entry. The full reasoning: docs/architecture.md, "Delivery
 * state per event".
 *
 * <p>Writes are best effort (logged, never thrown: a delivery must not fail or repeat over its summary) and
 * idempotent: each sets a whole subscription entry, conditional on its {@code at} (the attempt's or the hold's
 * time) being no older than the stored one, so a stale RETRYING that lands after DELIVERED loses, while the SDK's
 * retry of a write whose reply was lost (same {@code at}) passes and changes nothing.
 */
public final class DeliveryStates {
    public static final String SK = "DELIVERY";
    static final String FAN_OUT = "fanOut";
    static final String ENTRY_PREFIX = "dlv#";
    static final String STATE = "state";
    static final String ATTEMPTS = "attempts";
    static final String LAST_ATTEMPT_AT = "lastAttemptAt";
    static final String WEBHOOK_ID = "webhookId";
    /** When the entry's state was decided: orders writes, so an older one never replaces a newer one. */
    static final String AT = "at";
    /** BatchGetItem's limit on keys per request. */
    static final int BATCH_LIMIT = 100;
    /** Extra BatchGetItem rounds for keys DynamoDB left unprocessed (throttling) before they are reported unknown. */
    static final int UNPROCESSED_RETRIES = 2;

    /** A subscription's delivery of the event, as stored. */
    public enum State {
        DELIVERED, RETRYING, HELD, FAILED, DEAD_LETTERED;

        /** As the API spells it: {@code dead_lettered}. */
        public String view() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One subscription's delivery of the event; {@code lastAttemptAt} null while held before any attempt. */
    public record Entry(String subscriptionId, String webhookId, State state, int attempts, String lastAttemptAt) {
    }

    /**
     * An event's deliveries: {@code fanOut} null before its fan-out ran (or when that write was lost), else how many
     * subscriptions it matched; {@code entries} one per subscription that has an outcome (oldest decision first is
     * not promised: sorted by subscription id).
     */
    public record Summary(Integer fanOut, List<Entry> entries) {
        public static final Summary NONE = new Summary(null, List.of());

        /**
         * The event's state over all its subscriptions: dead_lettered if any is parked, else failed if any gave up
         * (a 410's disable, as versions that did not hold its task recorded it), else retrying, else held, else
         * delivered once every matched subscription is; pending before the fan-out (or while some matched
         * subscription has no outcome yet); no_subscribers when none matched.
         */
        public String state() {
            if (entries.isEmpty()) {
                if (fanOut == null) {
                    return "pending";
                }
                return fanOut == 0 ? "no_subscribers" : "pending";
            }
            for (State worst : List.of(State.DEAD_LETTERED, State.FAILED, State.RETRYING, State.HELD)) {
                if (entries.stream().anyMatch(e -> e.state() == worst)) {
                    return worst.view();
                }
            }
            return delivered() >= subscriptions() ? "delivered" : "pending";
        }

        /** Subscriptions the event is for: those matched at fan-out, or more if a later replay reached others. */
        public int subscriptions() {
            return Math.max(fanOut == null ? 0 : fanOut, entries.size());
        }

        public int delivered() {
            return (int) entries.stream().filter(e -> e.state() == State.DELIVERED).count();
        }

        /** {@code {"state","subscriptions","delivered"}}, the list row's and the detail's {@code delivery}. */
        public Map<String, Object> view() {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("state", state());
            view.put("subscriptions", subscriptions());
            view.put("delivered", delivered());
            return view;
        }

        /** The detail's {@code deliveries}: one per subscription with an outcome. */
        public List<Map<String, Object>> deliveriesView() {
            List<Map<String, Object>> views = new ArrayList<>();
            for (Entry entry : entries) {
                Map<String, Object> view = new LinkedHashMap<>();
                view.put("subscriptionId", entry.subscriptionId());
                view.put("webhookId", entry.webhookId());
                view.put("state", entry.state().view());
                view.put("attempts", entry.attempts());
                view.put("lastAttemptAt", entry.lastAttemptAt());
                views.add(view);
            }
            return views;
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;
    private final StructuredLog log;

    public DeliveryStates(DynamoDbClient dynamoDb, String table, Duration retention, StructuredLog log) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
        this.log = log;
    }

    /** Records that the fan-out matched {@code subscriptions} (0: none). Best effort; a later fan-out wins. */
    public void fannedOut(String eventId, int subscriptions, Instant now) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(eventId))
                    .updateExpression("SET #fanOut = :n, #exp = :exp")
                    .expressionAttributeNames(Map.of("#fanOut", FAN_OUT, "#exp", RelaySchema.EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":n", n(subscriptions), ":exp", n(expiresAt(now)))));
        } catch (RuntimeException e) {
            log.warn("delivery state of the fan-out not recorded; the event list may show it pending",
                    Map.of("eventId", eventId, "exception", e.getClass().getName()));
        }
    }

    /**
     * The item of an event whose fan-out is decided before anything is delivered (a test event, sent to one
     * subscription): written with a conditional PutItem by a function that may put but not update event items.
     */
    public static Map<String, AttributeValue> fannedOutItem(String eventId, int subscriptions, long expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>(key(eventId));
        item.put(FAN_OUT, n(subscriptions));
        item.put(RelaySchema.EXPIRES_AT, n(expiresAt));
        return item;
    }

    /**
     * Records where one subscription's delivery stands, unless a newer decision is already stored. Best effort.
     *
     * @param attempts      the attempts made so far
     * @param lastAttemptAt the last attempt's time, or null (held before any attempt)
     * @param at            when this state was decided (the attempt's start, or the hold's time)
     */
    public void record(String eventId, String subscriptionId, String webhookId, State state, int attempts,
                       Instant lastAttemptAt, Instant at) {
        Map<String, AttributeValue> entry = new HashMap<>();
        entry.put(STATE, s(state.name()));
        entry.put(ATTEMPTS, n(attempts));
        if (lastAttemptAt != null) {
            entry.put(LAST_ATTEMPT_AT, s(EventItems.timestamp(lastAttemptAt)));
        }
        entry.put(WEBHOOK_ID, s(webhookId));
        String stamp = EventItems.timestamp(at);
        entry.put(AT, s(stamp));
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(eventId))
                    .updateExpression("SET #entry = :entry, #exp = :exp")
                    .conditionExpression("attribute_not_exists(#entry) OR #entry.#at <= :at")
                    .expressionAttributeNames(Map.of("#entry", ENTRY_PREFIX + subscriptionId, "#at", AT,
                            "#exp", RelaySchema.EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":entry", AttributeValue.fromM(entry), ":at", s(stamp),
                            ":exp", n(expiresAt(at)))));
        } catch (ConditionalCheckFailedException newer) {
            log.info("delivery state not recorded: a newer one is stored", Map.of("eventId", eventId,
                    "subscriptionId", subscriptionId, "state", state.name()));
        } catch (RuntimeException e) {
            log.warn("delivery state not recorded; the event list may show it stale", Map.of("eventId", eventId,
                    "subscriptionId", subscriptionId, "state", state.name(), "exception", e.getClass().getName()));
        }
    }

    /** The event's deliveries (strongly consistent); {@link Summary#NONE} before anything was recorded. */
    public Summary find(String eventId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).key(key(eventId))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Summary.NONE : summary(item);
    }

    /**
     * The deliveries of a page of events: one BatchGetItem per 100 events (a list page has at most 100), plus a
     * bounded retry of keys DynamoDB leaves unprocessed. An event missing from the answer has nothing recorded
     * ({@link Summary#NONE}); one whose key stayed unprocessed is absent from the map (unknown).
     */
    public Map<String, Summary> findAll(List<String> eventIds) {
        Map<String, Summary> found = new HashMap<>();
        for (int from = 0; from < eventIds.size(); from += BATCH_LIMIT) {
            List<String> chunk = eventIds.subList(from, Math.min(eventIds.size(), from + BATCH_LIMIT));
            List<Map<String, AttributeValue>> keys = chunk.stream().distinct().map(DeliveryStates::key).toList();
            chunk.forEach(id -> found.put(id, Summary.NONE));
            for (int round = 0; round <= UNPROCESSED_RETRIES && !keys.isEmpty(); round++) {
                List<Map<String, AttributeValue>> asked = keys;
                BatchGetItemResponse response = dynamoDb.batchGetItem(r -> r.requestItems(Map.of(table,
                        KeysAndAttributes.builder().keys(asked).build())));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    found.put(eventId(item), summary(item));
                }
                KeysAndAttributes unprocessed = response.hasUnprocessedKeys()
                        ? response.unprocessedKeys().get(table) : null;
                keys = unprocessed == null ? List.of() : unprocessed.keys();
            }
            keys.forEach(k -> found.remove(eventId(k)));
        }
        return found;
    }

    static Summary summary(Map<String, AttributeValue> item) {
        AttributeValue fanOut = item.get(FAN_OUT);
        List<Entry> entries = new ArrayList<>();
        item.forEach((name, value) -> {
            if (name.startsWith(ENTRY_PREFIX) && value.hasM()) {
                Entry entry = entry(name.substring(ENTRY_PREFIX.length()), value.m());
                if (entry != null) {
                    entries.add(entry);
                }
            }
        });
        entries.sort((a, b) -> a.subscriptionId().compareTo(b.subscriptionId()));
        return new Summary(fanOut == null || fanOut.n() == null ? null : Integer.valueOf(fanOut.n()),
                List.copyOf(entries));
    }

    /** An entry, or null for one whose state this code does not know (written by a newer version). */
    private static Entry entry(String subscriptionId, Map<String, AttributeValue> m) {
        State state;
        try {
            state = State.valueOf(EventItems.string(m, STATE));
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
        String attempts = EventItems.string(m, ATTEMPTS);
        return new Entry(subscriptionId, EventItems.string(m, WEBHOOK_ID), state,
                attempts == null ? 0 : Integer.parseInt(attempts), EventItems.string(m, LAST_ATTEMPT_AT));
    }

    private static String eventId(Map<String, AttributeValue> item) {
        return item.get(RelaySchema.PK).s().substring(EventItems.EVENT_PK_PREFIX.length());
    }

    static Map<String, AttributeValue> key(String eventId) {
        return Map.of(RelaySchema.PK, s(EventItems.eventPk(eventId)), RelaySchema.SK, s(SK));
    }

    private long expiresAt(Instant now) {
        return now.plus(retention).getEpochSecond();
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
