package com.algohire.relay.api;

import com.algohire.relay.recover.Recovery;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionService;
import com.algohire.relay.subscription.SubscriptionStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The response bodies of the subscription routes. A subscription's secrets are never shown, except the new one in
 * the answer to the create or rotate that made it. Every view carries the one {@code state} a person reads
 * (disabled, paused, or the receiver's healthy / degraded / failing) and the {@code health} record behind it.
 */
final class SubscriptionViews {
    private SubscriptionViews() {
    }

    /** {@code {"success":true,"subscription":{...}}}, its previous secret's expiry as of {@code now}. */
    static Map<String, Object> one(Subscription subscription, Instant now) {
        return envelope("subscription", view(subscription, now));
    }

    /** The same with the new {@code secret}, as of the write that made it. */
    static Map<String, Object> withSecret(SubscriptionService.WithSecret written) {
        Map<String, Object> view = view(written.subscription(), written.subscription().updatedAt());
        view.put("secret", written.secret());
        return envelope("subscription", view);
    }

    /** {@code {"success":true,"subscriptions":[...],"nextCursor"}}. */
    static Map<String, Object> page(SubscriptionStore.Page page, Instant now) {
        Map<String, Object> body = envelope("subscriptions", page.items().stream().map(s -> view(s, now)).toList());
        body.put("nextCursor", page.nextCursor());
        return body;
    }

    private static Map<String, Object> view(Subscription s, Instant now) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("subscriptionId", s.subscriptionId());
        view.put("url", s.url());
        view.put("eventTypes", s.eventTypes());
        view.put("description", s.description());
        view.put("active", s.active());
        view.put("state", s.displayState());
        view.put("paused", s.paused());
        view.put("disabledReason", s.disabledReason());
        Instant previousExpiry = s.previousSecretExpiresAt(now);
        view.put("previousSecretExpiresAt", previousExpiry == null ? null : previousExpiry.toString());
        view.put("createdAt", s.createdAt().toString());
        view.put("updatedAt", s.updatedAt().toString());
        view.put("health", health(s.health()));
        return view;
    }

    /** The delivery side's record, minus its bookkeeping (window buckets, probe lease, cool-down, version). */
    private static Map<String, Object> health(SubscriptionHealth h) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("state", h.state().name().toLowerCase(java.util.Locale.ROOT));
        view.put("breaker", h.breaker().name().toLowerCase(java.util.Locale.ROOT));
        view.put("consecutiveFailures", h.consecutiveFailures());
        view.put("failingSince", iso(h.failingSince()));
        view.put("lastSuccessAt", iso(h.lastSuccessAt()));
        view.put("lastFailureAt", iso(h.lastFailureAt()));
        view.put("lastFailure", h.lastFailure());
        view.put("lastResponseSnippet", h.lastResponseSnippet());
        view.put("successRate", h.successRate());
        view.put("windowAttempts", h.windowAttempts());
        view.put("latencyEwmaMs", h.latencyEwmaMs());
        view.put("breakerOpenedAt", iso(h.breakerOpenedAt()));
        view.put("retryAt", iso(h.retryAt()));
        return view;
    }

    /** {@code {"success":true,"recovery":{...}}}. */
    static Map<String, Object> recovery(Recovery r) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("recoveryId", r.recoveryId());
        view.put("subscriptionId", r.subscriptionId());
        view.put("since", r.since().toString());
        view.put("from", r.from().toString());
        view.put("until", r.until().toString());
        view.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
        view.put("examined", r.examined());
        view.put("matched", r.matched());
        view.put("alreadyDelivered", r.alreadyDelivered());
        view.put("queued", r.queued());
        view.put("createdAt", r.createdAt().toString());
        view.put("updatedAt", r.updatedAt().toString());
        view.put("completedAt", iso(r.completedAt()));
        return envelope("recovery", view);
    }

    private static String iso(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static Map<String, Object> envelope(String name, Object value) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put(name, value);
        return body;
    }
}
