package com.algohire.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.event.AttemptClaims.Claim;
import com.algohire.relay.event.AttemptClaims.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AttemptClaimsTest {
    private static final Instant NOW = Instant.parse("2026-12-08T10:00:00Z");
    private static final Instant LIVE = NOW.plusSeconds(7);
    private static final Instant LAPSED = NOW.minusSeconds(1);

    private static Verdict judge(Claim stored, int round, int attempt, String claimer) {
        return AttemptClaims.judge(stored, round, attempt, claimer, NOW).verdict();
    }

    @Test
    void judge_whenNothingWasClaimed_attempts() {
        assertThat(judge(null, 0, 1, "m1")).isEqualTo(Verdict.ATTEMPT);
    }

    @Test
    void judge_whenTheCopyIsAheadOfTheClaim_attempts() {
        Claim claim = new Claim(0, 2, "m1", LIVE, false);
        assertThat(judge(claim, 0, 3, "m2")).isEqualTo(Verdict.ATTEMPT);
        assertThat(judge(claim, 1, 1, "m2")).as("a later round, whatever its attempt").isEqualTo(Verdict.ATTEMPT);
    }

    @Test
    void judge_whenTheCopyIsBehindTheClaim_isSuperseded() {
        Claim claim = new Claim(1, 1, "m1", LAPSED, true);
        assertThat(judge(claim, 1, 0, "m2")).isEqualTo(Verdict.SUPERSEDED);
        assertThat(judge(claim, 0, 4, "m2")).as("an earlier round, whatever its attempt")
                .isEqualTo(Verdict.SUPERSEDED);
        assertThat(judge(new Claim(0, 3, "m1", LIVE, false), 0, 2, "m1")).as("even its own earlier attempt")
                .isEqualTo(Verdict.SUPERSEDED);
    }

    @Test
    void judge_whenTheSameAttemptIsClaimedByTheSameClaimer_attemptsAgain() {
        assertThat(judge(new Claim(0, 2, "m1", LIVE, false), 0, 2, "m1")).isEqualTo(Verdict.ATTEMPT);
        assertThat(judge(new Claim(0, 2, "m1", LAPSED, true), 0, 2, "m1")).as("its message back after a lost reply")
                .isEqualTo(Verdict.ATTEMPT);
    }

    @Test
    void judge_whenAnotherCopySettledTheSameAttempt_isSuperseded() {
        assertThat(judge(new Claim(0, 2, "m1", LAPSED, true), 0, 2, "m2")).isEqualTo(Verdict.SUPERSEDED);
    }

    @Test
    void judge_whenAnotherCopyIsMakingTheSameAttempt_waitsForItsLease() {
        AttemptClaims.Decision decision = AttemptClaims.judge(new Claim(0, 2, "m1", LIVE, false), 0, 2, "m2", NOW);
        assertThat(decision.verdict()).isEqualTo(Verdict.IN_FLIGHT);
        assertThat(decision.retryIn()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void judge_whenAnotherCopysClaimLapsedUnsettled_takesItOver() {
        assertThat(judge(new Claim(0, 2, "m1", LAPSED, false), 0, 2, "m2")).isEqualTo(Verdict.ATTEMPT);
        assertThat(judge(new Claim(0, 2, "m1", NOW, false), 0, 2, "m2")).as("a lease ends at its instant")
                .isEqualTo(Verdict.ATTEMPT);
    }
}
