package com.algohire.relay.isolation;

import com.algohire.relay.delivery.DeliveryLanes;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Carries out one DRAIN task: puts a page of a subscription's held tasks back on its delivery lane, oldest first,
 * and queues the next DRAIN when more remain.
 *
 * <p>Why this bounds the rate (no thundering herd when a breaker closes or a paused subscription resumes): one DRAIN
 * sends at most {@value #PAGE} tasks, and the next DRAIN is queued only after it, with {@link #NEXT_DELAY}; the
 * chain is a single line per subscription (the lease keeps a second DRAIN from sending the same page), so a backlog
 * of any size reaches the receiver at about {@value #PAGE} tasks per {@link #NEXT_DELAY} plus one batch's work,
 * in the order it was held.
 *
 * <p>Order within a page: send, then delete the hold items. A crash in between sends them again when the DRAIN
 * comes back: the same webhook-ids, delivered at least once, never lost.
 */
public final class Drain {
    static final int PAGE = 25;
    static final Duration NEXT_DELAY = Duration.ofSeconds(2);
    /** Longer than one page's sends and deletes take; a crashed drain's lease runs out before its retry. */
    static final Duration LEASE = Duration.ofSeconds(60);

    private final SubscriptionStore subscriptions;
    private final HoldStore holds;
    private final DeliveryLanes lanes;
    private final SqsClient sqs;
    private final Clock clock;
    private final StructuredLog log;

    public Drain(SubscriptionStore subscriptions, HoldStore holds, DeliveryLanes lanes, SqsClient sqs, Clock clock,
                 StructuredLog log) {
        this.subscriptions = subscriptions;
        this.holds = holds;
        this.lanes = lanes;
        this.sqs = sqs;
        this.clock = clock;
        this.log = log;
    }

    /** Whether {@code s} may have its held tasks delivered: active, not paused, breaker closed. */
    public static boolean mayDeliver(Subscription s) {
        return s.active() && !s.paused() && s.health().breaker() == SubscriptionHealth.Breaker.CLOSED;
    }

    /** @throws RuntimeException when a page could not be queued: the DRAIN message is retried (nothing is lost) */
    public void run(String subscriptionId) {
        Optional<Subscription> found = subscriptions.find(subscriptionId);
        if (found.isPresent() && handedToProbe(found.get())) {
            return;
        }
        if (found.isEmpty() || !mayDeliver(found.get())) {
            // Whatever makes it deliverable again (close, resume, re-enable) queues a DRAIN of its own.
            log.info("drain skipped: subscription may not deliver now", Map.of("subscriptionId", subscriptionId,
                    "state", found.map(Subscription::displayState).orElse("deleted")));
            return;
        }
        Subscription subscription = found.get();
        Instant now = clock.instant();
        Instant until = now.plus(LEASE);
        if (!subscriptions.takeDrainLease(subscriptionId, now, until)) {
            log.info("drain skipped: another drain holds the lease", Map.of("subscriptionId", subscriptionId));
            return;
        }
        try {
            HoldStore.Page page = holds.oldest(subscriptionId, PAGE);
            String queueUrl = lanes.queueFor(subscription);
            // Send, then delete: a crash in between sends them again (same webhook-ids), never loses them.
            new TaskQueue(sqs, queueUrl).sendAll(page.items().stream().map(HoldStore.Held::task).toList());
            page.items().forEach(holds::delete);
            if (page.more()) {
                new TaskQueue(sqs, queueUrl).send(DeliveryTask.drain(subscriptionId), NEXT_DELAY);
            }
            log.info("drain", Map.of("subscriptionId", subscriptionId, "requeued", page.items().size(),
                    "more", page.more()));
        } finally {
            subscriptions.releaseDrainLease(subscriptionId, until);
        }
    }

    /**
     * A subscription resumed or re-enabled while its breaker was open: the breaker decides when its held tasks may
     * go, so the DRAIN hands over to a PROBE at retryAt (the PROBE chain stopped while it was paused or disabled), and
     * the probe's success queues the DRAIN again.
     *
     * @return true when the subscription is active, not paused, and its breaker not closed
     */
    private boolean handedToProbe(Subscription s) {
        SubscriptionHealth h = s.health();
        if (!s.active() || s.paused() || h.breaker() == SubscriptionHealth.Breaker.CLOSED) {
            return false;
        }
        Instant now = clock.instant();
        Instant retryAt = h.retryAt() == null ? now : h.retryAt();
        Duration wait = now.isBefore(retryAt) ? Duration.between(now, retryAt).plusSeconds(1) : Duration.ZERO;
        new TaskQueue(sqs, lanes.queueFor(s)).send(DeliveryTask.probe(s.subscriptionId(),
                h.retryAt() == null ? null : h.retryAt().toString()), wait);
        log.info("drain handed to the breaker's probe", Map.of("subscriptionId", s.subscriptionId(),
                "breaker", h.breaker().name()));
        return true;
    }
}
