package com.algohire.relay.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubscriptionMatcherTest {
    @Test
    void matches_whenExactWildcardOrAll_true() {
        assertThat(SubscriptionMatcher.matches(List.of("job.created"), "job.created")).isTrue();
        assertThat(SubscriptionMatcher.matches(List.of("job.*"), "job.closed")).isTrue();
        assertThat(SubscriptionMatcher.matches(List.of("*"), "candidate.applied")).isTrue();
    }

    @Test
    void matches_whenOtherTypeOrPrefixOnly_false() {
        assertThat(SubscriptionMatcher.matches(List.of("job.created"), "job.closed")).isFalse();
        assertThat(SubscriptionMatcher.matches(List.of("job.*"), "jobs.created")).isFalse();
        assertThat(SubscriptionMatcher.matches(List.of("candidate.*"), "job.created")).isFalse();
    }
}
