package com.algohire.relay.event;

/**
 * One webhook attempt, as shown in an event's {@code deliveryLogs} (stored beside the event: {@link DeliveryLogItems}).
 *
 * @param attempt        1 for the first try of this (event, subscription), then 2, 3, ... (a CUT_SHORT attempt's
 *                       number is used again by the next one, since it did not count)
 * @param statusCode     the receiver's HTTP status, null when no response came
 * @param errorKind      null when delivered; else one of HTTP_STATUS, TIMEOUT, CONNECTION, DNS, DNS_TIMEOUT, TLS,
 *                       SSRF_BLOCKED, INVALID_URL, SIGNING_FAILED, INTERNAL_ERROR
 * @param responseBody   the first 1 KB of the receiver's response body
 * @param outcome        DELIVERED, RETRYING, FAILED (budget exhausted), DISABLED (receiver answered 410) or
 *                       CUT_SHORT (the invocation's deadline, not the attempt timeout, stopped it: not counted)
 * @param attemptedAt    ISO-8601 UTC
 * @param webhookTimestamp the {@code webhook-timestamp} header sent (epoch seconds); null when the attempt failed
 *                       before it was signed, and on entries written before it was recorded
 * @param webhookSignature the {@code webhook-signature} header sent ({@code v1,<base64>}, one per active secret,
 *                       space-separated): an HMAC of this one message, which reveals nothing of the secret; shown so
 *                       that an operator can see exactly what a receiver was asked to verify
 */
public record DeliveryLogEntry(int attempt, String subscriptionId, String webhookId, String url, Integer statusCode,
                               long latencyMs, String errorKind, String responseBody, String outcome,
                               String attemptedAt, Long webhookTimestamp, String webhookSignature) {
}
