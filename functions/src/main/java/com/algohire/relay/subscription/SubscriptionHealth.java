package com.algohire.relay.subscription;

import java.time.Instant;
import java.util.List;

/**
 * How a subscription's receiver has been answering, kept on the subscription's item (attribute {@code health},
 * versioned by {@code healthVersion}) and written at most once per subscription per delivery batch.
 *
 * <p>{@code state} and {@code breaker} are the delivery side's verdict; pause and disable are the operator's (or a
 * 410's, or the auto-disable's) and live on the subscription itself. What a person sees as one state is
 * {@link Subscription#displayState()}.
 *
 * @param state               HEALTHY, DEGRADED (slow or failing some requests: delivered on the slow lane) or
 *                            FAILING (the breaker is not closed)
 * @param breaker             CLOSED (deliver), OPEN (hold every task until {@code retryAt}), HALF_OPEN (one probe
 *                            out, until {@code probeLeaseUntil})
 * @param consecutiveFailures failed attempts since the last success
 * @param failingSince        the first failure after the last success; null while the last attempt succeeded
 * @param lastSuccessAt       time of the last 2xx
 * @param lastFailureAt       time of the last failed attempt
 * @param lastFailure         what it was: {@code HTTP 503}, or an error kind such as {@code TIMEOUT}
 * @param lastResponseSnippet the start of the last failed response's body (at most {@link #SNIPPET_CHARS})
 * @param window              per-minute counts of the recent attempts, oldest first, covering the breaker's window
 * @param latencyEwmaMs       exponentially weighted moving average of attempt latency, null before any attempt
 * @param breakerOpenedAt     when the breaker last opened
 * @param retryAt             while OPEN: the earliest time a probe may go out
 * @param probeLeaseUntil     while HALF_OPEN: until when the probe in flight owns the breaker
 * @param cooldownSeconds     the cool-down used by the last opening (doubles on each failed probe, capped)
 * @param version             optimistic-concurrency version of this record (0: never written)
 */
public record SubscriptionHealth(State state, Breaker breaker, int consecutiveFailures, Instant failingSince,
                                 Instant lastSuccessAt, Instant lastFailureAt, String lastFailure,
                                 String lastResponseSnippet, List<Bucket> window, Long latencyEwmaMs,
                                 Instant breakerOpenedAt, Instant retryAt, Instant probeLeaseUntil,
                                 long cooldownSeconds, long version) {

    public static final int SNIPPET_CHARS = 256;

    /** A subscription nothing has been attempted for. */
    public static final SubscriptionHealth INITIAL = new SubscriptionHealth(State.HEALTHY, Breaker.CLOSED, 0, null,
            null, null, null, null, List.of(), null, null, null, null, 0, 0);

    public enum State { HEALTHY, DEGRADED, FAILING }

    public enum Breaker { CLOSED, OPEN, HALF_OPEN }

    /** Attempts that ended in the minute starting at {@code minute} (epoch seconds, a multiple of 60). */
    public record Bucket(long minute, int successes, int failures) {
    }

    public SubscriptionHealth {
        window = window == null ? List.of() : List.copyOf(window);
    }

    /** Successes over attempts in the window, or null when the window holds none. */
    public Double successRate() {
        int ok = window.stream().mapToInt(Bucket::successes).sum();
        int all = ok + window.stream().mapToInt(Bucket::failures).sum();
        return all == 0 ? null : (double) ok / all;
    }

    /** Attempts in the window. */
    public int windowAttempts() {
        return window.stream().mapToInt(b -> b.successes() + b.failures()).sum();
    }

    /** The same health at another version (what a conditional health write stored). */
    public SubscriptionHealth withVersion(long newVersion) {
        return new SubscriptionHealth(state, breaker, consecutiveFailures, failingSince, lastSuccessAt, lastFailureAt,
                lastFailure, lastResponseSnippet, window, latencyEwmaMs, breakerOpenedAt, retryAt, probeLeaseUntil,
                cooldownSeconds, newVersion);
    }

    /** Whether this subscription's deliveries go to the slow lane rather than the main delivery queue. */
    public boolean slowLane() {
        return state != State.HEALTHY;
    }
}
