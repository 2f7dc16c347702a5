package com.algohire.relay.replay;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventAudience;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.Text;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionMatcher;
import com.algohire.relay.subscription.SubscriptionStore;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Delivers a stored event again: a FAN_OUT to every matching subscription, or one DELIVER to a named one (a test
 * event: to its own subscription only, either way). A replay is a new delivery, so its tasks carry webhook-ids of
 * their own (derived from a replay id), the same for every copy of this replay's tasks.
 *
 * <p>Finding the event is a step of its own ({@link #event}) because the management API names an unknown event
 * (404) before it looks at the request body that names the target.
 */
public final class EventReplay {
    /**
     * Only ingest's UUIDs (and the plain ids tests and samples use) can name an event; anything else (an over-long
     * or non-ASCII id) would be a DynamoDB ValidationException, i.e. a 500, before it was a 404.
     */
    private static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    /** How much of an unknown id an error echoes. */
    private static final int ECHO_LIMIT = 128;

    /** What was queued: {@code subscriptionId} and {@code webhookId} only for a replay to one subscription. */
    public record Queued(String eventId, String replayId, String subscriptionId, String webhookId) {
    }

    private final EventStore events;
    private final SubscriptionStore subscriptions;
    private final TaskQueue queue;

    public EventReplay(EventStore events, SubscriptionStore subscriptions, TaskQueue queue) {
        this.events = events;
        this.subscriptions = subscriptions;
        this.queue = queue;
    }

    /** @throws RelayException EVENT_NOT_FOUND, also for text that cannot be an event id */
    public StoredEvent event(String eventId) {
        Optional<StoredEvent> event = EVENT_ID.matcher(eventId).matches() ? events.find(eventId) : Optional.empty();
        return event.orElseThrow(() -> new RelayException(ErrorCode.EVENT_NOT_FOUND, "No event with this eventId",
                Map.of("eventId", Text.truncate(eventId, ECHO_LIMIT))));
    }

    /**
     * Queues a FAN_OUT: every subscription that matches the event's type when the task runs. A test event's
     * "every subscription" is the one it was sent to ({@link EventAudience}): it is replayed to that one alone, as
     * {@link #toSubscription} would, and never fanned out.
     *
     * @throws RelayException for a test event, as {@link #toSubscription}; SUBSCRIPTION_NOT_MATCHING for a test event
     *                        stored before test events were marked with their subscription (name it instead)
     */
    public Queued toAllSubscriptions(StoredEvent event) {
        if (event.testFor() != null) {
            return toSubscription(event, event.testFor());
        }
        if (EventAudience.unmarkedTest(event.idempotencyKey(), event.payloadJson())) {
            throw new RelayException(ErrorCode.SUBSCRIPTION_NOT_MATCHING, "A test event is replayed only to the "
                    + "subscription it was sent to; name it: {\"subscriptionId\": \"sub_...\"}",
                    Map.of("field", "subscriptionId", "eventId", event.eventId()));
        }
        String replayId = WebhookIds.newReplayId();
        queue.send(DeliveryTask.replayFanOut(event.eventId(), event.eventType(), replayId));
        return new Queued(event.eventId(), replayId, null, null);
    }

    /**
     * Queues one DELIVER to the subscription, which must exist, be active and ask for the event's type.
     *
     * @throws RelayException SUBSCRIPTION_NOT_FOUND (also for text that cannot be a subscription id),
     *                        SUBSCRIPTION_INACTIVE, SUBSCRIPTION_NOT_MATCHING
     */
    public Queued toSubscription(StoredEvent event, String subscriptionId) {
        String replayId = WebhookIds.newReplayId();
        // Validated by form first: an empty or over-long key is a DynamoDB ValidationException, i.e. a 500.
        Subscription subscription = (Subscription.isId(subscriptionId) ? subscriptions.find(subscriptionId)
                : Optional.<Subscription>empty())
                .orElseThrow(() -> new RelayException(ErrorCode.SUBSCRIPTION_NOT_FOUND,
                        "No subscription with this subscriptionId",
                        Map.of("subscriptionId", Text.truncate(subscriptionId, ECHO_LIMIT))));
        if (!subscription.active()) {
            throw new RelayException(ErrorCode.SUBSCRIPTION_INACTIVE,
                    "The subscription is inactive; PATCH active=true first",
                    Map.of("subscriptionId", subscription.subscriptionId()));
        }
        if (EventAudience.sentElsewhere(event, subscription.subscriptionId())) {
            throw new RelayException(ErrorCode.SUBSCRIPTION_NOT_MATCHING, "This is a test event of another "
                    + "subscription; it is replayed only to the one it was sent to", Map.of("field", "subscriptionId",
                    "subscriptionId", subscription.subscriptionId(), "sentTo", event.testFor()));
        }
        // A replay re-sends what the subscriber asked for; an event type it did not subscribe to is not that.
        if (!SubscriptionMatcher.matches(subscription.eventTypes(), event.eventType())) {
            throw new RelayException(ErrorCode.SUBSCRIPTION_NOT_MATCHING, "The subscription's eventTypes do not "
                    + "include " + event.eventType() + "; PATCH its eventTypes first to replay this event to it",
                    Map.of("subscriptionId", subscription.subscriptionId(), "eventType", event.eventType()));
        }
        String webhookId = WebhookIds.of(event.eventId(), subscription.subscriptionId(), replayId);
        queue.send(DeliveryTask.deliver(event.eventId(), event.eventType(), subscription.subscriptionId(), webhookId));
        return new Queued(event.eventId(), replayId, subscription.subscriptionId(), webhookId);
    }
}
