package com.algohire.relay.delivery;

import com.algohire.relay.event.AttemptClaims;
import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventAudience;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.internal.Text;
import com.algohire.relay.isolation.AttemptOutcome;
import com.algohire.relay.isolation.HealthPolicy;
import com.algohire.relay.isolation.HealthTracker;
import com.algohire.relay.isolation.HoldStore;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.metrics.RelayMetrics;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.verifier.WebhookSignature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Carries out one DELIVER task: the gate first (hold it while the subscription is paused, disabled or its breaker
 * open; forward it to the slow lane when it belongs there), then signs the event for its subscription, POSTs it,
 * records the attempt and its outcome for the subscription's health, and decides what happens next (done,
 * subscription disabled, retry after a backoff, or on to the DLQ; see {@link RetryPolicy}). Also carries out a
 * PROBE: the oldest held task, attempted as the breaker's one probe.
 *
 * <p>The task carries its own attempt count; the delivery, not SQS's receive count, decides when the budget is
 * spent.
 */
final class WebhookDelivery {
    static final String DELIVERED = "DELIVERED";
    static final String RETRYING = "RETRYING";
    static final String FAILED = "FAILED";
    static final String DISABLED = "DISABLED";
    /** An attempt the invocation's deadline cut short: logged, not counted (the task comes back with its count). */
    static final String CUT_SHORT = "CUT_SHORT";
    /** The shortest attempt worth making (or the delivery timeout, if that is shorter). */
    static final Duration MIN_ATTEMPT = Duration.ofSeconds(1);
    /** How soon a task whose DLQ send failed comes back to try again. */
    static final Duration DLQ_SEND_RETRY = Duration.ofSeconds(10);
    /** How much of the receiver's answer {@code lastError} keeps. */
    static final int LAST_ERROR_BODY_CHARS = 200;

    private final EventStore events;
    private final SubscriptionStore subscriptions;
    private final DeliveryAttempt attempt;
    private final DeliveryLog deliveryLog;
    private final RetryPolicy retryPolicy;
    private final SqsClient sqs;
    private final DeliveryLanes lanes;
    private final String dlqUrl;
    private final HealthTracker health;
    private final HoldStore holds;
    private final DeliveryStates states;
    private final Clock clock;
    private final StructuredLog log;
    private final Metrics metrics;
    private final AttemptClaims claims;

    WebhookDelivery(EventStore events, SubscriptionStore subscriptions, DeliveryAttempt attempt,
                    DeliveryLog deliveryLog, RetryPolicy retryPolicy, SqsClient sqs, DeliveryLanes lanes,
                    String dlqUrl, HealthTracker health, HoldStore holds, DeliveryStates states, Clock clock,
                    StructuredLog log, Metrics metrics, AttemptClaims claims) {
        this.claims = claims;
        this.metrics = metrics;
        this.events = events;
        this.subscriptions = subscriptions;
        this.attempt = attempt;
        this.deliveryLog = deliveryLog;
        this.retryPolicy = retryPolicy;
        this.sqs = sqs;
        this.lanes = lanes;
        this.dlqUrl = dlqUrl;
        this.health = health;
        this.holds = holds;
        this.states = states;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Gate, sign, post, classify, log, settle: one attempt of {@code task}, recorded on its event whatever came of
     * it, its outcome added to the batch's health record. The attempt's number is the task's own count plus one:
     * receives that made no attempt (held, forwarded, deferred, cut short) never spend budget.
     *
     * @param outcomes the batch's health record, written once per subscription when the batch ends
     * @return true when the message is done with (delete it), false when it must come back (batch failure)
     * @throws DeadlineReached when the invocation has no time left for a useful attempt, or cut the attempt short
     */
    boolean deliver(DeliveryTask task, Received message, HealthTracker.Batch outcomes) {
        int attemptNumber = task.attemptsMade() + 1;
        Optional<Subscription> found = subscription(task, attemptNumber);
        if (found.isEmpty()) {
            return true;
        }
        attemptLimit(message.deadline()); // before the gate too: no probe is claimed without time for its attempt
        Optional<Admitted> admitted = admit(task, found.get(), message);
        if (admitted.isEmpty()) {
            return true; // held or forwarded: the message is done with, no attempt made
        }
        Optional<Target> target = target(task, attemptNumber, admitted.get().subscription());
        if (target.isEmpty()) {
            return true;
        }
        Subscription subscription = target.get().subscription();
        Instant now = clock.instant();
        Claimant claimant = new Claimant(message.messageId(), message);
        AttemptClaims.Decision claim = claimed(task, attemptNumber, claimant, now);
        if (claim == null) {
            return claimant.done();
        }
        if (claim.pending() != null) {
            return sendOwed(task, attemptNumber, claim.pending(), claimant, message);
        }
        Sent sent = attempt(task, target.get().event(), subscription, now, message.deadline());
        DeliveryAttempt.Result result = sent.result();
        if (cutShort(sent)) {
            recordAttempt(task, attemptNumber, subscription, sent, CUT_SHORT, now);
            measure(result, CUT_SHORT, target.get().event());
            releaseClaim(task, attemptNumber, claimant.id());
            throw cutShortLogged(task, attemptNumber, result);
        }
        recordHealth(outcomes, subscription, result, admitted.get().probe());
        String outcome = classify(result, subscription, attemptNumber);
        recordAttempt(task, attemptNumber, subscription, sent, outcome, now);
        measure(result, outcome, target.get().event());
        boolean done = settle(task, attemptNumber, subscription, result, outcome, message, now, claimant.id());
        if (done) {
            settledClaim(task, attemptNumber, claimant.id());
        }
        recordState(task, attemptNumber, outcome, done, now);
        return done;
    }

    /** Who claims an attempt (an SQS message, or a hold a probe attempts), and what became of a refused claim. */
    private static final class Claimant {
        private final String id;
        private final Received message;
        private boolean done;

        Claimant(String id, Received message) {
            this.id = id == null ? "unknown" : id;
            this.message = message;
        }

        String id() {
            return id;
        }

        /** Whether the copy is done with (superseded: delete it) rather than to come back. */
        boolean done() {
            return done;
        }
    }

    /**
     * How long an attempt's claim outlasts the longest attempt (the delivery timeout): the bookkeeping after it
     * (its log entry, the re-queue, the settled mark), and a moment. Short on purpose: it is also how long a copy
     * waits for a claimer that died; one that outlives it costs at most one more attempt, never a second chain.
     */
    static final Duration CLAIM_LEASE_MARGIN = DeliveryBatch.BOOKKEEPING_MARGIN.plus(DeliveryBatch.REPORT_MARGIN)
            .plusSeconds(2);

    /**
     * Claims this attempt of the task's webhook-id (see {@link AttemptClaims}). Superseded (another copy is ahead):
     * logged, and the copy is done with. In flight in another copy, or the claim's outcome unknown: the message
     * comes back (when the other's lease ends, or shortly), its count unchanged.
     *
     * @return the claim when the attempt may be made (it may owe a send instead: {@link #sendOwed}), else null
     */
    private AttemptClaims.Decision claimed(DeliveryTask task, int attemptNumber, Claimant claimant, Instant now) {
        Map<String, Object> line = ids(task, attemptNumber);
        line.put("round", task.roundNumber());
        AttemptClaims.Decision decision;
        try {
            decision = claims.claim(task.eventId(), task.webhookId(), task.roundNumber(), attemptNumber,
                    claimant.id(), now, now.plus(attempt.timeout()).plus(CLAIM_LEASE_MARGIN));
        } catch (RuntimeException e) {
            line.put("exception", e.getClass().getName());
            log.warn("attempt claim failed; the task comes back without an attempt", line);
            if (claimant.message != null) {
                changeVisibility(claimant.message, DLQ_SEND_RETRY);
            }
            return null;
        }
        switch (decision.verdict()) {
            case ATTEMPT -> {
                return decision;
            }
            case SUPERSEDED -> {
                log.info("delivery copy superseded: another copy of this webhook made or is past this attempt",
                        line);
                claimant.done = true;
                return null;
            }
            default -> {
                line.put("retryInSeconds", seconds(decision.retryIn()) + 1);
                log.info("delivery copy waits: another copy of this webhook is making this attempt", line);
                if (claimant.message != null) {
                    changeVisibility(claimant.message, decision.retryIn().plusSeconds(1));
                }
                return null;
            }
        }
    }

    /**
     * The claimer's own attempt was made before, and the send that settles it failed (its reply may only have been
     * lost): that send is made now, not a second HTTP attempt. A copy it may have left is settled by the claims.
     *
     * @return whether the message is done with
     */
    private boolean sendOwed(DeliveryTask task, int attemptNumber, AttemptClaims.Pending owed, Claimant claimant,
                             Received message) {
        DeliveryTask next = TaskQueue.fromJson(owed.taskJson());
        Duration delay = Duration.ZERO;
        if (next.notBefore() != null) {
            Duration left = Duration.between(clock.instant(), Instant.parse(next.notBefore()));
            delay = left.isNegative() ? Duration.ZERO : left;
        }
        Map<String, Object> line = ids(task, attemptNumber);
        try {
            new TaskQueue(sqs, owed.queueUrl()).send(next, delay);
        } catch (RuntimeException e) {
            line.put("exception", e.getClass().getSimpleName());
            log.warn("delivery attempt made earlier, and its send failed again; the task is kept", line);
            if (message != null) {
                changeVisibility(message, DLQ_SEND_RETRY);
            }
            return false;
        }
        metrics.count(owed.queueUrl().equals(dlqUrl) ? RelayMetrics.DEAD_LETTERED : RelayMetrics.RETRIES);
        settledClaim(task, attemptNumber, claimant.id());
        log.info("delivery attempt made earlier: its owed send made now, without a second attempt", line);
        return true;
    }

    /** Notes on the claim what a failed settling send owed, so that the message's return makes it, not an attempt. */
    private void owe(DeliveryTask task, int attemptNumber, String claimer, String queueUrl, DeliveryTask owed) {
        try {
            claims.unsettled(task.eventId(), task.webhookId(), task.roundNumber(), attemptNumber, claimer,
                    new AttemptClaims.Pending(queueUrl, TaskQueue.toJson(owed)));
        } catch (RuntimeException e) {
            Map<String, Object> line = ids(task, attemptNumber);
            line.put("exception", e.getClass().getName());
            log.warn("could not note the owed send on the attempt claim; the attempt repeats when the task comes "
                    + "back", line);
        }
    }

    /**
     * An attempt the deadline cut short spent nothing, so its claim is let go at once: whichever copy comes next
     * (this message, or the task held and drained under another) claims it without waiting out the lease. Best
     * effort: if the release is lost, that copy waits for the lease instead.
     */
    private void releaseClaim(DeliveryTask task, int attemptNumber, String claimer) {
        try {
            claims.release(task.eventId(), task.webhookId(), task.roundNumber(), attemptNumber, claimer);
        } catch (RuntimeException e) {
            Map<String, Object> line = ids(task, attemptNumber);
            line.put("exception", e.getClass().getName());
            log.warn("attempt claim could not be released after a cut-short attempt", line);
        }
    }

    /** Best effort: a lost mark only lets a late duplicate take the attempt over once its lease ends. */
    private void settledClaim(DeliveryTask task, int attemptNumber, String claimer) {
        try {
            claims.settled(task.eventId(), task.webhookId(), task.roundNumber(), attemptNumber, claimer);
        } catch (RuntimeException e) {
            Map<String, Object> line = ids(task, attemptNumber);
            line.put("exception", e.getClass().getName());
            log.warn("attempt claim could not be marked settled", line);
        }
    }

    /**
     * The event's delivery state for this subscription after an attempt (best effort, never failing it): FAILED
     * (the budget spent) is DEAD_LETTERED once parked, RETRYING while the task is kept to repeat the attempt; a 410
     * that disabled the subscription is HELD (the task waits for the re-enable).
     */
    private void recordState(DeliveryTask task, int attemptNumber, String outcome, boolean settled, Instant at) {
        DeliveryStates.State state = switch (outcome) {
            case DELIVERED -> DeliveryStates.State.DELIVERED;
            case DISABLED -> settled ? DeliveryStates.State.HELD : DeliveryStates.State.RETRYING;
            case FAILED -> settled ? DeliveryStates.State.DEAD_LETTERED : DeliveryStates.State.RETRYING;
            default -> DeliveryStates.State.RETRYING;
        };
        states.record(task.eventId(), task.subscriptionId(), task.webhookId(), state, attemptNumber, at, at);
    }

    private DeadlineReached cutShortLogged(DeliveryTask task, int attemptNumber, DeliveryAttempt.Result result) {
        Map<String, Object> line = ids(task, attemptNumber);
        line.put("latencyMs", result.latencyMs());
        line.put("errorKind", result.errorKind());
        log.warn("delivery attempt cut short by the invocation's deadline; it comes back without spending an "
                + "attempt", line);
        return new DeadlineReached("attempt cut short");
    }

    /**
     * The time this attempt may take: the delivery timeout, or less when the invocation ends sooner.
     *
     * @throws DeadlineReached when that is less than {@link #MIN_ATTEMPT}: an attempt that short would fail
     *                         against a receiver that is merely not instant, and spend budget for nothing
     */
    private Duration attemptLimit(Deadline deadline) {
        Duration left = deadline.remaining();
        Duration full = attempt.timeout();
        Duration useful = full.compareTo(MIN_ATTEMPT) < 0 ? full : MIN_ATTEMPT;
        if (left.compareTo(useful) < 0) {
            throw new DeadlineReached("no time left for an attempt");
        }
        return left.compareTo(full) < 0 ? left : full;
    }

    /**
     * An attempt that ended without an answer because of the invocation's deadline, not the receiver: it ran out
     * a limit the deadline cut below the delivery timeout (timing out, or failing however the cut made it fail,
     * at the limit), or the batch gave up on it and interrupted its thread. The receiver did not get the time
     * every attempt is promised, so this one does not count, for its budget or its health (the task comes back
     * with its count unchanged).
     */
    private boolean cutShort(Sent sent) {
        DeliveryAttempt.Result result = sent.result();
        if (result.statusCode() != null) {
            return false; // the receiver answered in time: that is its answer
        }
        if (sent.interrupted()) {
            return true;
        }
        boolean shortened = sent.limit().compareTo(attempt.timeout()) < 0;
        boolean timedOut = "TIMEOUT".equals(result.errorKind()) || "DNS_TIMEOUT".equals(result.errorKind());
        return shortened && (timedOut || result.latencyMs() >= sent.limit().toMillis());
    }

    /**
     * A task of a test event for a subscription it was not sent to (queued by a path that did not know, e.g. a
     * redrive of what an older version parked): dropped, so a test event reaches its own subscription only.
     */
    private static final String SENT_ELSEWHERE = "delivery dropped: a test event of another subscription";

    /** What a task is delivered to, read fresh for every attempt. */
    private record Target(Subscription subscription, StoredEvent event) {
    }

    /** A task the gate let through, and whether its attempt is the breaker's probe. */
    private record Admitted(Subscription subscription, boolean probe) {
    }

    /** The subscription, read fresh; empty (the task is dropped) when it was deleted. */
    private Optional<Subscription> subscription(DeliveryTask task, int attemptNumber) {
        Optional<Subscription> found = subscriptions.find(task.subscriptionId());
        if (found.isEmpty()) {
            log.info("delivery dropped: subscription deleted", ids(task, attemptNumber));
        }
        return found;
    }

    /**
     * The gate before an attempt. Paused, disabled, or breaker open (or a probe out): the task is held, not
     * attempted and not dropped, its attempt count unchanged. Breaker due a probe: this task becomes the probe if
     * it wins the claim, else it is held. On the main lane, a subscription whose health puts it on the slow lane
     * has the task forwarded there unattempted (on the slow lane a subscription healthy again is simply attempted).
     *
     * @return the subscription to attempt, or empty when the task was held or forwarded
     */
    private Optional<Admitted> admit(DeliveryTask task, Subscription subscription, Received message) {
        Instant now = clock.instant();
        switch (health.policy().gate(subscription, now)) {
            case ATTEMPT -> {
                if (!fromSlowLane(message) && subscription.health().slowLane()
                        && !lanes.queueFor(subscription).equals(lanes.mainQueueUrl())) {
                    new TaskQueue(sqs, lanes.queueFor(subscription)).send(task);
                    log.info("delivery forwarded to the slow lane", ids(task, task.attemptsMade()));
                    return Optional.empty();
                }
                return Optional.of(new Admitted(subscription, false));
            }
            case CLAIM_PROBE -> {
                Optional<Subscription> claimed = health.claimProbe(subscription);
                if (claimed.isPresent()) {
                    return Optional.of(new Admitted(claimed.get(), true));
                }
                hold(task, subscription, now);
                return Optional.empty();
            }
            default -> {
                hold(task, subscription, now);
                return Optional.empty();
            }
        }
    }

    private void hold(DeliveryTask task, Subscription subscription, Instant now) {
        holds.hold(task, now);
        metrics.count(RelayMetrics.DELIVERIES, RelayMetrics.OUTCOME, RelayMetrics.Outcome.HELD.name());
        Map<String, Object> line = ids(task, task.attemptsMade());
        line.put("reason", HealthPolicy.holdReason(subscription));
        log.info("delivery held", line);
        // The task does not carry its last attempt's time: the detail's deliveryLogs have it.
        states.record(task.eventId(), task.subscriptionId(), task.webhookId(), DeliveryStates.State.HELD,
                task.attemptsMade(), null, now);
    }

    /**
     * The event, or empty (the task is dropped) when it is gone (expired). Eventually consistent, a miss confirmed
     * strongly consistent: the event was stored before its FAN_OUT was sent and delivery uses nothing that changes.
     */
    private Optional<Target> target(DeliveryTask task, int attemptNumber, Subscription subscription) {
        Optional<StoredEvent> event = events.find(task.eventId(), EventStore.Consistency.EVENTUAL_CONFIRMED);
        if (event.isEmpty()) {
            log.warn("delivery dropped: event not found", ids(task, attemptNumber));
            return Optional.empty();
        }
        if (EventAudience.sentElsewhere(event.get(), task.subscriptionId())) {
            log.warn(SENT_ELSEWHERE, ids(task, attemptNumber));
            return Optional.empty();
        }
        return Optional.of(new Target(subscription, event.get()));
    }

    /** Adds the attempt's outcome to the batch's health record, unless the failure was ours, not the receiver's. */
    private void recordHealth(HealthTracker.Batch batch, Subscription subscription, DeliveryAttempt.Result result,
                              boolean probe) {
        if (AttemptOutcome.countsForReceiver(result.errorKind())) {
            batch.record(subscription, AttemptOutcome.of(clock.instant(), result.statusCode(), result.errorKind(),
                    result.latencyMs(), result.responseBody(), probe));
        }
    }

    /**
     * PROBE: the breaker has cooled down. Claims the probe and attempts the oldest held task as it (a real attempt
     * of that task, counted in its budget); the attempt's outcome, folded at the end of the batch, closes or
     * re-opens the breaker. With nothing held, nothing is claimed: the next arriving DELIVER claims the probe.
     */
    void probe(DeliveryTask task, Received message, HealthTracker.Batch outcomes) {
        String subscriptionId = task.subscriptionId();
        Optional<Subscription> found = subscriptions.find(subscriptionId);
        if (found.isEmpty() || !found.get().active() || found.get().paused()) {
            return; // deleted, disabled or paused: nothing to probe; resume / re-enable drain the held tasks
        }
        Subscription subscription = found.get();
        SubscriptionHealth h = subscription.health();
        Instant now = clock.instant();
        if (task.notBefore() != null && h.retryAt() != null && !task.notBefore().equals(h.retryAt().toString())) {
            // Queued by an earlier opening (a DELIVER claimed that probe, and its failure queued a newer PROBE).
            log.info("stale probe dropped", Map.of("subscriptionId", subscriptionId));
            return;
        }
        if (h.breaker() == SubscriptionHealth.Breaker.OPEN && h.retryAt() != null && now.isBefore(h.retryAt())) {
            // A cool-down longer than SQS's longest delay (or a clock ahead of ours): wait out the rest.
            new TaskQueue(sqs, lanes.queueFor(subscription)).send(task,
                    Duration.between(now, h.retryAt()).plusSeconds(1));
            return;
        }
        if (!HealthPolicy.probeDue(h, now)) {
            return; // closed already, or a probe is out (its outcome queues the next)
        }
        attemptLimit(message.deadline()); // before the claim too: no probe is claimed without time for its attempt
        for (HoldStore.Held held : holds.oldest(subscriptionId, PROBE_CANDIDATES).items()) {
            Optional<StoredEvent> event = events.find(held.task().eventId(),
                    EventStore.Consistency.EVENTUAL_CONFIRMED);
            if (event.isEmpty() || EventAudience.sentElsewhere(event.get(), subscriptionId)) {
                log.warn(event.isEmpty() ? "held delivery dropped: event not found" : SENT_ELSEWHERE,
                        ids(held.task(), held.task().attemptsMade()));
                holds.delete(held);
                continue;
            }
            Optional<Subscription> claimed = health.claimProbe(subscription);
            if (claimed.isPresent()) {
                attemptHeld(held, event.get(), claimed.get(), message.deadline(), outcomes);
            }
            return;
        }
    }

    /** Held tasks a PROBE looks through for one whose event still exists. */
    static final int PROBE_CANDIDATES = 5;

    /**
     * One attempt of a held task as the probe. Its next step is settled by queue messages, since the task has no
     * message of its own: a retry is sent as a new message after its backoff, an exhausted one to the DLQ; then the
     * hold item is deleted. A send that fails leaves the item held, notes the send on the attempt's claim and fails
     * the PROBE message, which comes back: its claim (the same hold) then makes that send, not a second attempt.
     */
    private void attemptHeld(HoldStore.Held held, StoredEvent event, Subscription subscription, Deadline deadline,
                             HealthTracker.Batch outcomes) {
        DeliveryTask task = held.task();
        int attemptNumber = task.attemptsMade() + 1;
        Instant now = clock.instant();
        Claimant claimant = new Claimant("hold#" + held.sortKey(), null);
        AttemptClaims.Decision claim = claimed(task, attemptNumber, claimant, now);
        if (claim == null) {
            if (claimant.done()) {
                holds.delete(held); // a copy of it is ahead: this hold is redundant
            }
            return; // the probe's lease runs out and the next PROBE or DELIVER claims again
        }
        if (claim.pending() != null) {
            if (sendOwed(task, attemptNumber, claim.pending(), claimant, null)) {
                holds.delete(held);
            }
            return;
        }
        Sent sent = attempt(task, event, subscription, now, deadline);
        DeliveryAttempt.Result result = sent.result();
        if (cutShort(sent)) {
            // Not the receiver's answer: the probe's lease runs out and the next PROBE or DELIVER claims again.
            recordAttempt(task, attemptNumber, subscription, sent, CUT_SHORT, now);
            measure(result, CUT_SHORT, event);
            releaseClaim(task, attemptNumber, claimant.id());
            throw cutShortLogged(task, attemptNumber, result);
        }
        recordHealth(outcomes, subscription, result, true);
        String outcome = classify(result, subscription, attemptNumber);
        recordAttempt(task, attemptNumber, subscription, sent, outcome, now);
        measure(result, outcome, event);
        Map<String, Object> line = ids(task, attemptNumber);
        line.put("statusCode", result.statusCode());
        line.put("outcome", outcome);
        String error = lastError(result);
        if (FAILED.equals(outcome)) {
            sendOrOwe(task, attemptNumber, claimant.id(), dlqUrl, task.deadLettered(error), Duration.ZERO);
            metrics.count(RelayMetrics.DEAD_LETTERED);
        } else if (DISABLED.equals(outcome)) {
            // Stays held where it was (the oldest), this attempt counted: re-enabling delivers it first.
            holds.replace(held, task.afterAttempt(null, error));
            log.info("probe attempt", line);
            settledClaim(task, attemptNumber, claimant.id());
            recordState(task, attemptNumber, outcome, true, now);
            return;
        } else if (RETRYING.equals(outcome)) {
            Duration backoff = retryPolicy.backoff(attemptNumber, result.retryAfter());
            sendOrOwe(task, attemptNumber, claimant.id(), lanes.queueFor(subscription),
                    task.afterAttempt(EventItems.timestamp(now.plus(backoff)), error), backoff);
            metrics.count(RelayMetrics.RETRIES);
        }
        log.info("probe attempt", line);
        holds.delete(held);
        settledClaim(task, attemptNumber, claimant.id());
        recordState(task, attemptNumber, outcome, true, now);
    }

    /** A probe's settling send; when it fails, what it owed is noted on the claim before the PROBE fails. */
    private void sendOrOwe(DeliveryTask task, int attemptNumber, String claimer, String queueUrl, DeliveryTask next,
                           Duration delay) {
        try {
            new TaskQueue(sqs, queueUrl).send(next, delay);
        } catch (RuntimeException e) {
            owe(task, attemptNumber, claimer, queueUrl, next);
            throw e;
        }
    }

    /** Whether a message came from the slow lane (its receipt handle belongs to that queue). */
    private boolean fromSlowLane(Received message) {
        return lanes.slowQueueUrl() != null && lanes.slowQueueUrl().equals(message.queueUrl());
    }

    /**
     * Signs and POSTs. Whatever goes wrong in between is this attempt's failure: logged with an error kind and
     * retried like any other, never thrown out of the delivery, where it would spend a receive without a log entry
     * and end in the DLQ unexplained.
     *
     * <p>The attempt's time limit is taken here, immediately before the POST, from what is left of {@code deadline}:
     * the reads before it (subscription, probe claim, event, S3 payload) may have been slow, and a limit taken
     * before them would let the attempt run past the deadline, where the batch interrupts it.
     *
     * @throws DeadlineReached when too little time is left (see {@link #attemptLimit}); a probe claimed for this
     *                         attempt then lets its lease lapse, and the next PROBE or DELIVER claims again
     */
    private Sent attempt(DeliveryTask task, StoredEvent event, Subscription subscription, Instant now,
                         Deadline deadline) {
        long start = System.nanoTime();
        Signed signed;
        try {
            signed = sign(task, event, subscription, now);
        } catch (RuntimeException e) {
            return new Sent(DeliveryAttempt.Result.notSent("SIGNING_FAILED", start), Map.of(), attempt.timeout(),
                    false);
        }
        Duration limit = attemptLimit(deadline);
        DeliveryAttempt.Result result = post(subscription, signed, start, limit);
        return new Sent(result, signed.headers(), limit, Thread.currentThread().isInterrupted());
    }

    /**
     * What one attempt sent (its signing headers; none when it failed before signing), what came of it, the time
     * limit it had, and whether the batch interrupted it (gave up on it at its deadline).
     */
    private record Sent(DeliveryAttempt.Result result, Map<String, String> headers, Duration limit,
                        boolean interrupted) {
    }

    /** A webhook ready to send: its body and the Standard Webhooks headers that sign it. */
    private record Signed(String body, Map<String, String> headers) {
    }

    private static Signed sign(DeliveryTask task, StoredEvent event, Subscription subscription, Instant now) {
        String body = WebhookPayload.body(event);
        long timestamp = now.getEpochSecond();
        // One signature per secret still in its rotation overlap, so receivers on either secret verify.
        String signatures = subscription.signingSecrets(now).stream()
                .map(secret -> WebhookSignature.sign(WebhookSignature.decodeSecret(secret), task.webhookId(),
                        timestamp, body))
                .collect(Collectors.joining(" "));
        return new Signed(body, WebhookSignature.headers(task.webhookId(), timestamp, signatures));
    }

    /** The Standard Webhooks specification's example secret: it signs nothing real. */
    private static final String PRIMING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /**
     * SnapStart priming of a delivery without sending it: a DELIVER task through its JSON and back, a sample
     * event's webhook body signed as {@link #attempt} signs it, and the request built by {@link DeliveryAttempt#prime}.
     */
    static void prime(DeliveryAttempt attempt, Instant now) throws java.net.UnknownHostException {
        Signed signed = primingWebhook(now);
        attempt.prime(signed.headers(), signed.body());
    }

    /**
     * SnapStart priming of a whole exchange, on a virtual thread as a batch runs each message: the sample webhook
     * POSTed through {@link #attempt}'s client to the throwaway loopback server of
     * {@link DeliveryAttempt#primeLoopback}, never to a subscriber; the pool is left empty.
     */
    static void primeExchange(DeliveryAttempt attempt, Instant now) throws Exception {
        Signed signed = primingWebhook(now);
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            int status = executor.submit(() -> attempt.primeLoopback(signed.headers(), signed.body())).get();
            if (status != 200) {
                throw new IllegalStateException("the loopback priming server answered " + status);
            }
        }
    }

    private static final String PRIMING_EVENT_ID = "00000000-0000-4000-8000-000000000000";
    private static final String PRIMING_SUBSCRIPTION_ID = "sub_" + "0".repeat(32);

    /**
     * SnapStart priming of what a delivered attempt records, each write through {@code unsent} (a client whose
     * requests are marshalled and never sent: {@link com.algohire.relay.internal.Priming#unsentDynamoDb}): the
     * attempt's claim and its settled mark, its delivery log entry, the event's delivery state (its failure logged
     * to {@code quiet}, which drops it) and the subscription's health folded from the outcome. Nothing is stored.
     */
    static void primeRecords(DynamoDbClient unsent, String eventsTable, String subscriptionsTable,
                             Duration retention, HealthPolicy policy, StructuredLog quiet, Instant now) {
        Signed signed = primingWebhook(now);
        String webhookId = WebhookIds.of(PRIMING_EVENT_ID, PRIMING_SUBSCRIPTION_ID);
        String timestamp = signed.headers().get(WebhookSignature.HEADER_TIMESTAMP);
        DeliveryLogEntry entry = new DeliveryLogEntry(1, PRIMING_SUBSCRIPTION_ID, webhookId,
                withoutQuery(DeliveryAttempt.PRIMING_URL), 200, 12, null, "ok", DELIVERED, EventItems.timestamp(now),
                timestamp == null ? null : Long.valueOf(timestamp),
                signed.headers().get(WebhookSignature.HEADER_SIGNATURE));
        AttemptClaims claims = new AttemptClaims(unsent, eventsTable, retention);
        com.algohire.relay.internal.Priming.unsent(() -> claims.claim(PRIMING_EVENT_ID, webhookId, 0, 1,
                "priming", now, now.plus(CLAIM_LEASE_MARGIN)));
        com.algohire.relay.internal.Priming.unsent(() -> new DeliveryLog(unsent, eventsTable, retention)
                .record(PRIMING_EVENT_ID, entry, now));
        com.algohire.relay.internal.Priming.unsent(() -> claims.settled(PRIMING_EVENT_ID, webhookId, 0, 1,
                "priming"));
        new DeliveryStates(unsent, eventsTable, retention, quiet).record(PRIMING_EVENT_ID, PRIMING_SUBSCRIPTION_ID,
                webhookId, DeliveryStates.State.DELIVERED, 1, now, now);
        SubscriptionHealth folded = policy.fold(SubscriptionHealth.INITIAL,
                List.of(AttemptOutcome.of(now, 200, null, 12, "ok", false)), now);
        com.algohire.relay.internal.Priming.unsent(() -> new SubscriptionStore(unsent, subscriptionsTable)
                .writeHealth(PRIMING_SUBSCRIPTION_ID, folded, 0));
    }

    private static Signed primingWebhook(Instant now) {
        String eventId = PRIMING_EVENT_ID;
        String subscriptionId = PRIMING_SUBSCRIPTION_ID;
        DeliveryTask task = TaskQueue.fromJson(TaskQueue.toJson(DeliveryTask.deliver(eventId, "job.created",
                subscriptionId, WebhookIds.of(eventId, subscriptionId))));
        StoredEvent event = new StoredEvent(eventId, "job.created", "snapstart-priming",
                "{\"jobId\":\"job-123\",\"title\":\"Senior Engineer\",\"tags\":[\"java\",\"aws\"]}", now, "QUEUED");
        Subscription subscription = new Subscription(subscriptionId, DeliveryAttempt.PRIMING_URL,
                List.of("job.created"), null, true, List.of(new Subscription.SigningSecret(PRIMING_SECRET, null)), now,
                now, null, false, null);
        return sign(task, event, subscription, now);
    }

    private DeliveryAttempt.Result post(Subscription subscription, Signed signed, long start, Duration limit) {
        try {
            return attempt.post(subscription.url(), signed.headers(), signed.body(), limit);
        } catch (RuntimeException e) {
            return DeliveryAttempt.Result.notSent(e instanceof IllegalArgumentException
                    ? "INVALID_URL" : "INTERNAL_ERROR",
                    start);
        }
    }

    /**
     * DELIVERED on a 2xx; DISABLED on a 410 that disabled the subscription (it does not when the subscription
     * changed while the attempt was in flight); FAILED when the retry budget is spent; RETRYING otherwise.
     */
    private String classify(DeliveryAttempt.Result result, Subscription subscription, int attemptNumber) {
        if (result.delivered()) {
            return DELIVERED;
        }
        boolean gone = result.statusCode() != null && result.statusCode() == 410;
        if (gone && disabled(subscription, result)) {
            return DISABLED;
        }
        return retryPolicy.exhausted(attemptNumber) ? FAILED : RETRYING;
    }

    /**
     * Disables the subscription after a 410. If the write fails, the attempt still has to be logged and settled:
     * it counts as RETRYING, and the next attempt's 410 disables it then.
     */
    private boolean disabled(Subscription subscription, DeliveryAttempt.Result result) {
        try {
            return health.transitions().disable(subscription, "receiver answered 410 Gone", "HTTP 410",
                    result.responseBody());
        } catch (RuntimeException e) {
            log.error("could not disable the subscription after a 410; retrying the delivery instead",
                    Map.of("subscriptionId", subscription.subscriptionId(), "exception", e.getClass().getName()));
            return false;
        }
    }

    /**
     * The attempt's metrics: its outcome, success or failure and latency (a cut-short attempt is not the
     * receiver's answer, so only its outcome), and for a delivery the time since the event was received.
     */
    private void measure(DeliveryAttempt.Result result, String outcome, StoredEvent event) {
        metrics.count(RelayMetrics.DELIVERIES, RelayMetrics.OUTCOME, outcomeDimension(outcome));
        if (CUT_SHORT.equals(outcome)) {
            return;
        }
        metrics.milliseconds(RelayMetrics.ATTEMPT_LATENCY, result.latencyMs());
        if (DELIVERED.equals(outcome)) {
            metrics.count(RelayMetrics.ATTEMPTS_SUCCEEDED);
            metrics.milliseconds(RelayMetrics.END_TO_END_LATENCY,
                    Math.max(0, Duration.between(event.receivedAt(), clock.instant()).toMillis()));
        } else {
            metrics.count(RelayMetrics.ATTEMPTS_FAILED);
        }
    }

    /** The delivery log's outcome as a value of {@link RelayMetrics.Outcome}: its FAILED is the DLQ's. */
    static String outcomeDimension(String outcome) {
        return FAILED.equals(outcome) ? RelayMetrics.Outcome.DEAD_LETTERED.name() : outcome;
    }

    /** Writes the attempt to the event's delivery log. */
    private void recordAttempt(DeliveryTask task, int attemptNumber, Subscription subscription, Sent sent,
                               String outcome, Instant now) {
        DeliveryAttempt.Result result = sent.result();
        String timestamp = sent.headers().get(WebhookSignature.HEADER_TIMESTAMP);
        DeliveryLogEntry entry = new DeliveryLogEntry(attemptNumber, subscription.subscriptionId(), task.webhookId(),
                withoutQuery(subscription.url()), result.statusCode(), result.latencyMs(), result.errorKind(),
                result.responseBody(), outcome, EventItems.timestamp(now),
                timestamp == null ? null : Long.valueOf(timestamp),
                sent.headers().get(WebhookSignature.HEADER_SIGNATURE));
        try {
            deliveryLog.record(task.eventId(), entry, now);
        } catch (RuntimeException e) {
            // The attempt happened either way: failing the message over a lost log entry would send the webhook
            // again (a delivered one) or skip its backoff (a failed one).
            Map<String, Object> fields = ids(task, attemptNumber);
            fields.put("exception", e.getClass().getName());
            log.error("delivery log entry could not be written", fields);
        }
    }

    /**
     * Logs the attempt and tells the queue what comes next: delete the message (delivered, disabled), park the task
     * in the DLQ (budget spent), or queue its next attempt (retrying).
     */
    private boolean settle(DeliveryTask task, int attemptNumber, Subscription subscription,
                           DeliveryAttempt.Result result, String outcome, Received message, Instant attemptedAt,
                           String claimer) {
        Map<String, Object> line = ids(task, attemptNumber);
        line.put("statusCode", result.statusCode());
        line.put("latencyMs", result.latencyMs());
        line.put("errorKind", result.errorKind());
        line.put("outcome", outcome);
        switch (outcome) {
            case DELIVERED -> {
                log.info("delivery attempt", line);
                return true;
            }
            case DISABLED -> {
                return holdWhileDisabled(task, result, message, line);
            }
            case FAILED -> {
                return deadLetter(task, attemptNumber, lastError(result), message, line, claimer);
            }
            default -> {
                return retryLater(task, attemptNumber, subscription, result, message, attemptedAt, line, claimer);
            }
        }
    }

    /**
     * The 410 disabled the subscription: the task is held for it with this attempt counted (like every task that
     * arrives while it is disabled), and re-enabling it drains them all, this one first. If the hold fails, the
     * message is kept and comes back soon; the gate then holds it (the subscription is disabled), without an attempt.
     */
    private boolean holdWhileDisabled(DeliveryTask task, DeliveryAttempt.Result result, Received message,
                                      Map<String, Object> line) {
        try {
            holds.hold(task.afterAttempt(null, lastError(result)), clock.instant());
        } catch (RuntimeException e) {
            line.put("holdError", e.getClass().getSimpleName());
            log.warn("delivery attempt: subscription disabled; holding the task failed, it is kept and held when it "
                    + "comes back", line);
            changeVisibility(message, DLQ_SEND_RETRY);
            return false;
        }
        log.warn("delivery attempt: subscription disabled; the task is held until it is re-enabled", line);
        return true;
    }

    /**
     * Queues the task's next attempt as a new message carrying the count and the time it is due, and lets the
     * received one be deleted. SQS delays a message 15 minutes at most: a longer backoff arrives early and is
     * deferred by {@link DeliveryBatch} until {@code notBefore}, without an attempt.
     *
     * <p>If the send fails (or its outcome is unknown), the received message is kept instead, made visible again
     * after the backoff (as far as its receive window allows). Its next receive then repeats this attempt's number
     * (its own claim), and a send that did get through leaves a second copy of the next attempt: the attempt
     * claims let one of the two run it and stop the other, so the budget holds whatever was duplicated.
     */
    private boolean retryLater(DeliveryTask task, int attemptNumber, Subscription subscription,
                               DeliveryAttempt.Result result, Received message, Instant attemptedAt,
                               Map<String, Object> line, String claimer) {
        Duration backoff = retryPolicy.backoff(attemptNumber, result.retryAfter());
        Instant notBefore = attemptedAt.plus(backoff);
        DeliveryTask next = task.afterAttempt(EventItems.timestamp(notBefore), lastError(result));
        String queueUrl = lanes.queueFor(subscription);
        try {
            new TaskQueue(sqs, queueUrl).send(next, backoff);
            metrics.count(RelayMetrics.RETRIES);
            line.put("retryInSeconds", seconds(backoff));
            line.put("notBefore", next.notBefore());
            log.warn(retryMessage(result.statusCode()), line);
            return true;
        } catch (RuntimeException e) {
            owe(task, attemptNumber, claimer, queueUrl, next);
            Duration wait = retryPolicy.withinReceiveWindow(backoff, message.receivedAt(), clock.instant());
            changeVisibility(message, wait);
            line.put("retryInSeconds", seconds(wait));
            line.put("requeueError", e.getClass().getSimpleName());
            log.warn(retryMessage(result.statusCode()) + " (re-queue failed: the message is kept, and when it "
                    + "comes back it makes this re-queue, not another attempt)", line);
            return false;
        }
    }

    /**
     * Parks the task in the DLQ with what its last attempt got, and lets the received message be deleted. The
     * parked copy carries no attempt count: a redrive gives it a fresh budget. If the send fails the message is
     * kept and comes back shortly; its next receive makes the DLQ send it owes (noted on the attempt claim), not
     * another attempt.
     */
    private boolean deadLetter(DeliveryTask task, int attemptNumber, String lastError, Received message,
                               Map<String, Object> line, String claimer) {
        line.put("lastError", lastError);
        if (dlqUrl == null || dlqUrl.isBlank()) {
            log.error("delivery attempt: retry budget exhausted, but no DLQ is configured; the task is kept", line);
            changeVisibility(message, DLQ_SEND_RETRY);
            return false;
        }
        try {
            new TaskQueue(sqs, dlqUrl).send(task.deadLettered(lastError));
            metrics.count(RelayMetrics.DEAD_LETTERED);
        } catch (RuntimeException e) {
            owe(task, attemptNumber, claimer, dlqUrl, task.deadLettered(lastError));
            line.put("dlqError", e.getClass().getSimpleName());
            log.error("delivery attempt: retry budget exhausted, and the DLQ send failed; the task is kept", line);
            changeVisibility(message, DLQ_SEND_RETRY);
            return false;
        }
        log.error("delivery attempt: retry budget exhausted, task parked in the DLQ", line);
        return true;
    }

    /**
     * What an attempt got, for a person reading the DLQ: {@code HTTP 503: <the first 200 characters of the body>},
     * or the error kind when no response came ({@code TIMEOUT}, {@code CONNECTION}, ...).
     */
    static String lastError(DeliveryAttempt.Result result) {
        if (result.statusCode() == null) {
            return result.errorKind() == null ? "UNKNOWN" : result.errorKind();
        }
        String body = result.responseBody();
        if (body == null || body.isBlank()) {
            return "HTTP " + result.statusCode();
        }
        // The body is well-formed (DeliveryAttempt.Result); the cut must not leave half a character either.
        return "HTTP " + result.statusCode() + ": " + Text.cut(body, LAST_ERROR_BODY_CHARS);
    }

    /** Best effort: when it fails, the message comes back after the queue's visibility timeout instead. */
    private void changeVisibility(Received message, Duration delay) {
        if (message.receiptHandle() == null) {
            return;
        }
        try {
            sqs.changeMessageVisibility(r -> r.queueUrl(message.queueUrl()).receiptHandle(message.receiptHandle())
                    .visibilityTimeout(seconds(delay)));
        } catch (RuntimeException e) {
            log.warn("could not change a message's visibility; it comes back after the queue's visibility timeout",
                    Map.of("exception", e.getClass().getName()));
        }
    }

    /** Whole seconds, rounded down: rounding up could ask SQS for more than is left of the message's window. */
    static int seconds(Duration delay) {
        return (int) Math.min(RetryPolicy.MAX_VISIBILITY.toSeconds(), Math.max(0, delay.toSeconds()));
    }

    private static String retryMessage(Integer status) {
        if (status == null || status == 429 || status < 400 || status >= 500) {
            return "delivery attempt: retrying";
        }
        // A 410 that did not disable: the subscription changed while the attempt was in flight (re-pointed,
        // re-enabled, ...), so its current version gets an attempt of its own.
        return status == 410 ? "delivery attempt: 410 from a subscription changed since it was read; not disabled, "
                + "retrying"
                : "delivery attempt: receiver rejected (4xx), retrying";
    }

    /** Query strings often carry receivers' tokens; logs and deliveryLogs keep scheme, host and path only. */
    static String withoutQuery(String url) {
        int cut = url.indexOf('?');
        return cut < 0 ? url : url.substring(0, cut);
    }

    private static Map<String, Object> ids(DeliveryTask task, int attemptNumber) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("eventId", task.eventId());
        fields.put("subscriptionId", task.subscriptionId());
        fields.put("webhookId", task.webhookId());
        fields.put("attempt", attemptNumber);
        return fields;
    }
}
