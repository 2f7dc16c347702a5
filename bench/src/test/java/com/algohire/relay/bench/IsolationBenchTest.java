package com.algohire.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the isolation bench files the failing endpoint's requests against the breaker it observed. */
class IsolationBenchTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    @Test
    void parseSample_whenTheViewHasHealth_readsBreakerAndRetryAt() throws Exception {
        IsolationBench.Sample sample = IsolationBench.parseSample(T0, "{\"success\":true,\"subscription\":{"
                + "\"subscriptionId\":\"s\",\"health\":{\"state\":\"failing\",\"breaker\":\"open\","
                + "\"retryAt\":\"2026-11-28T10:00:30Z\"}}}");

        assertThat(sample.breaker()).isEqualTo("OPEN");
        assertThat(sample.retryAt()).isEqualTo(at(30));
    }

    @Test
    void parseSample_whenTheViewHasNoHealth_hasNoBreaker() throws Exception {
        IsolationBench.Sample sample = IsolationBench.parseSample(T0, "{\"success\":true,\"subscription\":{"
                + "\"subscriptionId\":\"s\",\"active\":true}}");

        assertThat(sample.breaker()).isNull();
        assertThat(IsolationBench.breakerCounts(List.of(sample), List.of(at(1)))).isNull();
    }

    @Test
    void breakerCounts_whenOnlyProbesReachTheEndpointWhileOpen_countsEachCooldownsProbeOnce() {
        List<IsolationBench.Sample> samples = List.of(
                new IsolationBench.Sample(at(0), "CLOSED", null),
                new IsolationBench.Sample(at(10), "OPEN", at(40)),
                new IsolationBench.Sample(at(41), "HALF_OPEN", at(40)),
                new IsolationBench.Sample(at(42), "OPEN", at(102)),
                new IsolationBench.Sample(at(103), "CLOSED", null));

        IsolationBench.BreakerCounts counts = IsolationBench.breakerCounts(samples,
                List.of(at(5), at(9), at(40).plusMillis(500), at(102).plusMillis(300), at(104)));

        // at 5 s and 9 s the breaker was closed; at 40.5 s (cool-down over) and 102.3 s the probes; 104 s closed
        assertThat(counts).isEqualTo(new IsolationBench.BreakerCounts(2, 2));
    }

    @Test
    void breakerCounts_whenRequestsArriveDuringTheCooldown_countsThemAsNotProbes() {
        List<IsolationBench.Sample> samples = List.of(
                new IsolationBench.Sample(at(0), "OPEN", at(30)));

        IsolationBench.BreakerCounts counts = IsolationBench.breakerCounts(samples,
                List.of(at(1), at(2), at(31), at(32)));

        // two leaks before retryAt, one probe after it, and a second request of the same cool-down (a leak)
        assertThat(counts).isEqualTo(new IsolationBench.BreakerCounts(4, 1));
    }

    private static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }
}
