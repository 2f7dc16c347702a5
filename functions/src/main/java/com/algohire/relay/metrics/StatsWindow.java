package com.algohire.relay.metrics;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The time window {@code GET /api/v1/stats} sums over, decided without I/O: only a window CloudWatch can answer
 * gets to GetMetricData (which refuses or fails on a window under a second, or in year 9999, and answers nothing
 * for data it no longer keeps), and the one period over it that CloudWatch serves for data of that age.
 *
 * @param from   inclusive, never in the future
 * @param to     exclusive
 * @param period seconds: covers the whole window in one or two datapoints, in the multiple CloudWatch requires
 *               for the age of {@code from}
 */
public record StatsWindow(Instant from, Instant to, int period) {
    /** The window when the request names no {@code from}: the day before {@code to}. */
    public static final Duration DEFAULT = Duration.ofHours(24);
    /** The longest window summed in one call. */
    public static final Duration MAX = Duration.ofDays(31);
    /** The shortest: the metrics' resolution (one-minute datapoints; CloudWatch's shortest standard period). */
    public static final Duration MIN = Duration.ofMinutes(1);
    /** How long CloudWatch keeps datapoints (of one hour, the last to go): 15 months. */
    public static final Duration RETENTION = Duration.ofDays(455);
    /** Past these ages of the start, CloudWatch serves periods of whole 5 minutes, then of whole hours only. */
    static final Duration FIVE_MINUTE_PERIODS_AFTER = Duration.ofDays(15);
    static final Duration HOUR_PERIODS_AFTER = Duration.ofDays(63);

    /**
     * @param from the request's {@code from}, null for none ({@link #DEFAULT} before {@code to})
     * @param to   the request's {@code to}, null for none (now). A later one is summed up to it (nothing is there
     *             yet, and a window ending a little ahead catches what was emitted in the last second, which
     *             CloudWatch's rounding of the end would cut); the rules below keep it within a month of now.
     * @throws RelayException INVALID_FROM naming {@code from} (in the future, or older than CloudWatch's
     *                        {@link #RETENTION}); INVALID_TO naming {@code to} (without a from, more than
     *                        {@link #DEFAULT} ahead, so that the default from would be in the future);
     *                        INVALID_RANGE naming {@code from} (not before to, under {@link #MIN}, over {@link #MAX})
     */
    public static StatsWindow of(Instant from, Instant to, Instant now) {
        Instant end = to == null ? now : to;
        Instant start = from == null ? end.minus(DEFAULT) : from;
        if (start.isAfter(now)) {
            throw from == null
                    ? refused(ErrorCode.INVALID_TO, "to", "Parameter to must be at most " + DEFAULT.toHours()
                            + " hours after now without a from (which defaults to " + DEFAULT.toHours()
                            + " hours before to, and there are no metrics from the future); now is " + now + ".")
                    : refused(ErrorCode.INVALID_FROM, "from", "Parameter from must not be in the future (now is "
                            + now + ").");
        }
        if (start.isBefore(now.minus(RETENTION))) {
            throw refused(ErrorCode.INVALID_FROM, "from", "Parameter from must be within the last "
                    + RETENTION.toDays() + " days: CloudWatch keeps the metrics no longer (the oldest it has is "
                    + "from " + now.minus(RETENTION) + ").");
        }
        if (!start.isBefore(end)) {
            throw refused(ErrorCode.INVALID_RANGE, "from", "Parameter from must be before parameter to.");
        }
        Duration window = Duration.between(start, end);
        if (window.compareTo(MIN) < 0) {
            throw refused(ErrorCode.INVALID_RANGE, "from", "Parameters from and to must be at least one minute "
                    + "apart (the metrics' resolution), were " + window.toMillis() + " ms apart.");
        }
        if (window.compareTo(MAX) > 0) {
            throw refused(ErrorCode.INVALID_RANGE, "from", "Parameters from and to must be at most " + MAX.toDays()
                    + " days apart.");
        }
        return new StatsWindow(start, end, period(window, Duration.between(start, now)));
    }

    /**
     * The window rounded up to a whole unit, so each sum comes back as one or two datapoints: whole minutes, whole
     * hours beyond an hour's window (fewer, larger datapoints), and at least the unit CloudWatch serves for a start
     * of this age (else it answers no datapoints at all: a sum of zero that is not one).
     */
    static int period(Duration window, Duration age) {
        long unit = window.compareTo(Duration.ofHours(1)) > 0 || age.compareTo(HOUR_PERIODS_AFTER) > 0 ? 3600
                : age.compareTo(FIVE_MINUTE_PERIODS_AFTER) > 0 ? 300 : 60;
        long seconds = Math.max(unit, window.toSeconds());
        return (int) ((seconds + unit - 1) / unit * unit);
    }

    private static RelayException refused(ErrorCode code, String field, String message) {
        return new RelayException(code, message, Map.of("field", field));
    }
}
