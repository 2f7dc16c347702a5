package com.algohire.relay.verifier;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
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
    /** The delivery's id: the same on every copy and retry of one delivery, so receivers deduplicate on it. */
    public static final String HEADER_ID = "webhook-id";
    /** When the delivery was signed, in epoch seconds; part of the signed content. */
    public static final String HEADER_TIMESTAMP = "webhook-timestamp";
    /** One or more space-separated {@code v1,<base64>} signatures (several while a secret is being rotated). */
    public static final String HEADER_SIGNATURE = "webhook-signature";

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

    /**
     * The three headers of a signed delivery, in the order they are sent.
     *
     * @param signatures one or more {@link #sign} results, space-separated
     */
    public static Map<String, String> headers(String webhookId, long timestampSeconds, String signatures) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(HEADER_ID, webhookId);
        headers.put(HEADER_TIMESTAMP, Long.toString(timestampSeconds));
        headers.put(HEADER_SIGNATURE, signatures);
        return headers;
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
