package com.algohire.relay.delivery;

import com.algohire.relay.config.RelaySchema;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * How long a failed delivery waits before SQS hands it out again, and whether its attempt budget is spent.
 *
 * <p>The attempt number is the task's own count of attempts made, plus one (never SQS's receive count, which
 * throttled and cut-short receives raise too); with M = MAX_RETRY_ATTEMPTS, attempts 2..M+1 are the retries and a
 * failed attempt M+1 goes to the DLQ. A retry is a new message, delayed by the backoff (SQS allows 15 minutes) and
 * carrying the time it is due; a visibility change, bounded by a 12 h window that counts from the receive, holds
 * back a task that arrives early and keeps one whose re-queue failed. How that fits the queue's settings:
 * docs/architecture.md, "Delivery timing".
 */
final class RetryPolicy {
    static final Duration MAX_VISIBILITY = Duration.ofSeconds(RelaySchema.SQS_MAX_VISIBILITY_SECONDS);
    /**
     * How much earlier than the batch's start SQS may have received its messages: more than the queue's
     * visibility timeout (RelaySchema.DELIVERY's), since a message handled later than that had become visible
     * again, and more than the event source mapping's batching window.
     */
    static final Duration RECEIVE_MARGIN = Duration.ofMinutes(5);
    static final double JITTER = 0.2;

    private final int maxRetryAttempts;
    private final List<Duration> schedule;
    private final DoubleSupplier random;

    RetryPolicy(int maxRetryAttempts, List<Duration> schedule, DoubleSupplier random) {
        this.maxRetryAttempts = maxRetryAttempts;
        this.schedule = List.copyOf(schedule);
        this.random = random;
    }

    /** True when attempt {@code attempt} was the last one the budget allows. */
    boolean exhausted(int attempt) {
        return attempt > maxRetryAttempts;
    }

    /** Wait before the retry that follows failed attempt {@code attempt} (1-based). */
    Duration backoff(int attempt, Duration retryAfter) {
        Duration base = schedule.get(Math.min(Math.max(attempt, 1), schedule.size()) - 1);
        double factor = 1 + JITTER * (2 * random.getAsDouble() - 1);
        Duration delay = Duration.ofMillis(Math.round(base.toMillis() * factor));
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter;
        }
        return delay.compareTo(MAX_VISIBILITY) > 0 ? MAX_VISIBILITY : delay;
    }

    /**
     * {@code wanted}, or less when that much would not fit in the message's visibility window: SQS keeps a message
     * invisible at most 12 h from the receive that handed it out (each receive starts a new window) and refuses a
     * ChangeMessageVisibility beyond that rather than cutting it short. A task cut short comes back at the end of
     * the window and is attempted then.
     *
     * @param received when SQS handed the message out, at the latest (up to {@link #RECEIVE_MARGIN} earlier is
     *                 allowed for)
     */
    Duration withinReceiveWindow(Duration wanted, Instant received, Instant now) {
        Duration left = MAX_VISIBILITY.minus(RECEIVE_MARGIN).minus(Duration.between(received, now));
        if (left.isNegative()) {
            return Duration.ZERO;
        }
        return wanted.compareTo(left) > 0 ? left : wanted;
    }

    /** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
    static Duration parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        if (text.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(text));
        }
        try {
            Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration delay = Duration.between(now, at);
            return delay.isNegative() ? Duration.ZERO : delay;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
