package com.algohire.relay.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A small JSON object sealed into opaque text that only its sealer accepts back: {@code base64url(json) "."
 * base64url(tag)}, the tag the first 16 bytes of HMAC-SHA256 over the JSON, checked before the JSON is parsed. The
 * list cursors use it (event/ListCursorCodec explains where the key comes from and what the signature buys); each
 * sealer's key is derived from its own label, so one list's cursor is refused by another's.
 */
public final class SignedJson {
    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {
    };
    private static final String ALGORITHM = "HmacSHA256";
    /** 128 bits: RFC 2104 allows truncating to half the hash; it keeps the text shorter. */
    private static final int TAG_BYTES = 16;

    private final SecretKeySpec key;
    private final int maxLength;

    private SignedJson(byte[] key, int maxLength) {
        this.key = new SecretKeySpec(key, ALGORITHM);
        this.maxLength = maxLength;
    }

    /**
     * @param label     what the text is for (e.g. {@code algohire-relay/list-cursor/v1}): keys differ per label
     * @param material  what the key is derived from besides the label (the table's name)
     * @param maxLength longer text is refused without being decoded
     */
    public static SignedJson of(String label, String material, int maxLength) {
        return new SignedJson(hmac(new SecretKeySpec(label.getBytes(StandardCharsets.UTF_8), ALGORITHM),
                material.getBytes(StandardCharsets.UTF_8)), maxLength);
    }

    public String seal(Map<String, Object> json) {
        byte[] payload;
        try {
            payload = Json.mapper().writeValueAsBytes(json);
        } catch (Exception e) {
            throw new IllegalStateException("not serializable as JSON", e);
        }
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString(payload) + "." + base64.encodeToString(tag(payload));
    }

    /** The JSON object {@code text} seals, or empty when this sealer did not produce it (or it is malformed). */
    public Optional<Map<String, Object>> open(String text) {
        if (text == null || text.length() > maxLength) {
            return Optional.empty();
        }
        try {
            int dot = text.indexOf('.');
            if (dot < 0 || dot != text.lastIndexOf('.')) {
                return Optional.empty();
            }
            byte[] payload = Base64.getUrlDecoder().decode(text.substring(0, dot));
            byte[] tag = Base64.getUrlDecoder().decode(text.substring(dot + 1));
            if (!MessageDigest.isEqual(tag(payload), tag)) {
                return Optional.empty();
            }
            return Optional.ofNullable(Json.mapper().readValue(payload, JSON_OBJECT));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private byte[] tag(byte[] payload) {
        return Arrays.copyOf(hmac(key, payload), TAG_BYTES);
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            // A Mac per call: instances are not thread-safe, and the local runtime serves requests concurrently.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }
}
