package com.algohire.relay.subscription;

import com.algohire.relay.internal.Randomness;
import com.algohire.relay.verifier.WebhookSignature;
import java.util.Base64;

/**
 * Makes signing secrets: {@code whsec_} and the base64 of 32 random bytes (Standard Webhooks allows 24 to 64), drawn
 * per secret from {@link Randomness}, never from a generator built before a SnapStart snapshot.
 */
final class SecretGenerator {
    static final int SECRET_BYTES = 32;

    String next() {
        return WebhookSignature.SECRET_PREFIX + Base64.getEncoder().encodeToString(Randomness.bytes(SECRET_BYTES));
    }
}
