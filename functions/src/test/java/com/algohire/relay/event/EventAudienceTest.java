package com.algohire.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventAudienceTest {
    private static final String TEST_PAYLOAD =
            "{\"test\":true,\"sentBy\":\"relay console\",\"at\":\"2025-01-01T00:00:00.000Z\"}";

    private static StoredEvent event(String key, String payload, String testFor) {
        return new StoredEvent("evt-1", "job.test", key, payload, Instant.EPOCH, "QUEUED", testFor);
    }

    @Test
    void reaches_whenTheEventIsNoTestEvent_reachesEverySubscription() {
        assertThat(EventAudience.reaches(event("key-1", "{}", null), "sub_a")).isTrue();
        assertThat(EventAudience.sentElsewhere(event("key-1", "{}", null), "sub_a")).isFalse();
    }

    @Test
    void reaches_whenATestEventIsMarked_reachesOnlyItsSubscription() {
        StoredEvent test = event("test:1", TEST_PAYLOAD, "sub_a");

        assertThat(EventAudience.reaches(test, "sub_a")).isTrue();
        assertThat(EventAudience.reaches(test, "sub_b")).isFalse();
        assertThat(EventAudience.sentElsewhere(test, "sub_a")).isFalse();
        assertThat(EventAudience.sentElsewhere(test, "sub_b")).isTrue();
    }

    @Test
    void reaches_whenATestEventPredatesTheMark_reachesNoneButItsDeliveryIsNotDropped() {
        StoredEvent unmarked = event("test:1", TEST_PAYLOAD, null);

        assertThat(EventAudience.reaches(unmarked, "sub_a")).isFalse();
        assertThat(EventAudience.sentElsewhere(unmarked, "sub_a")).as("its own first delivery may still retry")
                .isFalse();
    }

    @Test
    void reaches_whenAnIngestedEventsKeyMerelyStartsLikeATestEvents_reachesEverySubscription() {
        StoredEvent ingested = event("test:order-17", "{\"test\":true,\"orderId\":17}", null);

        assertThat(EventAudience.mayBeTest(ingested.idempotencyKey())).isTrue();
        assertThat(EventAudience.reaches(ingested, "sub_a")).isTrue();
        assertThat(EventAudience.reaches("test:order-17", null, null, "sub_a")).as("payload in S3").isTrue();
    }

    @Test
    void mayBeTest_readsTheKeysPrefixOnly() {
        assertThat(EventAudience.mayBeTest("test:abc")).isTrue();
        assertThat(EventAudience.mayBeTest("key-test:abc")).isFalse();
        assertThat(EventAudience.mayBeTest(null)).isFalse();
    }
}
