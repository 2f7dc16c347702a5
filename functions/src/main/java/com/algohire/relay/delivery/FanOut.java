package com.algohire.relay.delivery;

import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.subscription.SubscriptionMatcher;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Splits an accepted event into one DELIVER task per matching subscription, so each subscriber's retries run on
 * their own and a failing one never causes a second delivery to another. Disabled subscriptions get theirs too:
 * the delivery's gate holds them until the subscription is re-enabled, whose drain delivers them oldest first.
 */
final class FanOut {

    private final EventStore events;
    private final SubscriptionStore subscriptions;
    private final SqsClient sqs;
    private final DeliveryLanes lanes;
    private final DeliveryStates states;
    private final Clock clock;
    private final StructuredLog log;

    FanOut(EventStore events, SubscriptionStore subscriptions, SqsClient sqs, DeliveryLanes lanes,
           DeliveryStates states, Clock clock, StructuredLog log) {
        this.events = events;
        this.subscriptions = subscriptions;
        this.sqs = sqs;
        this.lanes = lanes;
        this.states = states;
        this.clock = clock;
        this.log = log;
    }

    /**
     * The subscriptions (active and disabled), read at most once per SQS batch and only if the batch holds a
     * fan-out: a burst of events does not scan the table once each, and a subscription is seen by every batch that
     * starts after it was created (a cache across invocations would silently skip a new subscriber's first events).
     */
    Supplier<List<Subscription>> snapshot() {
        return new Supplier<>() {
            private List<Subscription> all;

            @Override
            public synchronized List<Subscription> get() {
                if (all == null) {
                    all = subscriptions.listForFanOut();
                }
                return all;
            }
        };
    }

    /**
     * Matches the task's event type against the subscriptions and queues a DELIVER per match. The event is
     * not read: the task carries its type (ingest and replay both set it), and each DELIVER reads the event anyway,
     * dropping the task there if the event is gone (expired). Only a task without a type (queued by an older
     * version) reads the event to learn it.
     *
     * @throws RuntimeException when a task could not be queued: the fan-out message is then retried whole
     */
    void run(DeliveryTask task, Supplier<List<Subscription>> subscriptionsOfBatch) {
        String eventId = task.eventId();
        String eventType = task.eventType();
        if (eventType == null) {
            Optional<StoredEvent> found = events.find(eventId, EventStore.Consistency.EVENTUAL_CONFIRMED);
            if (found.isEmpty()) {
                log.warn("fan-out dropped: event not found", Map.of("eventId", String.valueOf(eventId)));
                return;
            }
            eventType = found.get().eventType();
        }
        // Each task goes to its subscription's lane (health as of the batch's snapshot): degraded and failing
        // subscriptions' deliveries never share the main lane's batches with healthy ones.
        Map<String, List<DeliveryTask>> byLane = new LinkedHashMap<>();
        int count = 0;
        for (Subscription subscription : subscriptionsOfBatch.get()) {
            if (SubscriptionMatcher.matches(subscription.eventTypes(), eventType)) {
                byLane.computeIfAbsent(lanes.queueFor(subscription), k -> new ArrayList<>()).add(
                        DeliveryTask.deliver(eventId, eventType, subscription.subscriptionId(),
                                WebhookIds.of(eventId, subscription.subscriptionId(), task.replayId())));
                count++;
            }
        }
        // A failure throws: the fan-out message is retried whole (duplicates carry the same webhook-ids).
        byLane.forEach((queueUrl, deliveries) -> new TaskQueue(sqs, queueUrl).sendAll(deliveries));
        // Best effort: the list's "pending" until then. The item expires with the retention period like the event's,
        // so one written for an event that is already gone (the DELIVERs drop it) expires in its turn.
        states.fannedOut(eventId, count, clock.instant());
        log.info("fan-out", Map.of("eventId", eventId, "eventType", eventType,
                "subscriptions", count));
    }
}
