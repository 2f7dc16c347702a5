package com.algohire.relay.isolation;

import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps subscriptions' health: collects a batch's attempt outcomes in memory and writes each subscription's health
 * once, at the end of the batch ({@link Batch#flush}), conditional on the version it read; claims a breaker's probe
 * (the one write that cannot wait for the end of the batch, since it decides who attempts).
 */
public final class HealthTracker {
    /** Tries of one subscription's end-of-batch write before it is given up (and logged). */
    static final int WRITE_TRIES = 3;

    private final HealthPolicy policy;
    private final SubscriptionStore subscriptions;
    private final StateTransitions transitions;
    private final Duration probeLease;
    private final Clock clock;
    private final StructuredLog log;

    /** @param probeLease how long a claimed probe owns the breaker: one attempt's timeout plus a margin */
    public HealthTracker(HealthPolicy policy, SubscriptionStore subscriptions, StateTransitions transitions,
                         Duration probeLease, Clock clock, StructuredLog log) {
        this.policy = policy;
        this.subscriptions = subscriptions;
        this.transitions = transitions;
        this.probeLease = probeLease;
        this.clock = clock;
        this.log = log;
    }

    public HealthPolicy policy() {
        return policy;
    }

    public StateTransitions transitions() {
        return transitions;
    }

    /** The outcomes of one SQS batch, written at its end. */
    public Batch batch() {
        return new Batch();
    }

    /**
     * Claims the breaker's probe for the caller (a conditional write on the health version: of two claimants one
     * wins), reported as BREAKER_HALF_OPEN.
     *
     * @return the subscription with its claimed health, or empty when no probe is due or another claimant won
     */
    public Optional<Subscription> claimProbe(Subscription read) {
        Optional<SubscriptionHealth> claimed = policy.claimProbe(read.health(), clock.instant(), probeLease);
        if (claimed.isEmpty()) {
            return Optional.empty();
        }
        Optional<SubscriptionHealth> stored = written(read.subscriptionId(), claimed.get(), read.health().version());
        stored.ifPresent(h -> transitions.probeClaimed(read, h));
        return stored.map(h -> StateTransitions.withHealth(read, h));
    }

    /** One batch's outcomes per subscription; safe to record into from the batch's threads. */
    public final class Batch {
        private final Map<String, Subscription> read = new LinkedHashMap<>();
        private final Map<String, List<AttemptOutcome>> outcomes = new LinkedHashMap<>();

        private Batch() {
        }

        /** Records an attempt's outcome for {@code subscription} (as read for that attempt). */
        public synchronized void record(Subscription subscription, AttemptOutcome outcome) {
            String id = subscription.subscriptionId();
            read.merge(id, subscription, (a, b) -> b.health().version() > a.health().version() ? b : a);
            outcomes.computeIfAbsent(id, k -> new ArrayList<>()).add(outcome);
        }

        /** Subscriptions with outcomes to write. */
        public synchronized int size() {
            return outcomes.size();
        }

        /**
         * Writes each subscription's folded health once. A write that keeps losing to other writers, or fails, is
         * logged and dropped: a lost health update must never fail the batch (its webhooks were sent).
         */
        public void flush() {
            Map<String, Subscription> toWrite;
            Map<String, List<AttemptOutcome>> toFold;
            synchronized (this) {
                toWrite = new LinkedHashMap<>(read);
                toFold = new LinkedHashMap<>(outcomes);
                read.clear();
                outcomes.clear();
            }
            toWrite.forEach((id, subscription) -> write(subscription, toFold.get(id)));
        }
    }

    /**
     * A conditional health write whose refusal is read back: the write is ours when the item holds exactly what it
     * wrote (a lost reply and the SDK's refused retry look like a lost race otherwise).
     */
    private Optional<SubscriptionHealth> written(String subscriptionId, SubscriptionHealth health, long readVersion) {
        SubscriptionStore.HealthWrite write = subscriptions.tryWriteHealth(subscriptionId, health, readVersion);
        if (write.written()) {
            return Optional.of(write.stored());
        }
        return seenOrRead(subscriptionId, write).map(Subscription::health)
                .filter(now -> ours(now, health, readVersion));
    }

    /**
     * The subscription as a refused health write saw it (returned with the refusal: no second read), or read when
     * the refusal carried none (gone, or an engine that does not return it).
     */
    private Optional<Subscription> seenOrRead(String subscriptionId, SubscriptionStore.HealthWrite refused) {
        return refused.seen() != null ? Optional.of(refused.seen()) : subscriptions.find(subscriptionId);
    }

    /** Whether {@code stored} is {@code wrote} as a write conditional on {@code readVersion} stores it. */
    private static boolean ours(SubscriptionHealth stored, SubscriptionHealth wrote, long readVersion) {
        return stored.equals(wrote.withVersion(readVersion + 1));
    }

    private void write(Subscription first, List<AttemptOutcome> outcomes) {
        Subscription current = first;
        try {
            for (int attempt = 1; attempt <= WRITE_TRIES; attempt++) {
                SubscriptionHealth before = current.health();
                SubscriptionHealth folded = policy.fold(before, outcomes, clock.instant());
                SubscriptionStore.HealthWrite write = subscriptions.tryWriteHealth(current.subscriptionId(), folded,
                        before.version());
                if (write.written()) {
                    transitions.healthStored(current, before, write.stored());
                    return;
                }
                Optional<Subscription> reread = seenOrRead(current.subscriptionId(), write);
                if (reread.isEmpty()) {
                    return; // deleted meanwhile: no health to keep
                }
                if (ours(reread.get().health(), folded, before.version())) {
                    // Our write landed and its reply was lost (the SDK's retry of it was then refused): folding
                    // the outcomes again would count them twice.
                    transitions.healthStored(current, before, reread.get().health());
                    return;
                }
                current = reread.get();
            }
            log.warn("subscription health update lost to concurrent writers", Map.of(
                    "subscriptionId", first.subscriptionId(), "outcomes", outcomes.size(), "tries", WRITE_TRIES));
        } catch (RuntimeException e) {
            log.error("subscription health update failed", Map.of("subscriptionId", first.subscriptionId(),
                    "outcomes", outcomes.size(), "exception", e.getClass().getName()));
        }
    }
}
