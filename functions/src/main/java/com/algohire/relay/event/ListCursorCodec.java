package com.algohire.relay.event;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.internal.SignedJson;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a {@link ListCursor} into the opaque {@code nextCursor} text and back, and refuses (INVALID_CURSOR)
 * any text it did not produce for the same eventType filter: the text is {@code base64url(json) "."
 * base64url(tag)}, the tag the first 16 bytes of HMAC-SHA256 over the JSON, checked before the JSON is parsed.
 *
 * <p>The key is derived from the events table's name instead of a stored secret. The deployed name carries a
 * random suffix CloudFormation generated for this stack, the API never reveals it, and the function has it without
 * a call: a Secrets Manager or SSM parameter would add a network call to the first list request of every container
 * (and a grant, a resource and a rotation story) to protect a value whose forging gains nothing, because
 * {@link EventList} bounds the work of every request whatever its cursor says. What the signature buys is that a
 * caller cannot construct or edit a cursor (clients must treat it as opaque, and the format can change); it is not
 * a secret from anyone who can read the stack's resource names. Locally the name is predictable, which is fine.
 */
final class ListCursorCodec {
    private static final int VERSION = 1;
    /** Far above a real cursor (about 800 characters with eight shard positions); longer text is not even decoded. */
    static final int MAX_LENGTH = 4096;
    /** A receivedSort is 61 characters; anything much longer did not come from the index. */
    private static final int MAX_POSITION_LENGTH = 128;

    private final SignedJson sealer;

    private ListCursorCodec(SignedJson sealer) {
        this.sealer = sealer;
    }

    /** The codec of the lists of one events table (see the class comment for why the key comes from its name). */
    static ListCursorCodec forTable(String table) {
        return new ListCursorCodec(SignedJson.of("algohire-relay/list-cursor/v1", table, MAX_LENGTH));
    }

    String encode(ListCursor cursor) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("v", VERSION);
        if (cursor.eventType() != null) {
            json.put("t", cursor.eventType());
        }
        if (cursor.day() != null) {
            json.put("d", cursor.day().toString());
        }
        json.put("p", cursor.positions());
        return sealer.seal(json);
    }

    /**
     * @param eventType the eventType filter of the request the cursor came with, null for none
     * @throws RelayException INVALID_CURSOR unless this codec encoded the text for the same filter
     */
    ListCursor decode(String text, String eventType) {
        Map<String, Object> json = sealer.open(text).orElseThrow(ListCursorCodec::invalid);
        try {
            if (!Objects.equals(json.get("v"), VERSION) || !Objects.equals(json.get("t"), eventType)) {
                throw invalid();
            }
            LocalDate day = json.get("d") instanceof String d ? LocalDate.parse(d) : null;
            if ((day == null) != (eventType != null) || !(json.get("p") instanceof List<?> raw)
                    || raw.size() != EventItems.LIST_SHARDS) {
                throw invalid();
            }
            String[] positions = new String[raw.size()];
            for (int i = 0; i < positions.length; i++) {
                Object position = raw.get(i);
                if (position != null && !(position instanceof String s && s.length() <= MAX_POSITION_LENGTH)) {
                    throw invalid();
                }
                positions[i] = (String) position;
            }
            return new ListCursor(eventType, day, Arrays.asList(positions));
        } catch (RelayException e) {
            throw e;
        } catch (Exception e) {
            throw invalid();
        }
    }

    static RelayException invalid() {
        return new RelayException(ErrorCode.INVALID_CURSOR, "Parameter cursor is not a cursor returned by this list "
                + "(with the same eventType filter).");
    }
}
