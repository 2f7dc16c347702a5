package com.algohire.relay.verifier;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks signature scheme in one place, shared by the relay's signer and by {@link WebhookVerifier}:
 * {@code v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>}, where the key is the base64
 * part of a {@code whsec_...} secret, decoded.
 */
public final class WebhookSignature {
    public static final String SECRET_PREFIX = "whsec_";
    public static final String VERSION = "v1";

    private WebhookSignature() {
    }

    /** The HMAC key of a {@code whsec_<base64>} secret; the prefix is optional, as in the reference libraries. */
    public static byte[] decodeSecret(String secret) {
        if (secret == null) {
            throw new IllegalArgumentException("secret is required");
        }
        String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        byte[] key;
        try {
            key = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            // The message never includes the secret itself.
            throw new IllegalArgumentException("secret is not whsec_ followed by base64");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("secret is empty");
        }
        return key;
    }

    /** {@code v1,<base64 signature>} of one message. */
    public static String sign(byte[] key, String webhookId, long timestampSeconds, String body) {
        return VERSION + "," + Base64.getEncoder().encodeToString(hmac(key, webhookId, timestampSeconds, body));
    }

    static byte[] hmac(byte[] key, String webhookId, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal((webhookId + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JDK", e);
        }
    }
}
