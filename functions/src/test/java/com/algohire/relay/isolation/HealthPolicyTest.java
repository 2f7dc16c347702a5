package com.algohire.relay.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionHealth.Breaker;
import com.algohire.relay.subscription.SubscriptionHealth.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every transition of the health policy, without servers. */
class HealthPolicyTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final RelayConfig.Isolation LIMITS = RelayConfig.Isolation.DEFAULTS; // 10 / 70 % of >= 10, 5 min
    private final HealthPolicy policy = new HealthPolicy(LIMITS);

    private static AttemptOutcome ok(int second, long latencyMs) {
        return new AttemptOutcome(T0.plusSeconds(second), true, null, latencyMs, null, false);
    }

    private static AttemptOutcome fail(int second) {
        return new AttemptOutcome(T0.plusSeconds(second), false, "HTTP 503", 50, "answer 503", false);
    }

    private static List<AttemptOutcome> outcomes(String pattern) { // e.g. "FFSF": one a second, 100 ms each
        List<AttemptOutcome> list = new ArrayList<>();
        for (int i = 0; i < pattern.length(); i++) {
            list.add(pattern.charAt(i) == 'S' ? ok(i, 100) : fail(i));
        }
        return list;
    }

    private SubscriptionHealth fold(SubscriptionHealth before, String pattern) {
        return policy.fold(before, outcomes(pattern), T0.plusSeconds(pattern.length()));
    }

    static Stream<Arguments> closedBreakerCases() {
        return Stream.of(
                // pattern, expected breaker, expected state: why
                Arguments.of("SSSSSSSSSS", Breaker.CLOSED, State.HEALTHY), // all delivered
                Arguments.of("FF", Breaker.CLOSED, State.HEALTHY), // two failures: under every threshold
                Arguments.of("FFF", Breaker.CLOSED, State.DEGRADED), // three in a row: degraded
                Arguments.of("FFFFFFFFF", Breaker.CLOSED, State.DEGRADED), // nine in a row: not yet open
                Arguments.of("FFFFFFFFFF", Breaker.OPEN, State.FAILING), // ten in a row: open
                Arguments.of("FFSFFSFFSFF", Breaker.OPEN, State.FAILING), // 8 of 11 = 73 % >= 70 %: open
                Arguments.of("FSFSFSFSFSFS", Breaker.CLOSED, State.DEGRADED), // 50 %: half the rate, degraded
                Arguments.of("SSSSSSSSFSS", Breaker.CLOSED, State.HEALTHY), // 1 of 11 failed: healthy
                Arguments.of("FFFFFFS", Breaker.CLOSED, State.DEGRADED), // 6 of 7: degraded (not open: < 10)
                Arguments.of("FFSS", Breaker.CLOSED, State.HEALTHY)); // two failures, then delivered
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @MethodSource("closedBreakerCases")
    void fold_fromHealthyClosed_movesBreakerAndStateByThresholds(String pattern, Breaker breaker, State state) {
        SubscriptionHealth after = fold(SubscriptionHealth.INITIAL, pattern);
        assertThat(after.breaker()).isEqualTo(breaker);
        assertThat(after.state()).isEqualTo(state);
    }

    @Test
    void fold_whenBreakerOpens_setsRetryAtOneCooldownAheadAndListsTheChange() {
        SubscriptionHealth after = fold(SubscriptionHealth.INITIAL, "FFFFFFFFFF");
        Instant now = T0.plusSeconds(10);
        assertThat(after.breakerOpenedAt()).isEqualTo(now);
        assertThat(after.retryAt()).isEqualTo(now.plus(LIMITS.cooldown()));
        assertThat(after.cooldownSeconds()).isEqualTo(LIMITS.cooldown().toSeconds());
        assertThat(after.consecutiveFailures()).isEqualTo(10);
        assertThat(after.failingSince()).isEqualTo(T0);
        assertThat(after.lastFailure()).isEqualTo("HTTP 503");
        assertThat(after.lastResponseSnippet()).isEqualTo("answer 503");
        assertThat(HealthPolicy.changes(SubscriptionHealth.INITIAL, after)).containsExactly("BREAKER_OPENED");
        assertThat(policy.reason("BREAKER_OPENED", SubscriptionHealth.INITIAL, after))
                .isEqualTo("10 consecutive failures");
    }

    @Test
    void fold_whenOpenAndAStragglerSucceeds_countsItButStaysOpen() {
        SubscriptionHealth open = fold(SubscriptionHealth.INITIAL, "FFFFFFFFFF");
        SubscriptionHealth after = policy.fold(open, List.of(ok(20, 100)), T0.plusSeconds(21));
        assertThat(after.breaker()).isEqualTo(Breaker.OPEN);
        assertThat(after.consecutiveFailures()).isZero();
        assertThat(after.lastSuccessAt()).isEqualTo(T0.plusSeconds(20));
        assertThat(HealthPolicy.changes(open, after)).isEmpty();
    }

    @Test
    void gate_holdsUntilRetryAtThenDueAProbe_andClaimLeasesHalfOpen() {
        SubscriptionHealth open = fold(SubscriptionHealth.INITIAL, "FFFFFFFFFF");
        Instant retryAt = open.retryAt();
        assertThat(policy.gate(subscription(open, true, false), retryAt.minusMillis(1)))
                .isEqualTo(HealthPolicy.Gate.HOLD);
        assertThat(policy.gate(subscription(open, true, false), retryAt)).isEqualTo(HealthPolicy.Gate.CLAIM_PROBE);
        assertThat(policy.claimProbe(open, retryAt.minusMillis(1), Duration.ofSeconds(40))).isEmpty();

        SubscriptionHealth halfOpen = policy.claimProbe(open, retryAt, Duration.ofSeconds(40)).orElseThrow();
        assertThat(halfOpen.breaker()).isEqualTo(Breaker.HALF_OPEN);
        assertThat(halfOpen.probeLeaseUntil()).isEqualTo(retryAt.plusSeconds(40));
        assertThat(HealthPolicy.changes(open, halfOpen)).containsExactly("BREAKER_HALF_OPEN");
        // A live lease: everyone else holds; a lapsed one (the probe's function died): claimable again.
        assertThat(policy.gate(subscription(halfOpen, true, false), retryAt.plusSeconds(39)))
                .isEqualTo(HealthPolicy.Gate.HOLD);
        assertThat(policy.claimProbe(halfOpen, retryAt.plusSeconds(39), Duration.ofSeconds(40))).isEmpty();
        assertThat(policy.claimProbe(halfOpen, retryAt.plusSeconds(40), Duration.ofSeconds(40))).isPresent();
    }

    @Test
    void fold_whenProbeSucceeds_closesResetsCountersAndStaysDegraded() {
        SubscriptionHealth halfOpen = halfOpen();
        Instant at = halfOpen.probeLeaseUntil().minusSeconds(30);
        SubscriptionHealth after = policy.fold(halfOpen, List.of(new AttemptOutcome(at, true, null, 80, null, true)),
                at);
        assertThat(after.breaker()).isEqualTo(Breaker.CLOSED);
        assertThat(after.state()).isEqualTo(State.DEGRADED);
        assertThat(after.consecutiveFailures()).isZero();
        assertThat(after.failingSince()).isNull();
        assertThat(after.window()).isEmpty();
        assertThat(after.retryAt()).isNull();
        assertThat(after.probeLeaseUntil()).isNull();
        assertThat(HealthPolicy.changes(halfOpen, after)).containsExactly("BREAKER_CLOSED");

        // The next clean batch earns the main lane back.
        SubscriptionHealth healthy = policy.fold(after, List.of(ok(100, 80)), T0.plusSeconds(101));
        assertThat(healthy.state()).isEqualTo(State.HEALTHY);
        assertThat(HealthPolicy.changes(after, healthy)).containsExactly("RECOVERED");
    }

    @Test
    void fold_whenProbeFails_reopensWithDoubledCooldownCappedAtMax() {
        SubscriptionHealth h = halfOpen();
        long expected = LIMITS.cooldown().toSeconds();
        for (int round = 0; round < 8; round++) {
            Instant at = h.probeLeaseUntil().minusSeconds(30);
            SubscriptionHealth reopened = policy.fold(h, List.of(new AttemptOutcome(at, false, "TIMEOUT", 10_000,
                    null, true)), at);
            expected = Math.min(expected * 2, LIMITS.maxCooldown().toSeconds());
            assertThat(reopened.breaker()).isEqualTo(Breaker.OPEN);
            assertThat(reopened.cooldownSeconds()).isEqualTo(expected);
            assertThat(reopened.retryAt()).isEqualTo(at.plusSeconds(expected));
            assertThat(HealthPolicy.changes(h, reopened)).containsExactly("BREAKER_OPENED");
            assertThat(policy.reason("BREAKER_OPENED", h, reopened)).startsWith("probe failed (TIMEOUT)");
            h = policy.claimProbe(reopened, reopened.retryAt(), Duration.ofSeconds(40)).orElseThrow();
        }
        assertThat(expected).isEqualTo(LIMITS.maxCooldown().toSeconds());
    }

    @Test
    void fold_whenHalfOpenAndOnlyAStragglerArrives_staysHalfOpen() {
        SubscriptionHealth halfOpen = halfOpen();
        Instant at = halfOpen.probeLeaseUntil().minusSeconds(30);
        SubscriptionHealth after = policy.fold(halfOpen, List.of(new AttemptOutcome(at, true, null, 80, null, false)),
                at);
        assertThat(after.breaker()).isEqualTo(Breaker.HALF_OPEN);
    }

    @Test
    void fold_latencyEwma_degradesAboveSlowLatencyAndRecoversOnlyUnderThreeQuarters() {
        SubscriptionHealth h = SubscriptionHealth.INITIAL;
        h = policy.fold(h, List.of(ok(0, 100)), T0.plusSeconds(1));
        assertThat(h.latencyEwmaMs()).isEqualTo(100);
        h = policy.fold(h, List.of(ok(1, 3000)), T0.plusSeconds(2)); // 0.2 * 3000 + 0.8 * 100 = 680
        assertThat(h.latencyEwmaMs()).isEqualTo(680);
        assertThat(h.state()).isEqualTo(State.HEALTHY); // one slow answer does not move it
        h = policy.fold(h, List.of(ok(2, 3000), ok(3, 3000)), T0.plusSeconds(4)); // 1144 -> 1515
        assertThat(h.state()).isEqualTo(State.DEGRADED);
        assertThat(policy.reason("DEGRADED", SubscriptionHealth.INITIAL, h)).contains("latency EWMA");
        // Hysteresis: just under the limit is not enough to go back...
        while (h.latencyEwmaMs() > 800) {
            h = policy.fold(h, List.of(ok(5, 700)), T0.plusSeconds(6));
            assertThat(h.state()).isEqualTo(State.DEGRADED);
        }
        // ... under three quarters of it is.
        while (h.state() == State.DEGRADED) {
            h = policy.fold(h, List.of(ok(7, 100)), T0.plusSeconds(8));
        }
        assertThat(h.latencyEwmaMs()).isLessThanOrEqualTo(750);
    }

    @Test
    void fold_degradedByFailures_recoversOnlyWhenTheWindowRateIsUnderAQuarter() {
        SubscriptionHealth h = fold(SubscriptionHealth.INITIAL, "FSFSFSFSFSFS"); // 50 %: degraded
        assertThat(h.state()).isEqualTo(State.DEGRADED);
        h = policy.fold(h, outcomes("SSSS"), T0.plusSeconds(20)); // 6 of 16 = 37 %: still degraded
        assertThat(h.state()).isEqualTo(State.DEGRADED);
        h = policy.fold(h, outcomes("SSSSSSSSSSSSSSSS"), T0.plusSeconds(40)); // 6 of 32 = 18.75 %: still
        assertThat(h.state()).isEqualTo(State.DEGRADED);
        h = policy.fold(h, outcomes("SSSSSSSS"), T0.plusSeconds(50)); // 6 of 40 = 15 % < 17.5 %: healthy
        assertThat(h.state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void fold_prunesBucketsOlderThanTheWindow() {
        SubscriptionHealth h = fold(SubscriptionHealth.INITIAL, "FFFFF");
        assertThat(h.windowAttempts()).isEqualTo(5);
        SubscriptionHealth later = policy.fold(h, List.of(ok(600, 100)), T0.plusSeconds(601));
        assertThat(later.windowAttempts()).isEqualTo(1);
        assertThat(later.window()).hasSize(1);
    }

    @Test
    void failingTooLong_onlyAfterDisableAfterOfContinuousFailure() {
        Instant created = T0.minus(Duration.ofDays(10));
        SubscriptionHealth failing = fold(SubscriptionHealth.INITIAL, "F");
        assertThat(policy.failingTooLong(failing, created, T0.plus(LIMITS.disableAfter()))).isFalse();
        assertThat(policy.failingTooLong(failing, created, T0.plus(LIMITS.disableAfter()).plusSeconds(1))).isTrue();
        assertThat(HealthPolicy.disableReason(failing, created, T0.plus(LIMITS.disableAfter()).plusSeconds(1)))
                .isEqualTo("failing continuously since " + T0 + " (120 h)");
        SubscriptionHealth recovered = policy.fold(failing, List.of(ok(5, 100)), T0.plusSeconds(6));
        assertThat(policy.failingTooLong(recovered, created, T0.plus(Duration.ofDays(30)))).isFalse();
    }

    @Test
    void failingTooLong_countsFromTheOperatorsLastChangeWhenLater_soAReEnableGetsAFullPeriod() {
        SubscriptionHealth failing = fold(SubscriptionHealth.INITIAL, "F");
        Instant reEnabled = T0.plus(Duration.ofDays(6));
        assertThat(policy.failingTooLong(failing, reEnabled, reEnabled.plusSeconds(60))).isFalse();
        assertThat(policy.failingTooLong(failing, reEnabled, reEnabled.plus(LIMITS.disableAfter()).plusSeconds(1)))
                .isTrue();
        assertThat(HealthPolicy.disableReason(failing, reEnabled, reEnabled.plus(LIMITS.disableAfter())
                .plusSeconds(1))).isEqualTo("failing continuously since " + reEnabled + " (120 h)");
    }

    @Test
    void gate_holdsPausedAndDisabledWhateverTheBreaker() {
        assertThat(policy.gate(subscription(SubscriptionHealth.INITIAL, true, false), T0))
                .isEqualTo(HealthPolicy.Gate.ATTEMPT);
        assertThat(policy.gate(subscription(SubscriptionHealth.INITIAL, true, true), T0))
                .isEqualTo(HealthPolicy.Gate.HOLD);
        assertThat(policy.gate(subscription(SubscriptionHealth.INITIAL, false, false), T0))
                .isEqualTo(HealthPolicy.Gate.HOLD);
        assertThat(HealthPolicy.holdReason(subscription(SubscriptionHealth.INITIAL, true, true))).isEqualTo("paused");
    }

    @Test
    void countsForReceiver_excludesOnlyOurOwnFaults() {
        assertThat(AttemptOutcome.countsForReceiver(null)).isTrue();
        assertThat(AttemptOutcome.countsForReceiver("TIMEOUT")).isTrue();
        assertThat(AttemptOutcome.countsForReceiver("SSRF_BLOCKED")).isTrue();
        assertThat(AttemptOutcome.countsForReceiver("INVALID_URL")).isTrue();
        assertThat(AttemptOutcome.countsForReceiver("SIGNING_FAILED")).isFalse();
        assertThat(AttemptOutcome.countsForReceiver("INTERNAL_ERROR")).isFalse();
    }

    private SubscriptionHealth halfOpen() {
        SubscriptionHealth open = fold(SubscriptionHealth.INITIAL, "FFFFFFFFFF");
        return policy.claimProbe(open, open.retryAt(), Duration.ofSeconds(40)).orElseThrow();
    }

    private static Subscription subscription(SubscriptionHealth health, boolean active, boolean paused) {
        return new Subscription(Subscription.newId(), "https://hooks.example.com/x", List.of("*"), null, active,
                List.of(new Subscription.SigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)), T0, T0,
                active ? null : "receiver answered 410 Gone", paused, health);
    }
}
