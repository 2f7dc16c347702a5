package com.algohire.relay.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The windows the statistics route asks CloudWatch for, and the ones it refuses, without servers. */
class StatsWindowTest {
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00.250Z");

    private static void assertRefused(Instant from, Instant to, ErrorCode code) {
        assertRefused(from, to, code, "from");
    }

    private static void assertRefused(Instant from, Instant to, ErrorCode code, String field) {
        assertThatThrownBy(() -> StatsWindow.of(from, to, NOW)).isInstanceOfSatisfying(RelayException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.details()).containsEntry("field", field);
        });
    }

    @Test
    void of_whenNothingIsNamed_isTheLastDayUpToNowInOneHourMultiple() {
        StatsWindow window = StatsWindow.of(null, null, NOW);

        assertThat(window.from()).isEqualTo(NOW.minus(Duration.ofHours(24)));
        assertThat(window.to()).isEqualTo(NOW);
        assertThat(window.period()).isEqualTo(24 * 3600);
    }

    @Test
    void of_whenToIsALittleAfterNow_sumsUpToIt() {
        StatsWindow window = StatsWindow.of(NOW.minusSeconds(60), NOW.plusSeconds(60), NOW);

        assertThat(window.to()).isEqualTo(NOW.plusSeconds(60));
        assertThat(window.period()).isEqualTo(120);
    }

    @Test
    void of_whenToIsInYear9999_isInvalidToWithoutFromAndInvalidRangeWithOne() {
        Instant far = Instant.parse("9999-12-31T23:59:59Z");
        assertRefused(null, far, ErrorCode.INVALID_TO, "to");
        assertRefused(null, NOW.plus(StatsWindow.DEFAULT).plusSeconds(1), ErrorCode.INVALID_TO, "to");
        assertRefused(NOW.minusSeconds(3600), far, ErrorCode.INVALID_RANGE);
        assertThat(StatsWindow.of(null, NOW.plus(StatsWindow.DEFAULT), NOW).from()).isEqualTo(NOW);
    }

    @Test
    void of_whenTheWindowIsUnderAMinute_isInvalidRange() {
        Instant from = NOW.minus(Duration.ofHours(1));
        assertRefused(from, from.plusMillis(500), ErrorCode.INVALID_RANGE);
        assertRefused(from, from.plusSeconds(59), ErrorCode.INVALID_RANGE);
        assertThat(StatsWindow.of(from, from.plusSeconds(60), NOW).period()).isEqualTo(60);
    }

    @Test
    void of_whenFromIsInTheFutureOrOlderThanCloudWatchKeeps_isInvalidFrom() {
        assertRefused(Instant.parse("9999-12-30T00:00:00Z"), Instant.parse("9999-12-31T00:00:00Z"),
                ErrorCode.INVALID_FROM);
        assertRefused(NOW.plusSeconds(1), null, ErrorCode.INVALID_FROM);
        assertRefused(NOW.minus(StatsWindow.RETENTION).minusSeconds(1), NOW.minus(Duration.ofDays(450)),
                ErrorCode.INVALID_FROM);
        assertRefused(Instant.EPOCH, Instant.EPOCH.plus(Duration.ofDays(1)), ErrorCode.INVALID_FROM);
    }

    @Test
    void of_whenFromIsNotBeforeToOrTheWindowIsOverAMonth_isInvalidRange() {
        assertRefused(NOW.minusSeconds(60), NOW.minusSeconds(120), ErrorCode.INVALID_RANGE);
        assertRefused(NOW.minus(Duration.ofDays(32)), NOW, ErrorCode.INVALID_RANGE);
    }

    @Test
    void of_whenTheStartIsOld_usesThePeriodMultipleCloudWatchServesForThatAge() {
        // 7 minutes: whole minutes while recent, whole 5 minutes past 15 days, whole hours past 63 days
        assertThat(StatsWindow.of(NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofDays(1)).plusSeconds(420), NOW)
                .period()).isEqualTo(420);
        assertThat(StatsWindow.of(NOW.minus(Duration.ofDays(20)), NOW.minus(Duration.ofDays(20)).plusSeconds(420),
                NOW).period()).isEqualTo(600);
        assertThat(StatsWindow.of(NOW.minus(Duration.ofDays(100)), NOW.minus(Duration.ofDays(100)).plusSeconds(420),
                NOW).period()).isEqualTo(3600);
        assertThat(StatsWindow.of(NOW.minus(Duration.ofDays(31)), NOW, NOW).period()).isEqualTo(31 * 24 * 3600);
    }
}
