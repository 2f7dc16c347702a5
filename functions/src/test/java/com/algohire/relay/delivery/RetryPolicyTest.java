package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final List<Duration> SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofSeconds(300),
            Duration.ofSeconds(36_000));

    @Test
    void backoff_whenNoJitter_followsScheduleAndRepeatsLast() {
        RetryPolicy policy = new RetryPolicy(3, SCHEDULE, () -> 0.5);
        assertThat(policy.backoff(1, null)).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.backoff(2, null)).isEqualTo(Duration.ofSeconds(300));
        assertThat(policy.backoff(7, null)).isEqualTo(Duration.ofSeconds(36_000));
    }

    @Test
    void backoff_whenJitterExtremes_staysWithinTwentyPercent() {
        assertThat(new RetryPolicy(3, SCHEDULE, () -> 0.0).backoff(2, null)).isEqualTo(Duration.ofSeconds(240));
        assertThat(new RetryPolicy(3, SCHEDULE, () -> 1.0).backoff(2, null)).isEqualTo(Duration.ofSeconds(360));
    }

    @Test
    void backoff_whenRetryAfterLonger_honoursItButCapsAtTwelveHours() {
        RetryPolicy policy = new RetryPolicy(3, SCHEDULE, () -> 0.5);
        assertThat(policy.backoff(1, Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(120));
        assertThat(policy.backoff(1, Duration.ofDays(2))).isEqualTo(Duration.ofSeconds(43_200));
    }

    @Test
    void withinReceiveWindow_whenWantedDelayOutlastsWhatIsLeftOfTwelveHoursSinceTheReceive_capsWithMargin() {
        RetryPolicy policy = new RetryPolicy(3, SCHEDULE, () -> 0.5);
        Instant received = Instant.parse("2026-01-01T00:00:00Z");
        Instant anHourLater = received.plus(Duration.ofHours(1));

        assertThat(policy.withinReceiveWindow(Duration.ofDays(2), received, anHourLater))
                .isEqualTo(Duration.ofHours(12).minus(RetryPolicy.RECEIVE_MARGIN).minusHours(1));
        assertThat(policy.withinReceiveWindow(Duration.ofHours(12), received, received))
                .isEqualTo(Duration.ofHours(12).minus(RetryPolicy.RECEIVE_MARGIN));
        assertThat(policy.withinReceiveWindow(Duration.ofMinutes(5), received, anHourLater))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(policy.withinReceiveWindow(Duration.ofMinutes(5), received, received.plus(Duration.ofHours(12))))
                .isZero();
    }

    @Test
    void exhausted_whenAttemptBeyondRetries_true() {
        RetryPolicy policy = new RetryPolicy(3, SCHEDULE, () -> 0.5);
        assertThat(policy.exhausted(4)).isTrue();
        assertThat(policy.exhausted(3)).isFalse();
    }

    @Test
    void parseRetryAfter_whenSecondsOrHttpDate_returnsDelay() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(RetryPolicy.parseRetryAfter("30", now)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryPolicy.parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now)).isEqualTo(Duration.ofSeconds(60));
        assertThat(RetryPolicy.parseRetryAfter("soon", now)).isNull();
    }
}
