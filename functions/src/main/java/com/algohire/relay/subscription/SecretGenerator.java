package com.algohire.relay.subscription;

import com.algohire.relay.verifier.WebhookSignature;
import java.security.SecureRandom;
import java.util.Base64;

/** Makes signing secrets: {@code whsec_} and the base64 of 32 random bytes (Standard Webhooks allows 24 to 64). */
final class SecretGenerator {
    static final int SECRET_BYTES = 32;
    private final SecureRandom random;

    SecretGenerator(SecureRandom random) {
        this.random = random;
    }

    String next() {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        return WebhookSignature.SECRET_PREFIX + Base64.getEncoder().encodeToString(bytes);
    }
}
