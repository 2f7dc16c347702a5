package com.algohire.relay.delivery;

import com.algohire.relay.subscription.Subscription;

/**
 * The two delivery queues: the main lane, and the slow lane that degraded and failing subscriptions' deliveries
 * go to, so that they never share a batch (or the main lane's concurrency) with healthy ones. Without a slow lane
 * configured, every delivery uses the main queue.
 */
public record DeliveryLanes(String mainQueueUrl, String slowQueueUrl) {

    public DeliveryLanes {
        slowQueueUrl = slowQueueUrl == null || slowQueueUrl.isBlank() ? null : slowQueueUrl;
    }

    /** Where {@code subscription}'s deliveries are queued, by its health as last read. */
    public String queueFor(Subscription subscription) {
        return slowQueueUrl != null && subscription.health().slowLane() ? slowQueueUrl : mainQueueUrl;
    }

    /** Whether a message with this event source ARN came from the slow lane (the ARN ends in the queue's name). */
    public boolean fromSlowLane(String eventSourceArn) {
        return slowQueueUrl != null && eventSourceArn != null
                && eventSourceArn.endsWith(":" + slowQueueUrl.substring(slowQueueUrl.lastIndexOf('/') + 1));
    }

    /** The queue a message came from, by its lane (what its receipt handle belongs to). */
    public String queueOf(boolean fromSlowLane) {
        return fromSlowLane && slowQueueUrl != null ? slowQueueUrl : mainQueueUrl;
    }
}
