package com.algohire.relay.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
    // The Standard Webhooks reference vector (also in the Svix libraries' tests).
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330L;
    private static final String SPEC_BODY = "{\"test\": 2432232314}";
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static final String OTHER_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    private static Clock at(long epochSeconds) {
        return Clock.fixed(Instant.ofEpochSecond(epochSeconds), ZoneOffset.UTC);
    }

    private static WebhookVerifier verifier(List<String> secrets, long now) {
        return new WebhookVerifier(secrets, at(now), WebhookVerifier.DEFAULT_TOLERANCE);
    }

    private static Map<String, String> headers(String id, long timestamp, String signature) {
        return Map.of("webhook-id", id, "webhook-timestamp", Long.toString(timestamp), "webhook-signature", signature);
    }

    @Test
    void sign_whenSpecTestVector_reproducesPublishedSignature() {
        assertThat(
                WebhookSignature.sign(WebhookSignature.decodeSecret(SPEC_SECRET), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY))
                .isEqualTo(SPEC_SIGNATURE);
    }

    @Test
    void verify_whenSpecTestVector_accepts() {
        assertThatCode(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP)
                .verify(SPEC_BODY, headers(SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE))).doesNotThrowAnyException();
    }

    @Test
    void verify_whenHeaderNamesInOtherCase_accepts() {
        Map<String, String> headers = Map.of("Webhook-Id", SPEC_ID, "WEBHOOK-TIMESTAMP", "1614265330",
                "Webhook-Signature", SPEC_SIGNATURE);
        assertThatCode(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP).verify(SPEC_BODY, headers))
                .doesNotThrowAnyException();
    }

    @Test
    void verify_whenBodyTampered_throws() {
        assertThatThrownBy(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP)
                .verify("{\"test\": 2432232315}", headers(SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE)))
                .isInstanceOf(WebhookVerificationException.class).hasMessageContaining("signature");
    }

    @Test
    void verify_whenIdTampered_throws() {
        assertThatThrownBy(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP)
                .verify(SPEC_BODY, headers("msg_other", SPEC_TIMESTAMP, SPEC_SIGNATURE)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void verify_whenWrongSecret_throws() {
        assertThatThrownBy(() -> verifier(List.of(OTHER_SECRET), SPEC_TIMESTAMP)
                .verify(SPEC_BODY, headers(SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE)))
                .isInstanceOf(WebhookVerificationException.class).hasMessageContaining("signature");
    }

    @Test
    void verify_whenTimestampSixMinutesOld_throws() {
        assertThatThrownBy(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP + 360)
                .verify(SPEC_BODY, headers(SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE)))
                .isInstanceOf(WebhookVerificationException.class).hasMessageContaining("too old");
    }

    @Test
    void verify_whenTimestampSixMinutesAhead_throws() {
        assertThatThrownBy(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP - 360)
                .verify(SPEC_BODY, headers(SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE)))
                .isInstanceOf(WebhookVerificationException.class).hasMessageContaining("future");
    }

    @Test
    void verify_whenTimestampFourMinutesOld_accepts() {
        assertThatCode(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP + 240)
                .verify(SPEC_BODY, headers(SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE))).doesNotThrowAnyException();
    }

    @Test
    void verify_whenSignatureListDuringRotation_acceptsEitherSecret() {
        byte[] oldKey = WebhookSignature.decodeSecret(SPEC_SECRET);
        byte[] newKey = WebhookSignature.decodeSecret(OTHER_SECRET);
        String list = WebhookSignature.sign(newKey, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) + " "
                + WebhookSignature.sign(oldKey, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);
        for (String secret : List.of(SPEC_SECRET, OTHER_SECRET)) {
            assertThatCode(() -> verifier(List.of(secret), SPEC_TIMESTAMP)
                    .verify(SPEC_BODY, headers(SPEC_ID, SPEC_TIMESTAMP, list))).doesNotThrowAnyException();
        }
    }

    @Test
    void verify_whenReceiverHoldsTwoSecrets_acceptsSignatureByEither() {
        assertThatCode(() -> verifier(List.of(OTHER_SECRET, SPEC_SECRET), SPEC_TIMESTAMP)
                .verify(SPEC_BODY, headers(SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE))).doesNotThrowAnyException();
    }

    @Test
    void verify_whenSignatureOfOtherVersionOrGarbage_throws() {
        assertThatThrownBy(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP)
                .verify(SPEC_BODY, headers(SPEC_ID, SPEC_TIMESTAMP,
                        "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,!!notbase64 v1")))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void verify_whenHeaderMissing_throwsNamingIt() {
        assertThatThrownBy(() -> verifier(List.of(SPEC_SECRET), SPEC_TIMESTAMP)
                .verify(SPEC_BODY, Map.of("webhook-id", SPEC_ID, "webhook-signature", SPEC_SIGNATURE)))
                .isInstanceOf(WebhookVerificationException.class).hasMessageContaining("webhook-timestamp");
    }

    @Test
    void constructor_whenSecretNotBase64_throwsWithoutEchoingIt() {
        assertThatThrownBy(() -> new WebhookVerifier("whsec_***secret***"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("***secret***");
    }

    @Test
    void defaultTolerance_isFiveMinutes() {
        assertThat(WebhookVerifier.DEFAULT_TOLERANCE).isEqualTo(Duration.ofMinutes(5));
    }
}
