package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.recover.RecoveryWorker;
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
 * delivery), each failure reported by message id so that only that message comes back.
 */
final class DeliveryBatch {
    private final FanOut fanOut;
    private final WebhookDelivery delivery;
    private final RecoveryWorker recoveries;
    private final Clock clock;
    private final StructuredLog log;

    DeliveryBatch(FanOut fanOut, WebhookDelivery delivery, RecoveryWorker recoveries, Clock clock, StructuredLog log) {
        this.fanOut = fanOut;
        this.delivery = delivery;
        this.recoveries = recoveries;
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
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (SQSEvent.SQSMessage message : messages) {
                executor.submit(() -> {
                    if (!handle(message, received, activeSubscriptions)) {
                        failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                    }
                });
            }
        } // close() waits for every delivery of the batch
        return new SQSBatchResponse(new ArrayList<>(failures));
    }

    private boolean handle(SQSEvent.SQSMessage message, Instant received,
                           Supplier<List<Subscription>> activeSubscriptions) {
        try {
            DeliveryTask task = TaskQueue.fromJson(message.getBody());
            if (task.kind() == DeliveryTask.Kind.RECOVER) {
                return recoveries.step(task, message.getMessageId());
            }
            if (task.kind() == null || task.eventId() == null) {
                throw new IllegalArgumentException("task without kind or eventId");
            }
            if (task.kind() == DeliveryTask.Kind.FAN_OUT) {
                fanOut.run(task, activeSubscriptions);
                return true;
            }
            if (task.subscriptionId() == null || task.webhookId() == null) {
                throw new IllegalArgumentException("DELIVER task without subscriptionId or webhookId");
            }
            return delivery.deliver(task, receiveCount(message), message.getReceiptHandle(), received);
        } catch (RuntimeException e) {
            // Left on the queue: retried after its visibility timeout, then parked in the DLQ for an operator.
            log.error("delivery task failed", Map.of("messageId", String.valueOf(message.getMessageId()),
                    "error", e.getClass().getSimpleName()));
            return false;
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
