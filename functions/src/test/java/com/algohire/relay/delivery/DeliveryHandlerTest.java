package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelaySchema;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The time a batch is given: the invocation's, from its context. */
class DeliveryHandlerTest {

    @Test
    void remainingTime_whenContextGiven_isWhatItHasLeft() {
        Duration left = DeliveryHandler.remainingTime(RemainingTimeContext.of(Duration.ofSeconds(12)));

        assertThat(left).isBetween(Duration.ofSeconds(11), Duration.ofSeconds(12));
    }

    @Test
    void remainingTime_whenNoContext_isTheFunctionTimeout() {
        assertThat(DeliveryHandler.remainingTime(null))
                .isEqualTo(Duration.ofSeconds(RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS));
    }
}
