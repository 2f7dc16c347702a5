package com.algohire.relay.audit;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns an audit list position into the opaque {@code nextCursor} text and back, refusing (INVALID_CURSOR) any text
 * it did not produce for the same from/to parameters. Same scheme and same reasoning about the key as the event
 * list's cursor ({@code event/ListCursorCodec}): {@code base64url(json) "." base64url(tag)}, the tag 16 bytes of
 * HMAC-SHA256 keyed from the table's name under a label of its own, so one list's cursor is refused by the other.
 */
final class AuditCursorCodec {
    /** Where the next page starts: the day being walked and the sort key of the last record read of it, if any. */
    record Position(LocalDate day, String afterSk) {
    }

    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {
    };
    private static final String ALGORITHM = "HmacSHA256";
    private static final int TAG_BYTES = 16;
    private static final int VERSION = 1;
    private static final int MAX_LENGTH = 2048;
    private static final int MAX_SK_LENGTH = 512;

    private final SecretKeySpec key;

    private AuditCursorCodec(byte[] key) {
        this.key = new SecretKeySpec(key, ALGORITHM);
    }

    static AuditCursorCodec forTable(String table) {
        return new AuditCursorCodec(hmac(new SecretKeySpec(
                "algohire-relay/audit-cursor/v1".getBytes(StandardCharsets.UTF_8), ALGORITHM),
                table.getBytes(StandardCharsets.UTF_8)));
    }

    /** @param from the request's from parameter as sent (null for none); to likewise */
    String encode(Position position, String from, String to) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("v", VERSION);
        json.put("d", position.day().toString());
        json.put("s", position.afterSk());
        json.put("f", from);
        json.put("t", to);
        byte[] payload;
        try {
            payload = Json.mapper().writeValueAsBytes(json);
        } catch (Exception e) {
            throw new IllegalStateException("cursor is not serializable", e);
        }
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString(payload) + "." + base64.encodeToString(tag(payload));
    }

    Position decode(String text, String from, String to) {
        if (text.length() > MAX_LENGTH) {
            throw invalid();
        }
        try {
            int dot = text.indexOf('.');
            if (dot < 0 || dot != text.lastIndexOf('.')) {
                throw invalid();
            }
            byte[] payload = Base64.getUrlDecoder().decode(text.substring(0, dot));
            byte[] tag = Base64.getUrlDecoder().decode(text.substring(dot + 1));
            if (!MessageDigest.isEqual(tag(payload), tag)) {
                throw invalid();
            }
            Map<String, Object> json = Json.mapper().readValue(payload, JSON_OBJECT);
            if (!Objects.equals(json.get("v"), VERSION) || !Objects.equals(json.get("f"), from)
                    || !Objects.equals(json.get("t"), to) || !(json.get("d") instanceof String day)) {
                throw invalid();
            }
            Object sk = json.get("s");
            if (sk != null && !(sk instanceof String s && s.length() <= MAX_SK_LENGTH)) {
                throw invalid();
            }
            return new Position(LocalDate.parse(day), (String) sk);
        } catch (RelayException e) {
            throw e;
        } catch (Exception e) {
            throw invalid();
        }
    }

    private byte[] tag(byte[] payload) {
        return Arrays.copyOf(hmac(key, payload), TAG_BYTES);
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM); // per call: a Mac is not thread-safe
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    private static RelayException invalid() {
        return new RelayException(ErrorCode.INVALID_CURSOR, "Parameter cursor is not a cursor returned by this list "
                + "(with the same from and to).", Map.of("field", "cursor"));
    }
}
