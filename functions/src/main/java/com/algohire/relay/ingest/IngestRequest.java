package com.algohire.relay.ingest;

/**
 * A POST /api/v1/events request that passed validation.
 *
 * @param payloadJson the payload object re-serialized compactly (key order and number text preserved)
 * @param requestHash hex SHA-256 over eventType and the canonical payload (keys sorted), for telling a retry
 *                    of the same request from a reuse of its key
 */
public record IngestRequest(String idempotencyKey, String eventType, String payloadJson, String requestHash) {
}
