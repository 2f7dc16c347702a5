package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.event.DeliveryTask;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PickupDelayTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");

    private static DeliveryTask retry(Instant notBefore) {
        return new DeliveryTask(DeliveryTask.Kind.DELIVER, "e", "job.created", "sub_1", "msg_1", null, 3,
                notBefore.toString(), null, null, null);
    }

    private static Map<String, String> sentAt(Instant sent) {
        return Map.of(PickupDelay.SENT_TIMESTAMP, Long.toString(sent.toEpochMilli()));
    }

    @Test
    void of_whenARetryArrivesAfterItsNotBefore_isTheTimeSinceItWasDueNotSinceItWasSent() {
        // sent an hour ago with a partner's Retry-After of an hour: due four seconds ago
        DeliveryTask task = retry(NOW.minusSeconds(4));
        assertThat(PickupDelay.of(task, sentAt(NOW.minusSeconds(3604)), NOW)).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void of_whenARetryArrivesBeforeItsNotBefore_isNoneBecauseItIsWaitingAsScheduled() {
        DeliveryTask task = retry(NOW.plusSeconds(3000));
        assertThat(PickupDelay.of(task, sentAt(NOW.minusSeconds(600)), NOW)).isNull();
    }

    @Test
    void of_whenARetryArrivesWithinTheDeferralTolerance_isZero() {
        DeliveryTask task = retry(NOW.plusMillis(500));
        assertThat(PickupDelay.of(task, sentAt(NOW.minusSeconds(900)), NOW)).isEqualTo(Duration.ZERO);
    }

    @Test
    void of_whenAFirstAttemptArrives_isTheTimeSinceItWasSent() {
        DeliveryTask task = DeliveryTask.deliver("e", "job.created", "sub_1", "msg_1");
        assertThat(PickupDelay.of(task, sentAt(NOW.minusMillis(1500)), NOW)).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void of_whenNothingSaysWhenItWasDue_isNone() {
        DeliveryTask task = DeliveryTask.fanOut("e", "job.created");
        assertThat(PickupDelay.of(task, null, NOW)).isNull();
        assertThat(PickupDelay.of(task, Map.of(PickupDelay.SENT_TIMESTAMP, "soon"), NOW)).isNull();
        DeliveryTask unreadable = new DeliveryTask(DeliveryTask.Kind.DELIVER, "e", "job.created", "sub_1", "msg_1",
                null, 1, "tomorrow", null, null, null);
        assertThat(PickupDelay.of(unreadable, sentAt(NOW.minusSeconds(2)), NOW)).isEqualTo(Duration.ofSeconds(2));
    }
}
