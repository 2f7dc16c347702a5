package com.algohire.relay.event;

import com.algohire.relay.config.RelaySchema;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The stored form of a {@link DeliveryLogEntry}: one item per webhook attempt beside its event in the events table
 * (pk {@code EVENT#<eventId>}, sk {@code ATTEMPT#<attemptedAt>#<subscriptionId>#<attempt>}). The delivery function
 * writes it and {@link EventStore#deliveryLogs} reads it back, both through this class, so the attribute names
 * are spelled once.
 */
public final class DeliveryLogItems {
    /** What every attempt's sort key starts with: an event's attempts are one begins_with query. */
    public static final String SK_PREFIX = "ATTEMPT#";
    static final String ATTEMPT = "attempt";
    public static final String SUBSCRIPTION_ID = "subscriptionId";
    static final String WEBHOOK_ID = "webhookId";
    static final String URL = "url";
    static final String STATUS_CODE = "statusCode";
    static final String LATENCY_MS = "latencyMs";
    static final String ERROR_KIND = "errorKind";
    static final String RESPONSE_BODY = "responseBody";
    public static final String OUTCOME = "outcome";
    /** The outcome of an attempt the receiver answered 2xx (what the delivery function records as DELIVERED). */
    public static final String OUTCOME_DELIVERED = "DELIVERED";
    static final String ATTEMPTED_AT = "attemptedAt";
    static final String WEBHOOK_TIMESTAMP = "webhookTimestamp";
    static final String WEBHOOK_SIGNATURE = "webhookSignature";

    private DeliveryLogItems() {
    }

    /**
     * The item of one attempt of {@code eventId}. The sort key starts with the attempt time, so a query returns an
     * event's attempts oldest first; subscription and attempt number keep two attempts of one millisecond apart.
     *
     * @param expiresAt epoch seconds after which DynamoDB's TTL may delete the item
     */
    public static Map<String, AttributeValue> item(String eventId, DeliveryLogEntry entry, long expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, s(EventItems.eventPk(eventId)));
        item.put(RelaySchema.SK, s(SK_PREFIX + entry.attemptedAt() + "#" + entry.subscriptionId()
                + "#" + entry.attempt()));
        item.put(ATTEMPT, n(entry.attempt()));
        item.put(SUBSCRIPTION_ID, s(entry.subscriptionId()));
        item.put(WEBHOOK_ID, s(entry.webhookId()));
        item.put(URL, s(entry.url()));
        if (entry.statusCode() != null) {
            item.put(STATUS_CODE, n(entry.statusCode()));
        }
        item.put(LATENCY_MS, n(entry.latencyMs()));
        if (entry.errorKind() != null) {
            item.put(ERROR_KIND, s(entry.errorKind()));
        }
        if (entry.responseBody() != null && !entry.responseBody().isEmpty()) {
            item.put(RESPONSE_BODY, s(entry.responseBody()));
        }
        item.put(OUTCOME, s(entry.outcome()));
        item.put(ATTEMPTED_AT, s(entry.attemptedAt()));
        if (entry.webhookTimestamp() != null) {
            item.put(WEBHOOK_TIMESTAMP, n(entry.webhookTimestamp()));
        }
        if (entry.webhookSignature() != null) {
            item.put(WEBHOOK_SIGNATURE, s(entry.webhookSignature()));
        }
        item.put(RelaySchema.EXPIRES_AT, n(expiresAt));
        return item;
    }

    /** The entry an attempt item holds; absent numbers read as 0 (attempt, latency) or null (status). */
    static DeliveryLogEntry entry(Map<String, AttributeValue> item) {
        Long status = number(item, STATUS_CODE);
        Long attempt = number(item, ATTEMPT);
        Long latency = number(item, LATENCY_MS);
        return new DeliveryLogEntry(attempt == null ? 0 : attempt.intValue(), EventItems.string(item, SUBSCRIPTION_ID),
                EventItems.string(item, WEBHOOK_ID), EventItems.string(item, URL),
                status == null ? null : status.intValue(), latency == null ? 0 : latency,
                EventItems.string(item, ERROR_KIND), EventItems.string(item, RESPONSE_BODY),
                EventItems.string(item, OUTCOME), EventItems.string(item, ATTEMPTED_AT),
                number(item, WEBHOOK_TIMESTAMP), EventItems.string(item, WEBHOOK_SIGNATURE));
    }

    /** Lenient about N or S, so a change of the writer's type for numbers does not break reading older items. */
    private static Long number(Map<String, AttributeValue> item, String name) {
        String text = EventItems.string(item, name);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
