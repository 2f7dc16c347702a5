package com.algohire.relay.delivery;

import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The active subscriptions for fan-out, re-read at most every few seconds: a burst of events does not scan the
 * table once each, and a new subscription starts receiving events within the TTL.
 */
final class SubscriptionCache {
    private final SubscriptionStore store;
    private final Clock clock;
    private final Duration ttl;
    private List<Subscription> cached;
    private Instant loadedAt;

    SubscriptionCache(SubscriptionStore store, Clock clock, Duration ttl) {
        this.store = store;
        this.clock = clock;
        this.ttl = ttl;
    }

    synchronized List<Subscription> active() {
        Instant now = clock.instant();
        if (cached == null || !now.isBefore(loadedAt.plus(ttl))) {
            cached = store.listActive();
            loadedAt = now;
        }
        return cached;
    }
}
