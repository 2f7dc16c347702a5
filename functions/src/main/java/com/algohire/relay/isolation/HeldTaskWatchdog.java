package com.algohire.relay.isolation;

import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes sure held tasks never wait for a message that was lost. Held tasks move on only when a DRAIN or a PROBE
 * message says so, and those are sent after the write that decides it (a breaker closing, a resume, an opening):
 * a send that failed, or whose outcome was unknown and was in fact lost, would leave them held with nobody coming
 * for them. The sweeper runs this every minute: for every active, unpaused subscription that still holds tasks, it
 * queues a DRAIN when its breaker is closed and its oldest held task has waited longer than {@link #GRACE}, and a
 * PROBE when its breaker has been due a probe for longer than that. A redundant DRAIN or PROBE is harmless (a
 * drain takes a lease; a probe is claimed by a conditional write), so the watchdog needs no state of its own.
 *
 * <p>Cost: one scan of the active subscriptions (as a fan-out makes) and one single-item query per subscription
 * that is not failing quietly, per minute.
 */
public final class HeldTaskWatchdog {
    /** How long a held task, or a due probe, may wait for its message before the watchdog sends another. */
    static final Duration GRACE = Duration.ofMinutes(2);

    /** What a run did: subscriptions looked at, DRAINs and PROBEs queued, subscriptions it could not check. */
    public record Result(int checked, int drains, int probes, int failed) {
    }

    private final SubscriptionStore subscriptions;
    private final HoldStore holds;
    private final TaskQueue queue;
    private final Clock clock;
    private final StructuredLog log;

    /** @param queue the main delivery queue, where DRAIN and PROBE tasks run */
    public HeldTaskWatchdog(SubscriptionStore subscriptions, HoldStore holds, TaskQueue queue, Clock clock,
                            StructuredLog log) {
        this.subscriptions = subscriptions;
        this.holds = holds;
        this.queue = queue;
        this.clock = clock;
        this.log = log;
    }

    public Result run() {
        Instant now = clock.instant();
        int checked = 0;
        int drains = 0;
        int probes = 0;
        int failed = 0;
        for (Subscription s : subscriptions.listActive()) {
            if (s.paused()) {
                continue; // held on purpose until an operator resumes it
            }
            checked++;
            try {
                switch (check(s, now)) {
                    case DRAIN -> drains++;
                    case PROBE -> probes++;
                    default -> {
                        // nothing waits for a lost message
                    }
                }
            } catch (RuntimeException e) {
                failed++;
                log.warn("held-task check failed; the next sweep tries again", Map.of(
                        "subscriptionId", s.subscriptionId(), "exception", e.getClass().getName()));
            }
        }
        return new Result(checked, drains, probes, failed);
    }

    private enum Sent { NOTHING, DRAIN, PROBE }

    private Sent check(Subscription s, Instant now) {
        SubscriptionHealth h = s.health();
        boolean probeOverdue = switch (h.breaker()) {
            case OPEN -> h.retryAt() == null || h.retryAt().plus(GRACE).isBefore(now);
            case HALF_OPEN -> h.probeLeaseUntil() == null || h.probeLeaseUntil().plus(GRACE).isBefore(now);
            case CLOSED -> false;
        };
        if (h.breaker() != SubscriptionHealth.Breaker.CLOSED && !probeOverdue) {
            return Sent.NOTHING; // cooling down, or a probe is out: its own message comes
        }
        HoldStore.Page oldest = holds.oldest(s.subscriptionId(), 1);
        if (oldest.items().isEmpty()) {
            return Sent.NOTHING;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("subscriptionId", s.subscriptionId());
        line.put("breaker", h.breaker().name());
        if (probeOverdue) {
            // The PROBE of this opening (same retryAt), so that the probe does not take it for a stale one.
            queue.send(DeliveryTask.probe(s.subscriptionId(), h.retryAt() == null ? null : h.retryAt().toString()));
            log.warn("held tasks waited past their probe; probe queued again", line);
            return Sent.PROBE;
        }
        Instant heldAt = heldAt(oldest.items().get(0));
        if (heldAt != null && !heldAt.plus(GRACE).isBefore(now)) {
            return Sent.NOTHING; // just held: the DRAIN that follows a closing or a resume is on its way
        }
        line.put("oldestHeldAt", String.valueOf(heldAt));
        queue.send(DeliveryTask.drain(s.subscriptionId()));
        log.warn("held tasks of a deliverable subscription waited past their drain; drain queued again", line);
        return Sent.DRAIN;
    }

    /** When a task was held: the start of its sort key ({@code <heldAt>#<webhookId>}); null when unreadable. */
    static Instant heldAt(HoldStore.Held held) {
        String sortKey = held.sortKey();
        int cut = sortKey.indexOf('#');
        try {
            return Instant.parse(cut < 0 ? sortKey : sortKey.substring(0, cut));
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
