package com.algohire.relay.event;

/**
 * One event in a list page. Without the payload: a payload may be 1 MiB in S3, and a page of 100 of them
 * is not what a list is for; GET /api/v1/events/{eventId} has it.
 */
public record EventSummary(String id, String eventType, String idempotencyKey, String receivedAt) {
}
