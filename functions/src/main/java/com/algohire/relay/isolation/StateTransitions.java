package com.algohire.relay.isolation;

import com.algohire.relay.delivery.DeliveryLanes;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.metrics.RelayMetrics;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The one path every automatic state change of a subscription goes through once it is stored: one
 * {@link Notifier} call per change (log line, and SNS when configured), and what the change sets in motion: an
 * opened breaker queues its PROBE (after the cool-down), a closed one queues a DRAIN of its held tasks, and a
 * subscription failing for longer than disableAfter is disabled (its held tasks are kept for recover / re-enable).
 * A 410's disable comes here too, so it is reported like the others.
 */
public final class StateTransitions {
    static final String ACTOR = "relay";
    /** SQS's longest message delay: a longer cool-down's PROBE arrives early and is queued again for the rest. */
    static final Duration MAX_DELAY = Duration.ofMinutes(15);

    private final HealthPolicy policy;
    private final SubscriptionStore subscriptions;
    private final Notifier notifier;
    private final DeliveryLanes lanes;
    private final SqsClient sqs;
    private final Clock clock;
    private final StructuredLog log;
    private final Metrics metrics;

    public StateTransitions(HealthPolicy policy, SubscriptionStore subscriptions, Notifier notifier,
                            DeliveryLanes lanes, SqsClient sqs, Clock clock, StructuredLog log, Metrics metrics) {
        this.metrics = metrics;
        this.policy = policy;
        this.subscriptions = subscriptions;
        this.notifier = notifier;
        this.lanes = lanes;
        this.sqs = sqs;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Reports and acts on what changed between {@code before} and {@code after}, a health just stored for
     * {@code read} (the subscription as read before that write).
     */
    public void healthStored(Subscription read, SubscriptionHealth before, SubscriptionHealth after) {
        Instant now = clock.instant();
        Subscription was = withHealth(read, before);
        Subscription is = withHealth(read, after);
        for (String change : HealthPolicy.changes(before, after)) {
            notifier.notify(new Notifier.StateChange(read.subscriptionId(), change, was.displayState(),
                    is.displayState(), policy.reason(change, before, after), after.lastFailure(),
                    after.lastResponseSnippet(), ACTOR, now));
            if (change.startsWith(BREAKER_PREFIX)) {
                metrics.count(RelayMetrics.BREAKER_TRANSITIONS, RelayMetrics.TO_STATE, breakerState(change));
            }
            switch (change) {
                case "BREAKER_OPENED" -> queue(is, DeliveryTask.probe(read.subscriptionId(),
                        after.retryAt().toString()), Duration.between(now, after.retryAt()));
                case "BREAKER_CLOSED" -> queue(is, DeliveryTask.drain(read.subscriptionId()), Duration.ZERO);
                default -> {
                }
            }
        }
        if (read.active() && policy.failingTooLong(after, read.updatedAt(), now)) {
            disable(is, HealthPolicy.disableReason(after, read.updatedAt(), now));
        }
    }

    /**
     * Disables the subscription as {@code read} describes it (the optimistic check of
     * {@link SubscriptionStore#disable}) and reports it once.
     *
     * @return whether it is now disabled for this reason
     * @throws RuntimeException when the write fails (the caller decides what that means for its attempt)
     */
    public boolean disable(Subscription read, String reason) {
        return disable(read, reason, read.health().lastFailure(), read.health().lastResponseSnippet());
    }

    /** As {@link #disable(Subscription, String)}, naming the attempt that decided it (e.g. the 410 just received). */
    public boolean disable(Subscription read, String reason, String lastStatus, String lastResponse) {
        Instant now = clock.instant();
        if (!subscriptions.disable(read, reason, now)) {
            return false;
        }
        metrics.count(RelayMetrics.SUBSCRIPTIONS_DISABLED);
        notifier.notify(new Notifier.StateChange(read.subscriptionId(), "DISABLED", read.displayState(), "disabled",
                reason, lastStatus, lastResponse, ACTOR, now));
        return true;
    }

    /** Reports a probe claimed (the claim itself is the conditional write that stored {@code after}). */
    public void probeClaimed(Subscription read, SubscriptionHealth after) {
        healthStored(read, read.health(), after);
    }

    /**
     * Queues a PROBE or DRAIN on the subscription's lane. A lost send is logged as an error, not thrown: the health
     * it follows is stored already. A lost PROBE is made up for by the next arriving DELIVER, which claims an overdue
     * probe itself (past retryAt, no live lease); a lost DRAIN leaves the held tasks held until the next DRAIN (a
     * resume, a re-enable, or the next close).
     */
    private void queue(Subscription subscription, DeliveryTask task, Duration delay) {
        Duration capped = delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
        try {
            new TaskQueue(sqs, lanes.queueFor(subscription)).send(task, capped);
        } catch (RuntimeException e) {
            log.error("could not queue a breaker task", Map.of("subscriptionId", subscription.subscriptionId(),
                    "kind", task.kind().name(), "exception", e.getClass().getName()));
        }
    }

    private static final String BREAKER_PREFIX = "BREAKER_";

    /** The breaker state a change entered: BREAKER_OPENED is OPEN, BREAKER_HALF_OPEN HALF_OPEN, and so on. */
    static String breakerState(String change) {
        String state = change.substring(BREAKER_PREFIX.length());
        return "OPENED".equals(state) ? "OPEN" : state;
    }

    static Subscription withHealth(Subscription s, SubscriptionHealth health) {
        return new Subscription(s.subscriptionId(), s.url(), s.eventTypes(), s.description(), s.active(),
                s.secrets(), s.createdAt(), s.updatedAt(), s.disabledReason(), s.paused(), health);
    }
}
