package com.algohire.relay.isolation;

import java.time.Instant;
import java.util.Set;

/**
 * What one HTTP attempt told us about a subscription's receiver, as the health fold needs it.
 *
 * @param at        when the attempt ended
 * @param success   whether the receiver answered 2xx
 * @param failure   null on success; else {@code HTTP <status>} or the error kind (TIMEOUT, CONNECTION, ...)
 * @param latencyMs how long the attempt took
 * @param snippet   the start of a failed response's body, or null
 * @param probe     whether this was the half-open breaker's probe: only a probe closes or re-opens it
 */
public record AttemptOutcome(Instant at, boolean success, String failure, long latencyMs, String snippet,
                            boolean probe) {

    /**
     * Error kinds that are our own fault, not the receiver's: they say nothing of its health and are not folded.
     * Everything else counts: HTTP non-2xx, TIMEOUT, CONNECTION, DNS, TLS, and SSRF_BLOCKED / INVALID_URL (the
     * subscription's URL is what is wrong, so it is failing in the operator's eyes too).
     */
    private static final Set<String> OUR_FAULTS = Set.of("SIGNING_FAILED", "INTERNAL_ERROR");

    /** Whether an attempt that ended with {@code errorKind} (null when a response arrived) is the receiver's. */
    public static boolean countsForReceiver(String errorKind) {
        return errorKind == null || !OUR_FAULTS.contains(errorKind);
    }

    /** The outcome of an attempt: {@code statusCode} null when no response arrived. */
    public static AttemptOutcome of(Instant at, Integer statusCode, String errorKind, long latencyMs,
                                    String responseBody, boolean probe) {
        boolean success = statusCode != null && statusCode >= 200 && statusCode < 300;
        if (success) {
            return new AttemptOutcome(at, true, null, latencyMs, null, probe);
        }
        String failure = statusCode != null ? "HTTP " + statusCode : errorKind;
        return new AttemptOutcome(at, false, failure, latencyMs, responseBody, probe);
    }
}
