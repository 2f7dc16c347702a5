package com.algohire.relay.audit;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.internal.SignedJson;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

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

    private static final int VERSION = 1;
    private static final int MAX_LENGTH = 2048;
    private static final int MAX_SK_LENGTH = 512;

    private final SignedJson sealer;

    private AuditCursorCodec(SignedJson sealer) {
        this.sealer = sealer;
    }

    static AuditCursorCodec forTable(String table) {
        return new AuditCursorCodec(SignedJson.of("algohire-relay/audit-cursor/v1", table, MAX_LENGTH));
    }

    /** @param from the request's from parameter as sent (null for none); to likewise */
    String encode(Position position, String from, String to) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("v", VERSION);
        json.put("d", position.day().toString());
        json.put("s", position.afterSk());
        json.put("f", from);
        json.put("t", to);
        return sealer.seal(json);
    }

    Position decode(String text, String from, String to) {
        Map<String, Object> json = sealer.open(text).orElseThrow(AuditCursorCodec::invalid);
        try {
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

    private static RelayException invalid() {
        return new RelayException(ErrorCode.INVALID_CURSOR, "Parameter cursor is not a cursor returned by this list "
                + "(with the same from and to).", Map.of("field", "cursor"));
    }
}
