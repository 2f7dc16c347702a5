package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.isolation.Drain;
import com.algohire.relay.isolation.HealthTracker;
import com.algohire.relay.subscription.Subscription;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Processes one SQS batch: every message on its own virtual thread (a batch takes about as long as its slowest
 * delivery), each failure reported by message id so that only that message comes back. The attempts' outcomes are
 * kept in memory and each subscription's health is written once, when every message of the batch is done.
 */
final class DeliveryBatch {
    private final FanOut fanOut;
    private final WebhookDelivery delivery;
    private final Drain drain;
    private final HealthTracker health;
    private final DeliveryLanes lanes;
    private final Clock clock;
    private final StructuredLog log;

    DeliveryBatch(FanOut fanOut, WebhookDelivery delivery, Drain drain, HealthTracker health, DeliveryLanes lanes,
                  Clock clock, StructuredLog log) {
        this.fanOut = fanOut;
        this.delivery = delivery;
        this.drain = drain;
        this.health = health;
        this.lanes = lanes;
        this.clock = clock;
        this.log = log;
    }

    SQSBatchResponse process(SQSEvent event) {
        List<SQSEvent.SQSMessage> messages = event == null || event.getRecords() == null
                ? List.of() : event.getRecords();
        List<SQSBatchResponse.BatchItemFailure> failures = Collections.synchronizedList(new ArrayList<>());
        // SQS received these messages no later than this: their 12 h visibility windows are counted from here.
        Instant received = clock.instant();
        Supplier<List<Subscription>> activeSubscriptions = fanOut.snapshot();
        HealthTracker.Batch outcomes = health.batch();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (SQSEvent.SQSMessage message : messages) {
                WebhookDelivery.Source source = new WebhookDelivery.Source(
                        lanes.fromSlowLane(message.getEventSourceArn()), outcomes);
                executor.submit(() -> {
                    if (!handle(message, received, activeSubscriptions, source)) {
                        failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                    }
                });
            }
        } // close() waits for every delivery of the batch
        outcomes.flush(); // one health write per subscription, whatever the batch held for it
        return new SQSBatchResponse(new ArrayList<>(failures));
    }

    private boolean handle(SQSEvent.SQSMessage message, Instant received,
                           Supplier<List<Subscription>> activeSubscriptions, WebhookDelivery.Source source) {
        try {
            DeliveryTask task = TaskQueue.fromJson(message.getBody());
            if (task.kind() == null) {
                throw new IllegalArgumentException("task without kind");
            }
            switch (task.kind()) {
                case FAN_OUT -> {
                    require(task.eventId() != null, "FAN_OUT task without eventId");
                    fanOut.run(task, activeSubscriptions);
                    return true;
                }
                case DRAIN -> {
                    require(task.subscriptionId() != null, "DRAIN task without subscriptionId");
                    drain.run(task.subscriptionId());
                    return true;
                }
                case PROBE -> {
                    require(task.subscriptionId() != null, "PROBE task without subscriptionId");
                    delivery.probe(task, source);
                    return true;
                }
                case DELIVER -> {
                    require(task.eventId() != null && task.subscriptionId() != null && task.webhookId() != null,
                            "DELIVER task without eventId, subscriptionId or webhookId");
                    return delivery.deliver(task, receiveCount(message), message.getReceiptHandle(), received,
                            source);
                }
                default -> throw new IllegalArgumentException("task kind not handled here: " + task.kind());
            }
        } catch (RuntimeException e) {
            // Left on the queue: retried after its visibility timeout, then parked in the DLQ for an operator.
            log.error("delivery task failed", Map.of("messageId", String.valueOf(message.getMessageId()),
                    "error", e.getClass().getSimpleName()));
            return false;
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static int receiveCount(SQSEvent.SQSMessage message) {
        Map<String, String> attributes = message.getAttributes();
        String count = attributes == null ? null : attributes.get("ApproximateReceiveCount");
        try {
            return count == null ? 1 : Math.max(1, Integer.parseInt(count));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
