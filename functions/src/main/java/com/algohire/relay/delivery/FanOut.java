package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.subscription.SubscriptionMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Splits an accepted event into one DELIVER task per matching active subscription, so each subscriber's retries
 * run on their own and a failing one never causes a second delivery to another.
 */
final class FanOut {
    private static final int SQS_BATCH = 10;
    static final int SEND_ATTEMPTS = 3;

    private final EventStore events;
    private final SubscriptionStore subscriptions;
    private final SqsClient sqs;
    private final DeliveryLanes lanes;
    private final StructuredLog log;

    FanOut(EventStore events, SubscriptionStore subscriptions, SqsClient sqs, DeliveryLanes lanes, StructuredLog log) {
        this.events = events;
        this.subscriptions = subscriptions;
        this.sqs = sqs;
        this.lanes = lanes;
        this.log = log;
    }

    /**
     * The active subscriptions, read at most once per SQS batch and only if the batch holds a fan-out: a burst of
     * events does not scan the table once each, and a subscription is seen by every batch that starts after it was
     * created (a cache across invocations would silently skip a new subscriber's first events).
     */
    Supplier<List<Subscription>> snapshot() {
        return new Supplier<>() {
            private List<Subscription> active;

            @Override
            public synchronized List<Subscription> get() {
                if (active == null) {
                    active = subscriptions.listActive();
                }
                return active;
            }
        };
    }

    /** @throws RuntimeException when a task could not be queued: the fan-out message is then retried whole */
    void run(DeliveryTask task, Supplier<List<Subscription>> activeSubscriptions) {
        Optional<StoredEvent> found = events.find(task.eventId());
        if (found.isEmpty()) {
            log.warn("fan-out dropped: event not found", Map.of("eventId", String.valueOf(task.eventId())));
            return;
        }
        StoredEvent event = found.get();
        // Each task goes to its subscription's lane (health as of the batch's snapshot): degraded and failing
        // subscriptions' deliveries never share the main lane's batches with healthy ones.
        Map<String, List<DeliveryTask>> byLane = new LinkedHashMap<>();
        int count = 0;
        for (Subscription subscription : activeSubscriptions.get()) {
            if (SubscriptionMatcher.matches(subscription.eventTypes(), event.eventType())) {
                byLane.computeIfAbsent(lanes.queueFor(subscription), k -> new ArrayList<>()).add(
                        DeliveryTask.deliver(event.eventId(), event.eventType(), subscription.subscriptionId(),
                                WebhookIds.of(event.eventId(), subscription.subscriptionId(), task.replayId())));
                count++;
            }
        }
        for (Map.Entry<String, List<DeliveryTask>> lane : byLane.entrySet()) {
            List<DeliveryTask> deliveries = lane.getValue();
            for (int from = 0; from < deliveries.size(); from += SQS_BATCH) {
                send(lane.getKey(), deliveries.subList(from, Math.min(from + SQS_BATCH, deliveries.size())));
            }
        }
        log.info("fan-out", Map.of("eventId", event.eventId(), "eventType", event.eventType(),
                "subscriptions", count));
    }

    /**
     * Sends one SendMessageBatch of tasks, re-sending only the entries SQS reports as failed: re-sending the whole
     * fan-out instead would queue a second copy of every task that did get through.
     *
     * @throws IllegalStateException when some entries still fail after {@link #SEND_ATTEMPTS} tries: the fan-out
     *                               message is then retried whole (duplicates carry the same webhook-id)
     */
    private void send(String queueUrl, List<DeliveryTask> chunk) {
        Map<String, SendMessageBatchRequestEntry> pending = new LinkedHashMap<>();
        for (int i = 0; i < chunk.size(); i++) {
            String id = Integer.toString(i);
            pending.put(id, SendMessageBatchRequestEntry.builder().id(id)
                    .messageBody(TaskQueue.toJson(chunk.get(i))).build());
        }
        for (int attempt = 1; attempt <= SEND_ATTEMPTS && !pending.isEmpty(); attempt++) {
            List<SendMessageBatchRequestEntry> entries = List.copyOf(pending.values());
            SendMessageBatchResponse response = sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
            response.successful().forEach(ok -> pending.remove(ok.id()));
        }
        if (!pending.isEmpty()) {
            throw new IllegalStateException("could not queue " + pending.size() + " delivery tasks");
        }
    }
}
