package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.subscription.Subscription;
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
 * Carries out one DELIVER task: signs the event for its subscription, POSTs it, records the attempt, and decides
 * what happens next (done, subscription disabled, retry after a backoff, or on to the DLQ; see {@link RetryPolicy}).
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
    private final String queueUrl;
    private final Clock clock;
    private final StructuredLog log;

    WebhookDelivery(EventStore events, SubscriptionStore subscriptions, DeliveryAttempt attempt,
            DeliveryLog deliveryLog,
                    RetryPolicy retryPolicy, SqsClient sqs, String queueUrl, Clock clock, StructuredLog log) {
        this.events = events;
        this.subscriptions = subscriptions;
        this.attempt = attempt;
        this.deliveryLog = deliveryLog;
        this.retryPolicy = retryPolicy;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Sign, post, classify, log, settle: one attempt of {@code task}, recorded on its event whatever came of it.
     *
     * @param received when SQS handed out this message, at the latest: its visibility can reach 12 h from then
     * @return true when the message is done with (delete it), false when it must come back (batch failure)
     */
    boolean deliver(DeliveryTask task, int attemptNumber, String receiptHandle, Instant received) {
        Optional<Target> target = target(task, attemptNumber);
        if (target.isEmpty()) {
            return true;
        }
        Subscription subscription = target.get().subscription();
        Instant now = clock.instant();
        DeliveryAttempt.Result result = attempt(task, target.get().event(), subscription, now);
        String outcome = classify(result, subscription, attemptNumber);
        recordAttempt(task, attemptNumber, subscription, result, outcome, now);
        return settle(task, attemptNumber, result, outcome, receiptHandle, received);
    }

    /** What a task is delivered to, read fresh for every attempt. */
    private record Target(Subscription subscription, StoredEvent event) {
    }

    /** The subscription and the event, or empty (the task is dropped) when either is gone or the first inactive. */
    private Optional<Target> target(DeliveryTask task, int attemptNumber) {
        Optional<Subscription> found = subscriptions.find(task.subscriptionId());
        if (found.isEmpty() || !found.get().active()) {
            log.info("delivery dropped: subscription deleted or inactive", ids(task, attemptNumber));
            return Optional.empty();
        }
        Optional<StoredEvent> event = events.find(task.eventId());
        if (event.isEmpty()) {
            log.warn("delivery dropped: event not found", ids(task, attemptNumber));
            return Optional.empty();
        }
        return Optional.of(new Target(found.get(), event.get()));
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
        if (gone && disabled(subscription)) {
            return DISABLED;
        }
        return retryPolicy.exhausted(attemptNumber) ? FAILED : RETRYING;
    }

    /**
     * Disables the subscription after a 410. If the write fails, the attempt still has to be logged and settled:
     * it counts as RETRYING, and the next attempt's 410 disables it then.
     */
    private boolean disabled(Subscription subscription) {
        try {
            return subscriptions.disable(subscription, "receiver answered 410 Gone", clock.instant());
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
                           String receiptHandle, Instant received) {
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
                changeVisibility(receiptHandle, Duration.ZERO);
                log.error("delivery attempt: retry budget exhausted, task goes to the DLQ", line);
                return false;
            }
            default -> {
                Duration backoff = retryPolicy.withinReceiveWindow(retryPolicy.backoff(attemptNumber,
                        result.retryAfter()), received, clock.instant());
                changeVisibility(receiptHandle, backoff);
                line.put("retryInSeconds", seconds(backoff));
                log.warn(retryMessage(result.statusCode()), line);
                return false;
            }
        }
    }

    private void changeVisibility(String receiptHandle, Duration delay) {
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
