package com.algohire.relay.api;

import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionService;
import com.algohire.relay.subscription.SubscriptionStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The response bodies of the subscription routes. A subscription's secrets are never shown, except the new one in
 * the answer to the create or rotate that made it.
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
        view.put("disabledReason", s.disabledReason());
        Instant previousExpiry = s.previousSecretExpiresAt(now);
        view.put("previousSecretExpiresAt", previousExpiry == null ? null : previousExpiry.toString());
        view.put("createdAt", s.createdAt().toString());
        view.put("updatedAt", s.updatedAt().toString());
        return view;
    }

    private static Map<String, Object> envelope(String name, Object value) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put(name, value);
        return body;
    }
}
