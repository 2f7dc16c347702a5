package com.algohire.relay.event;

import java.time.Instant;

/**
 * An accepted event as readers see it, with its payload already fetched from S3 when it was too large for the
 * DynamoDB item.
 *
 * @param payloadJson the payload object as compact JSON text
 * @param status      PENDING, QUEUED or ENQUEUE_FAILED (see {@link EventItems#STATUS})
 * @param testFor     for an operator's test event, the subscription it was sent to (and may reach alone, see
 *                    {@link EventAudience}); null for every other event
 */
public record StoredEvent(String eventId, String eventType, String idempotencyKey, String payloadJson,
                          Instant receivedAt, String status, String testFor) {

    /** An event that is not a test event. */
    public StoredEvent(String eventId, String eventType, String idempotencyKey, String payloadJson,
                       Instant receivedAt, String status) {
        this(eventId, eventType, idempotencyKey, payloadJson, receivedAt, status, null);
    }
}
