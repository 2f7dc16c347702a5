package com.algohire.relay.subscription;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The stored form of {@link SubscriptionHealth}: one map attribute {@code health} on the subscription's item, and
 * its version in the top-level number {@code healthVersion}, which conditional health writes compare. Absent
 * attributes read as {@link SubscriptionHealth#INITIAL}; unknown enum names too, so an older reader never fails.
 */
public final class SubscriptionHealthItems {
    public static final String HEALTH = "health";
    public static final String HEALTH_VERSION = "healthVersion";

    private SubscriptionHealthItems() {
    }

    public static AttributeValue toAttribute(SubscriptionHealth h) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("state", s(h.state().name()));
        m.put("breaker", s(h.breaker().name()));
        m.put("consecutiveFailures", n(h.consecutiveFailures()));
        putInstant(m, "failingSince", h.failingSince());
        putInstant(m, "lastSuccessAt", h.lastSuccessAt());
        putInstant(m, "lastFailureAt", h.lastFailureAt());
        putString(m, "lastFailure", h.lastFailure());
        putString(m, "lastResponseSnippet", h.lastResponseSnippet());
        m.put("window", AttributeValue.fromL(h.window().stream().map(b -> AttributeValue.fromL(List.of(
                n(b.minute()), n(b.successes()), n(b.failures())))).toList()));
        if (h.latencyEwmaMs() != null) {
            m.put("latencyEwmaMs", n(h.latencyEwmaMs()));
        }
        putInstant(m, "breakerOpenedAt", h.breakerOpenedAt());
        putInstant(m, "retryAt", h.retryAt());
        putInstant(m, "probeLeaseUntil", h.probeLeaseUntil());
        m.put("cooldownSeconds", n(h.cooldownSeconds()));
        return AttributeValue.fromM(m);
    }

    /** The health an item of the subscriptions table holds. */
    public static SubscriptionHealth fromItem(Map<String, AttributeValue> item) {
        AttributeValue attribute = item.get(HEALTH);
        long version = item.containsKey(HEALTH_VERSION) ? Long.parseLong(item.get(HEALTH_VERSION).n()) : 0;
        if (attribute == null || !attribute.hasM()) {
            return withVersion(SubscriptionHealth.INITIAL, version);
        }
        Map<String, AttributeValue> m = attribute.m();
        List<SubscriptionHealth.Bucket> window = m.containsKey("window") ? m.get("window").l().stream()
                .map(v -> new SubscriptionHealth.Bucket(Long.parseLong(v.l().get(0).n()),
                        Integer.parseInt(v.l().get(1).n()), Integer.parseInt(v.l().get(2).n())))
                .toList() : List.of();
        return new SubscriptionHealth(
                enumOr(SubscriptionHealth.State.class, string(m, "state"), SubscriptionHealth.State.HEALTHY),
                enumOr(SubscriptionHealth.Breaker.class, string(m, "breaker"), SubscriptionHealth.Breaker.CLOSED),
                (int) number(m, "consecutiveFailures", 0), instant(m, "failingSince"), instant(m, "lastSuccessAt"),
                instant(m, "lastFailureAt"), string(m, "lastFailure"), string(m, "lastResponseSnippet"), window,
                m.containsKey("latencyEwmaMs") ? number(m, "latencyEwmaMs", 0) : null,
                instant(m, "breakerOpenedAt"), instant(m, "retryAt"), instant(m, "probeLeaseUntil"),
                number(m, "cooldownSeconds", 0), version);
    }

    private static SubscriptionHealth withVersion(SubscriptionHealth h, long version) {
        return new SubscriptionHealth(h.state(), h.breaker(), h.consecutiveFailures(), h.failingSince(),
                h.lastSuccessAt(), h.lastFailureAt(), h.lastFailure(), h.lastResponseSnippet(), h.window(),
                h.latencyEwmaMs(), h.breakerOpenedAt(), h.retryAt(), h.probeLeaseUntil(), h.cooldownSeconds(),
                version);
    }

    private static <E extends Enum<E>> E enumOr(Class<E> type, String name, E fallback) {
        if (name == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }

    private static String string(Map<String, AttributeValue> m, String name) {
        AttributeValue v = m.get(name);
        return v == null ? null : v.s();
    }

    private static long number(Map<String, AttributeValue> m, String name, long fallback) {
        AttributeValue v = m.get(name);
        return v == null || v.n() == null ? fallback : Long.parseLong(v.n());
    }

    private static Instant instant(Map<String, AttributeValue> m, String name) {
        String text = string(m, name);
        return text == null ? null : Instant.parse(text);
    }

    private static void putInstant(Map<String, AttributeValue> m, String name, Instant value) {
        if (value != null) {
            m.put(name, s(value.toString()));
        }
    }

    private static void putString(Map<String, AttributeValue> m, String name, String value) {
        if (value != null) {
            m.put(name, s(value));
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
