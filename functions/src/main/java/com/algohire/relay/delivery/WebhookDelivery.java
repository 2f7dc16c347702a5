package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.isolation.AttemptOutcome;
import com.algohire.relay.isolation.HealthPolicy;
import com.algohire.relay.isolation.HealthTracker;
import com.algohire.relay.isolation.HoldStore;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.verifier.WebhookSignature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Carries out one DELIVER task: the gate first (hold it while the subscription is paused, disabled or its breaker
 * open; forward it to the slow lane when it belongs there), then signs the event for its subscription, POSTs it,
 * records the attempt and its outcome for the subscription's health, and decides what happens next (done,
 * subscription disabled, retry after a backoff, or on to the DLQ; see {@link RetryPolicy}). Also carries out a
 * PROBE: the oldest held task, attempted as the breaker's one probe.
 */
final class WebhookDelivery {
    static final String DELIVERED = "DELIVERED";
    static final String RETRYING = "RETRYING";
    static final String FAILED = "FAILED";
    static final String DISABLED = "DISABLED";

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
    private final Clock clock;
    private final StructuredLog log;

    WebhookDelivery(EventStore events, SubscriptionStore subscriptions, DeliveryAttempt attempt,
            DeliveryLog deliveryLog,
                    RetryPolicy retryPolicy, SqsClient sqs, DeliveryLanes lanes, String dlqUrl,
                    HealthTracker health, HoldStore holds, Clock clock, StructuredLog log) {
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
        this.clock = clock;
        this.log = log;
    }

    /** Which lane a message came from (its receipt handle belongs to that queue), and its batch's health record. */
    record Source(boolean fromSlowLane, HealthTracker.Batch health) {
        String queueUrl(DeliveryLanes lanes) {
            return lanes.queueOf(fromSlowLane);
        }
    }

    /**
     * Sign, post, classify, log, settle: one attempt of {@code task}, recorded on its event whatever came of it.
     *
     * @param received when SQS handed out this message, at the latest: its visibility can reach 12 h from then
     * @return true when the message is done with (delete it), false when it must come back (batch failure)
     */
    boolean deliver(DeliveryTask task, int attemptNumber, String receiptHandle, Instant received,
                    Source from) {
        Optional<Subscription> found = subscription(task, attemptNumber);
        if (found.isEmpty()) {
            return true;
        }
        Optional<Admitted> admitted = admit(task, found.get(), from);
        if (admitted.isEmpty()) {
            return true; // held or forwarded: the message is done with, no attempt made
        }
        Optional<Target> target = target(task, attemptNumber, admitted.get().subscription());
        if (target.isEmpty()) {
            return true;
        }
        Subscription subscription = target.get().subscription();
        Instant now = clock.instant();
        DeliveryAttempt.Result result = attempt(task, target.get().event(), subscription, now);
        recordHealth(from.health(), subscription, result, admitted.get().probe());
        String outcome = classify(result, subscription, attemptNumber);
        recordAttempt(task, attemptNumber, subscription, result, outcome, now);
        return settle(task, attemptNumber, result, outcome, receiptHandle, received, from);
    }

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
    private Optional<Admitted> admit(DeliveryTask task, Subscription subscription, Source from) {
        Instant now = clock.instant();
        switch (health.policy().gate(subscription, now)) {
            case ATTEMPT -> {
                if (!from.fromSlowLane() && subscription.health().slowLane()
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
        Map<String, Object> line = ids(task, task.attemptsMade());
        line.put("reason", HealthPolicy.holdReason(subscription));
        log.info("delivery held", line);
    }

    /** The event, or empty (the task is dropped) when it is gone (expired). */
    private Optional<Target> target(DeliveryTask task, int attemptNumber, Subscription subscription) {
        Optional<StoredEvent> event = events.find(task.eventId());
        if (event.isEmpty()) {
            log.warn("delivery dropped: event not found", ids(task, attemptNumber));
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
    void probe(DeliveryTask task, Source from) {
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
        for (HoldStore.Held held : holds.oldest(subscriptionId, PROBE_CANDIDATES).items()) {
            Optional<StoredEvent> event = events.find(held.task().eventId());
            if (event.isEmpty()) {
                log.warn("held delivery dropped: event not found", ids(held.task(), held.task().attemptsMade()));
                holds.delete(held);
                continue;
            }
            Optional<Subscription> claimed = health.claimProbe(subscription);
            if (claimed.isPresent()) {
                attemptHeld(held, event.get(), claimed.get(), from);
            }
            return;
        }
    }

    /** Held tasks a PROBE looks through for one whose event still exists. */
    static final int PROBE_CANDIDATES = 5;

    /**
     * One attempt of a held task as the probe. Its next step is settled by queue messages, since the task has no
     * message of its own: a retry is sent as a new message after its backoff, an exhausted one to the DLQ; then the
     * hold item is deleted (a crash before that attempts it again: same webhook-id, at least once).
     */
    private void attemptHeld(HoldStore.Held held, StoredEvent event, Subscription subscription, Source from) {
        DeliveryTask task = held.task();
        int attemptNumber = task.attemptsMade() + 1;
        Instant now = clock.instant();
        DeliveryAttempt.Result result = attempt(task, event, subscription, now);
        recordHealth(from.health(), subscription, result, true);
        String outcome = classify(result, subscription, attemptNumber);
        recordAttempt(task, attemptNumber, subscription, result, outcome, now);
        Map<String, Object> line = ids(task, attemptNumber);
        line.put("statusCode", result.statusCode());
        line.put("outcome", outcome);
        String error = result.statusCode() != null ? "HTTP " + result.statusCode() : result.errorKind();
        if (FAILED.equals(outcome)) {
            new TaskQueue(sqs, dlqUrl).send(task.deadLettered(error));
        } else if (RETRYING.equals(outcome)) {
            Duration backoff = retryPolicy.backoff(attemptNumber, result.retryAfter());
            new TaskQueue(sqs, lanes.queueFor(subscription)).send(
                    task.afterAttempt(now.plus(backoff).toString(), error), backoff);
        }
        log.info("probe attempt", line);
        holds.delete(held);
    }

    /**
     * Signs and POSTs. Whatever goes wrong in between is this attempt's failure: logged with an error kind and
     * retried like any other, never thrown out of the delivery, where it would spend a receive without a log entry
     * and end in the DLQ unexplained.
     */
    private DeliveryAttempt.Result attempt(DeliveryTask task, StoredEvent event, Subscription subscription,
            Instant now) {
        long start = System.nanoTime();
        Signed signed;
        try {
            signed = sign(task, event, subscription, now);
        } catch (RuntimeException e) {
            return DeliveryAttempt.Result.notSent("SIGNING_FAILED", start);
        }
        return post(subscription, signed, start);
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

    private DeliveryAttempt.Result post(Subscription subscription, Signed signed, long start) {
        try {
            return attempt.post(subscription.url(), signed.headers(), signed.body());
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

    /** Writes the attempt to the event's delivery log. */
    private void recordAttempt(DeliveryTask task, int attemptNumber, Subscription subscription,
                               DeliveryAttempt.Result result, String outcome, Instant now) {
        DeliveryLogEntry entry = new DeliveryLogEntry(attemptNumber, subscription.subscriptionId(), task.webhookId(),
                withoutQuery(subscription.url()), result.statusCode(), result.latencyMs(), result.errorKind(),
                result.responseBody(), outcome, EventItems.timestamp(now));
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
     * Logs the attempt and tells the queue what comes next: delete the message (delivered, disabled), let SQS move
     * it to the DLQ (budget spent), or make it visible again after the backoff (retrying).
     */
    private boolean settle(DeliveryTask task, int attemptNumber, DeliveryAttempt.Result result, String outcome,
                           String receiptHandle, Instant received, Source from) {
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
                log.warn("delivery attempt: subscription disabled", line);
                return true;
            }
            case FAILED -> {
                // Visibility 0: SQS's next receive exceeds maxReceiveCount and moves the task to the DLQ.
                changeVisibility(from.queueUrl(lanes), receiptHandle, Duration.ZERO);
                log.error("delivery attempt: retry budget exhausted, task goes to the DLQ", line);
                return false;
            }
            default -> {
                Duration backoff = retryPolicy.withinReceiveWindow(retryPolicy.backoff(attemptNumber,
                        result.retryAfter()), received, clock.instant());
                changeVisibility(from.queueUrl(lanes), receiptHandle, backoff);
                line.put("retryInSeconds", seconds(backoff));
                log.warn(retryMessage(result.statusCode()), line);
                return false;
            }
        }
    }

    private void changeVisibility(String queueUrl, String receiptHandle, Duration delay) {
        if (receiptHandle == null) {
            return;
        }
        sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(receiptHandle)
                .visibilityTimeout(seconds(delay)));
    }

    /** Whole seconds, rounded down: rounding up could ask SQS for more than is left of the message's window. */
    private static int seconds(Duration delay) {
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
