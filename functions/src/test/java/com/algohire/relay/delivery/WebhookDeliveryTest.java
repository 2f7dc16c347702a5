package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code lastError}: what the DLQ copy of a task says of its last attempt, for a person to read. */
class WebhookDeliveryTest {

    @Test
    void lastError_whenReceiverAnswered_isStatusAndTheFirst200CharactersOfTheBody() {
        String body = "x".repeat(300);
        DeliveryAttempt.Result result = new DeliveryAttempt.Result(503, 12, "HTTP_STATUS", body, null);

        assertThat(WebhookDelivery.lastError(result)).isEqualTo("HTTP 503: " + "x".repeat(200));
    }

    @Test
    void lastError_whenBodyIsEmpty_isTheStatusAlone() {
        assertThat(WebhookDelivery.lastError(new DeliveryAttempt.Result(500, 3, "HTTP_STATUS", "", null)))
                .isEqualTo("HTTP 500");
    }

    @Test
    void lastError_whenNoResponseCame_isTheErrorKind() {
        assertThat(WebhookDelivery.lastError(new DeliveryAttempt.Result(null, 10_000, "TIMEOUT", null, null)))
                .isEqualTo("TIMEOUT");
    }

    @Test
    void lastError_whenTheCutFallsInsideASurrogatePair_dropsTheHalfCharacter() {
        String body = "a".repeat(199) + "\uD83D\uDE00" + "tail";
        DeliveryAttempt.Result result = new DeliveryAttempt.Result(429, 1, "HTTP_STATUS", body, Duration.ZERO);

        assertThat(WebhookDelivery.lastError(result)).isEqualTo("HTTP 429: " + "a".repeat(199));
    }
}
