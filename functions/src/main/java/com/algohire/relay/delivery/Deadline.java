package com.algohire.relay.delivery;

import java.time.Duration;

/**
 * A point on the monotonic clock that some work must end by: an invocation's, a batch's, an attempt's. Monotonic
 * rather than the injected {@link java.time.Clock}, since it bounds real waiting, never a stored time.
 */
record Deadline(long nanoTime) {

    /** The deadline {@code duration} from now. */
    static Deadline in(Duration duration) {
        return new Deadline(System.nanoTime() + duration.toNanos());
    }

    /** Time left until the deadline; negative once it has passed. */
    Duration remaining() {
        return Duration.ofNanos(nanoTime - System.nanoTime());
    }

    Deadline minus(Duration duration) {
        return new Deadline(nanoTime - duration.toNanos());
    }

    Deadline plus(Duration duration) {
        return new Deadline(nanoTime + duration.toNanos());
    }
}
