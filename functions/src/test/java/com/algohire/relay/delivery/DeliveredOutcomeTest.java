package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.event.DeliveryLogItems;
import org.junit.jupiter.api.Test;

/**
 * A recovery decides "already delivered" by the outcome the delivery function logs for a 2xx: the two spellings
 * must stay one, or every recover would re-send what was delivered (or skip what was not).
 */
class DeliveredOutcomeTest {
    @Test
    void outcomeDelivered_isWhatWebhookDeliveryLogsForA2xx() {
        assertThat(DeliveryLogItems.OUTCOME_DELIVERED).isEqualTo(WebhookDelivery.DELIVERED);
    }
}
