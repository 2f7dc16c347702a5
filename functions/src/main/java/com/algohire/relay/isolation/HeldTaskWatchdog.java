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
import java.util.Optional;

/**
 * Makes sure held tasks never wait for a message that was lost. Held tasks move on only when a DRAIN or a PROBE
 * message says so, and those are sent after the write that decides it (a breaker closing, a resume, a re-enable, an
 * opening): a send that failed, or whose outcome was unknown and was in fact lost, would leave them held with nobody
 * coming for them. The sweeper runs this every minute: for every deliverable subscription that still holds tasks,
 * it queues a DRAIN when its breaker is closed and its oldest held task has waited longer than {@link #GRACE}, and a
 * PROBE when its breaker has been due a probe for longer than that. A redundant DRAIN or PROBE is harmless (a drain
 * takes a lease; a probe is claimed by a conditional write).
 *
 * <p>Cost: a run reads only the subscriptions that hold tasks, from the markers {@link HoldStore#hold} writes
 * (sparse items in a few partitions of the events table, rather than a sparse index on the subscriptions table:
 * no index to deploy, and the subscription item, written by health and operator updates, gets no write per hold),
 * so a sweep costs what is held, not what is subscribed: a few queries of the marker partitions, then per holding
 * subscription one GetItem of it and, unless it is paused, disabled or cooling down, a one-item query of its
 * holds. Paused and disabled subscriptions are passed over (their tasks wait on purpose) but keep their marker, so
 * that once resumed or re-enabled a lost DRAIN is found like any other. A marker whose subscription holds nothing
 * is removed once quiet ({@link HoldStore}). A run stops at its time budget (taken from the sweeper's remaining
 * time) and the next one carries on from its cursor; a run always looks at one subscription at least, so even a
 * budget used up elsewhere makes progress.
 *
 * <p>Holds written before markers existed (an upgrade) are found once: the first runs on a table, after a complete
 * walk of the markers, page through all subscriptions with what time is left and mark those that hold tasks.
 */
public final class HeldTaskWatchdog {
    /** How long a held task, or a due probe, may wait for its message before the watchdog sends another. */
    static final Duration GRACE = Duration.ofMinutes(2);
    /** A run's time budget when its caller names none. */
    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(30);
    static final int MARKER_PAGE = 100;
    static final int BACKFILL_PAGE = 25;

    /**
     * What a run did: holding subscriptions looked at, DRAINs and PROBEs queued, subscriptions it could not check,
     * markers it removed, and whether it reached the end of the markers (false: it ran out of time, the next run
     * carries on).
     */
    public record Result(int checked, int drains, int probes, int failed, int released, boolean finished) {
        public static Result failedRun() {
            return new Result(0, 0, 0, 1, 0, false);
        }
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
        return run(DEFAULT_BUDGET);
    }

    /** One run, stopping after {@code budget} (at the next subscription) where the next run carries on. */
    public Result run(Duration budget) {
        Instant now = clock.instant();
        Instant deadline = now.plus(budget);
        HoldStore.Cursor read = holds.cursor();
        Walk walk = new Walk(read);
        try {
            walk.markers(now, deadline);
            if (walk.finished && !read.backfilled()) {
                walk.backfill(now, deadline);
            }
        } catch (RuntimeException e) {
            try {
                save(read, walk); // what was done is not done again
            } catch (RuntimeException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
        save(read, walk);
        return new Result(walk.checked, walk.drains, walk.probes, walk.failed, walk.released, walk.finished);
    }

    private void save(HoldStore.Cursor read, Walk walk) {
        HoldStore.Cursor reached = walk.cursor();
        if (!reached.equals(read)) {
            holds.saveCursor(reached);
        }
    }

    /** One run's progress through the markers (and the backfill), and its counts. */
    private final class Walk {
        int shard;
        String after;
        boolean backfilled;
        String backfillAfter;
        boolean finished;
        int checked;
        int drains;
        int probes;
        int failed;
        int released;

        Walk(HoldStore.Cursor from) {
            shard = Math.min(Math.max(from.shard(), 0), HoldStore.MARKER_SHARDS);
            after = from.after();
            backfilled = from.backfilled();
            backfillAfter = from.backfillAfter();
        }

        HoldStore.Cursor cursor() {
            // A finished walk starts the next run at the first shard.
            return finished ? new HoldStore.Cursor(0, null, backfilled, backfillAfter)
                    : new HoldStore.Cursor(shard, after, backfilled, backfillAfter);
        }

        void markers(Instant now, Instant deadline) {
            while (shard < HoldStore.MARKER_SHARDS) {
                HoldStore.MarkerPage page = holds.markers(shard, after, MARKER_PAGE);
                for (HoldStore.Marker marker : page.items()) {
                    if (checked > 0 && !clock.instant().isBefore(deadline)) {
                        return; // out of time: the next run starts after the last one looked at
                    }
                    visit(marker, now);
                    after = marker.subscriptionId();
                }
                if (!page.more() || page.items().isEmpty()) {
                    shard++;
                    after = null;
                }
            }
            finished = true;
        }

        private void visit(HoldStore.Marker marker, Instant now) {
            checked++;
            try {
                switch (check(marker, now)) {
                    case DRAIN -> drains++;
                    case PROBE -> probes++;
                    case RELEASED -> released++;
                    case NOTHING -> {
                        // nothing waits for a lost message
                    }
                }
            } catch (RuntimeException e) {
                failed++;
                log.warn("held-task check failed; the next sweep tries again", Map.of(
                        "subscriptionId", marker.subscriptionId(), "exception", e.getClass().getName()));
            }
        }

        /** Pages through every subscription for holds without a marker, while time is left (one page at least). */
        void backfill(Instant now, Instant deadline) {
            int pages = 0;
            do {
                SubscriptionStore.Page page = subscriptions.list(BACKFILL_PAGE, backfillAfter);
                for (Subscription s : page.items()) {
                    if (!holds.oldest(s.subscriptionId(), 1).items().isEmpty()) {
                        holds.mark(s.subscriptionId(), now);
                    }
                }
                pages++;
                backfillAfter = page.nextCursor();
            } while (backfillAfter != null && clock.instant().isBefore(deadline));
            backfilled = backfillAfter == null;
            log.info("held-task backfill", Map.of("pages", pages, "done", backfilled));
        }
    }

    private enum Sent { NOTHING, DRAIN, PROBE, RELEASED }

    private Sent check(HoldStore.Marker marker, Instant now) {
        Optional<Subscription> found = subscriptions.find(marker.subscriptionId());
        if (found.isEmpty()) {
            // Deleted: nothing delivers its holds any more, and they expire with the retention.
            return holds.release(marker) ? Sent.RELEASED : Sent.NOTHING;
        }
        Subscription s = found.get();
        if (!s.active() || s.paused()) {
            return Sent.NOTHING; // held on purpose until an operator resumes or re-enables it; the marker stays
        }
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
            // Drained. A hold since this consistent query wrote the marker again, or finds it: release is conditional.
            boolean quiet = marker.lastHeld().plus(HoldStore.MARKER_QUIET).isBefore(now);
            return quiet && holds.release(marker) ? Sent.RELEASED : Sent.NOTHING;
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
