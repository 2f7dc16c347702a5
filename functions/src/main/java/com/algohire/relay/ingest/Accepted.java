package com.algohire.relay.ingest;

/** An event accepted and queued; for a completed retry these are the original event's id and time. */
public record Accepted(String eventId, String eventType, String idempotencyKey, String receivedAt) {
}
