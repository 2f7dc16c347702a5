package com.algohire.relay.delivery;

/**
 * A task that the invocation's deadline stopped before it was settled: no attempt was made, or the one made was cut
 * short by the deadline rather than by its own timeout. The batch reports it as a failure with a short visibility,
 * and its attempt count is unchanged, so it comes back promptly and spends no budget.
 */
final class DeadlineReached extends RuntimeException {
    DeadlineReached(String message) {
        super(message, null, false, false); // control flow, not an error: no stack trace
    }
}
