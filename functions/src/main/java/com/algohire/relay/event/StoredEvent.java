package com.algohire.relay.event;

import java.time.Instant;

/**
 * An accepted event as readers see it, with its payload already fetched from S3 when it was too large for the
 * DynamoDB item.
 *
 * @param payloadJson the payload object as compact JSON text
 * @param status      PENDING, QUEUED or ENQUEUE_FAILED (see {@link EventItems#STATUS})
 */
public record StoredEvent(String eventId, String eventType, String idempotencyKey, String payloadJson,
                          Instant receivedAt, String status) {
}
