package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.isolation.Drain;
import com.algohire.relay.isolation.HealthTracker;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.metrics.RelayMetrics;
import com.algohire.relay.recover.RecoveryWorker;
import com.algohire.relay.subscription.Subscription;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/**
 * Processes one SQS batch: every message on its own virtual thread (a batch takes about as long as its slowest
 * delivery), each failure reported by message id so that only that message comes back.
 *
 * <p>A batch never outlives its invocation. Attempts must end {@link #BOOKKEEPING_MARGIN} plus
 * {@link #REPORT_MARGIN} before the invocation does (each gets at most the time left to that point), the batch
 * waits for its messages until {@link #REPORT_MARGIN} before the end, and whatever has not finished by then (not
 * started, or stuck in a slow AWS call) is reported as a batch item failure, after asking SQS to make it visible
 * again in {@link #UNFINISHED_VISIBILITY} rather than after the queue's visibility timeout. Its attempt count is
 * unchanged: no budget is spent on an attempt that did not happen.
 *
 * <p>The attempts' outcomes are kept in memory and each subscription's health is written once, when the batch's
 * messages are done: in the time the bookkeeping margin leaves over, and at most {@link #HEALTH_SLACK} into the
 * report margin.
 */
final class DeliveryBatch {
    /**
     * Time kept after the last attempt may end for what follows it: the delivery log write and the re-queue (or
     * DLQ send), two SDK calls that take tens of milliseconds when AWS is well. An attempt that ends later than
     * this allows is still settled if its calls are quick; if not, it is reported unfinished.
     */
    static final Duration BOOKKEEPING_MARGIN = Duration.ofSeconds(2);
    /**
     * How far into {@link #REPORT_MARGIN} the end-of-batch health writes (one conditional update per subscription
     * the batch attempted) may run: what is left of it still fits the hurry-back call ({@link #HURRY_CALL_TIMEOUT})
     * and the answer. Writes still running then are abandoned, never waited for.
     */
    static final Duration HEALTH_SLACK = Duration.ofMillis(400);
    /** Time kept at the very end to ask SQS to hurry the unfinished messages back and to return the answer. */
    static final Duration REPORT_MARGIN = Duration.ofSeconds(1);
    /** How soon an unfinished message becomes visible again (the queue's own visibility timeout is minutes). */
    static final Duration UNFINISHED_VISIBILITY = Duration.ofSeconds(5);
    /** Bound of the call that hurries unfinished messages back: it must fit in {@link #REPORT_MARGIN}. */
    static final Duration HURRY_CALL_TIMEOUT = Duration.ofMillis(400);
    /**
     * A task due within this is due now: deferring it would spend a receive to save a second (and hosts' clocks
     * disagree by about that much).
     */
    static final Duration NOT_BEFORE_TOLERANCE = Duration.ofSeconds(1);
    private static final int SQS_BATCH = 10;

    /** What became of one message. */
    private enum Disposition { DONE, FAILED, UNFINISHED }

    private final FanOut fanOut;
    private final WebhookDelivery delivery;
    private final Drain drain;
    private final HealthTracker health;
    private final RecoveryWorker recoveries;
    private final DeliveryLanes lanes;
    private final SqsClient sqs;
    private final RetryPolicy retryPolicy;
    private final Clock clock;
    private final StructuredLog log;
    private final Metrics metrics;

    DeliveryBatch(FanOut fanOut, WebhookDelivery delivery, Drain drain, HealthTracker health,
                  RecoveryWorker recoveries, DeliveryLanes lanes, SqsClient sqs, RetryPolicy retryPolicy, Clock clock,
                  StructuredLog log, Metrics metrics) {
        this.fanOut = fanOut;
        this.delivery = delivery;
        this.drain = drain;
        this.health = health;
        this.recoveries = recoveries;
        this.lanes = lanes;
        this.sqs = sqs;
        this.retryPolicy = retryPolicy;
        this.clock = clock;
        this.log = log;
        this.metrics = metrics;
    }

    /** @param remaining what is left of the invocation (the Lambda context's remaining time) */
    SQSBatchResponse process(SQSEvent event, Duration remaining) {
        List<SQSEvent.SQSMessage> messages = event == null || event.getRecords() == null
                ? List.of() : event.getRecords();
        Deadline waitUntil = Deadline.in(remaining).minus(REPORT_MARGIN);
        Deadline healthUntil = waitUntil.plus(HEALTH_SLACK);
        Deadline attemptsEnd = waitUntil.minus(BOOKKEEPING_MARGIN);
        // SQS received these messages no later than this: their 12 h visibility windows are counted from here.
        Instant received = clock.instant();
        Supplier<List<Subscription>> subscriptionsOfBatch = fanOut.snapshot();
        HealthTracker.Batch outcomes = health.batch();
        Map<SQSEvent.SQSMessage, Future<Disposition>> running = new LinkedHashMap<>();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        for (SQSEvent.SQSMessage message : messages) {
            running.put(message, executor.submit(() -> handle(message, received, attemptsEnd, subscriptionsOfBatch,
                    outcomes)));
        }
        executor.shutdown();
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        List<SQSEvent.SQSMessage> unfinished = new ArrayList<>();
        for (Map.Entry<SQSEvent.SQSMessage, Future<Disposition>> entry : running.entrySet()) {
            Disposition disposition = await(entry.getValue(), waitUntil);
            if (disposition != Disposition.DONE) {
                failures.add(new SQSBatchResponse.BatchItemFailure(entry.getKey().getMessageId()));
            }
            if (disposition == Disposition.UNFINISHED) {
                unfinished.add(entry.getKey());
            }
        }
        // Stragglers are interrupted (a virtual thread's blocking socket call ends on interrupt); whatever they
        // still do has been reported as unfinished, and an attempt they may yet make repeats the same number.
        executor.shutdownNow();
        writeHealth(outcomes, healthUntil);
        if (!unfinished.isEmpty()) {
            hurryBack(unfinished);
        }
        return new SQSBatchResponse(failures);
    }

    /**
     * One health write per subscription the batch attempted, on a thread of its own so that slow AWS calls cannot
     * hold the batch past {@code until}: a write abandoned then is lost (logged), and the next batch's folds in
     * its own outcomes; health is a recent summary, not a ledger.
     */
    private void writeHealth(HealthTracker.Batch outcomes, Deadline until) {
        if (outcomes.size() == 0) {
            return;
        }
        Thread writer = Thread.ofVirtual().name("health-flush").start(outcomes::flush);
        try {
            if (!writer.join(Duration.ofNanos(Math.max(0, until.remaining().toNanos())))) {
                writer.interrupt();
                log.warn("health writes abandoned at the batch deadline", Map.of("subscriptions", outcomes.size()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Disposition await(Future<Disposition> future, Deadline waitUntil) {
        try {
            return future.get(Math.max(0, waitUntil.remaining().toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return Disposition.UNFINISHED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Disposition.UNFINISHED;
        } catch (ExecutionException e) {
            return Disposition.FAILED; // handle catches every exception; an Error got here
        }
    }

    private Disposition handle(SQSEvent.SQSMessage message, Instant received, Deadline attemptsEnd,
                               Supplier<List<Subscription>> subscriptionsOfBatch, HealthTracker.Batch outcomes) {
        try {
            DeliveryTask task = TaskQueue.fromJson(message.getBody());
            recordPickupDelay(task, message, received);
            if (task.kind() == DeliveryTask.Kind.RECOVER) {
                // One bounded step; a duplicate of this message (same message id) repeats its own step only.
                return recoveries.step(task, message.getMessageId()) ? Disposition.DONE : Disposition.FAILED;
            }
            Received receipt = new Received(queueUrlOf(message), message.getReceiptHandle(), received, attemptsEnd,
                    message.getMessageId());
            return dispatch(task, receipt, subscriptionsOfBatch, outcomes) ? Disposition.DONE : Disposition.FAILED;
        } catch (DeadlineReached e) {
            return Disposition.UNFINISHED;
        } catch (RuntimeException e) {
            // Left on the queue: retried after its visibility timeout; a task that fails like this on every
            // receive (a poison message) is moved to the DLQ by the queue's redrive policy (maxReceiveCount).
            log.error("delivery task failed", Map.of("messageId", String.valueOf(message.getMessageId()),
                    "error", e.getClass().getSimpleName()));
            return Disposition.FAILED;
        }
    }

    /** {@link PickupDelay} of a task that was due, under the lane it came from. */
    private void recordPickupDelay(DeliveryTask task, SQSEvent.SQSMessage message, Instant received) {
        Duration delay = PickupDelay.of(task, message.getAttributes(), received);
        if (delay != null) {
            RelayMetrics.Lane lane = lanes.fromSlowLane(message.getEventSourceArn())
                    ? RelayMetrics.Lane.SLOW : RelayMetrics.Lane.MAIN;
            metrics.milliseconds(RelayMetrics.PICKUP_DELAY, RelayMetrics.LANE, lane.name(), delay.toMillis());
        }
    }

    /** @return true when the message is done with (delete it), false when it must come back */
    private boolean dispatch(DeliveryTask task, Received message, Supplier<List<Subscription>> subscriptionsOfBatch,
                             HealthTracker.Batch outcomes) {
        if (task.kind() == null) {
            throw new IllegalArgumentException("task without kind");
        }
        switch (task.kind()) {
            case FAN_OUT -> {
                if (task.eventId() == null) {
                    throw new IllegalArgumentException("FAN_OUT task without eventId");
                }
                fanOut.run(task, subscriptionsOfBatch);
                return true;
            }
            case DELIVER -> {
                return deliver(task, message, outcomes);
            }
            case DRAIN -> {
                require(task.subscriptionId() != null, "DRAIN task without subscriptionId");
                drain.run(task.subscriptionId());
                return true;
            }
            case PROBE -> {
                require(task.subscriptionId() != null, "PROBE task without subscriptionId");
                delivery.probe(task, message, outcomes);
                return true;
            }
            default -> throw new IllegalArgumentException("no handler for " + task.kind() + " tasks");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private boolean deliver(DeliveryTask task, Received message, HealthTracker.Batch outcomes) {
        if (task.eventId() == null || task.subscriptionId() == null || task.webhookId() == null) {
            throw new IllegalArgumentException("DELIVER task without eventId, subscriptionId or webhookId");
        }
        Duration early = untilDue(task);
        if (early != null) {
            defer(task, message, early);
            return false;
        }
        if (message.deadline().remaining().isNegative()) {
            throw new DeadlineReached("batch deadline passed before the task started");
        }
        return delivery.deliver(task, message, outcomes);
    }

    /** How long before {@code task} is due, or null when it is due now (or says nothing of when). */
    private Duration untilDue(DeliveryTask task) {
        if (task.notBefore() == null) {
            return null;
        }
        Instant notBefore;
        try {
            notBefore = Instant.parse(task.notBefore());
        } catch (DateTimeParseException e) {
            log.warn("task with an unreadable notBefore; attempting it now", Map.of("webhookId", task.webhookId()));
            return null;
        }
        Duration early = Duration.between(clock.instant(), notBefore);
        return early.compareTo(NOT_BEFORE_TOLERANCE) > 0 ? early : null;
    }

    /**
     * A task that arrived before its notBefore (a backoff longer than SQS's 15-minute delay): hidden until then,
     * as far as its receive window allows, with no attempt and no budget spent.
     */
    private void defer(DeliveryTask task, Received message, Duration early) {
        // Rounded up, so it does not come back a fraction of a second early and spend a receive for nothing.
        Duration wanted = Duration.ofSeconds(early.toSeconds() + (early.toNanosPart() > 0 ? 1 : 0));
        Duration wait = retryPolicy.withinReceiveWindow(wanted, message.receivedAt(), clock.instant());
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("eventId", task.eventId());
        line.put("subscriptionId", task.subscriptionId());
        line.put("webhookId", task.webhookId());
        line.put("attemptsMade", task.attemptsMade());
        line.put("notBefore", task.notBefore());
        line.put("deferSeconds", WebhookDelivery.seconds(wait));
        if (message.receiptHandle() != null) {
            try {
                sqs.changeMessageVisibility(r -> r.queueUrl(message.queueUrl()).receiptHandle(message.receiptHandle())
                        .visibilityTimeout(WebhookDelivery.seconds(wait)));
            } catch (RuntimeException e) {
                line.put("exception", e.getClass().getName());
                log.warn("could not defer a task until its notBefore; it comes back after the queue's visibility "
                        + "timeout", line);
                return;
            }
        }
        log.info("delivery deferred until its notBefore (no attempt)", line);
    }

    /** The queue a message came from: the slow lane's when its event source says so, else the main one. */
    private String queueUrlOf(SQSEvent.SQSMessage message) {
        return lanes.fromSlowLane(message.getEventSourceArn()) ? lanes.slowQueueUrl() : lanes.mainQueueUrl();
    }

    /**
     * Best effort, bounded: asks SQS to make the unfinished messages visible again soon. If AWS is too slow for
     * that too, they come back after the queue's visibility timeout, which costs time, never an attempt.
     */
    private void hurryBack(List<SQSEvent.SQSMessage> unfinished) {
        Map<String, List<SQSEvent.SQSMessage>> byQueue = new LinkedHashMap<>();
        for (SQSEvent.SQSMessage message : unfinished) {
            if (message.getReceiptHandle() != null) {
                byQueue.computeIfAbsent(queueUrlOf(message), q -> new ArrayList<>()).add(message);
            }
        }
        log.warn("batch deadline reached; unfinished messages come back without spending an attempt",
                Map.of("unfinished", unfinished.size(), "visibleInSeconds", UNFINISHED_VISIBILITY.toSeconds()));
        byQueue.forEach((queueUrl, list) -> {
            for (int from = 0; from < list.size(); from += SQS_BATCH) {
                List<SQSEvent.SQSMessage> chunk = list.subList(from, Math.min(from + SQS_BATCH, list.size()));
                List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < chunk.size(); i++) {
                    entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                            .receiptHandle(chunk.get(i).getReceiptHandle())
                            .visibilityTimeout((int) UNFINISHED_VISIBILITY.toSeconds()).build());
                }
                try {
                    sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries)
                            .overrideConfiguration(o -> o.apiCallTimeout(HURRY_CALL_TIMEOUT)));
                } catch (RuntimeException e) {
                    log.warn("could not hurry unfinished messages back; they return after the visibility timeout",
                            Map.of("exception", e.getClass().getName()));
                }
            }
        });
    }
}
