package com.algohire.relay.event;

import com.algohire.relay.api.ApiException;
import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.core.type.TypeReference;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a {@link ListCursor} into the opaque {@code nextCursor} text (base64url JSON) and back, and refuses
 * (400 INVALID_CURSOR) text that is not a cursor for the same eventType filter.
 */
final class ListCursorCodec {
    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {
    };
    private static final int VERSION = 1;
    /** A receivedSort is 61 characters; anything much longer did not come from the index. */
    private static final int MAX_POSITION_LENGTH = 128;

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
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.mapper().writeValueAsBytes(json));
        } catch (Exception e) {
            throw new IllegalStateException("cursor is not serializable", e);
        }
    }

    /**
     * @param eventType the eventType filter of the request the cursor came with, null for none
     * @throws ApiException 400 INVALID_CURSOR unless the text is a cursor for the same filter
     */
    ListCursor decode(String text, String eventType) {
        try {
            Map<String, Object> json = Json.mapper().readValue(Base64.getUrlDecoder().decode(text), JSON_OBJECT);
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
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw invalid();
        }
    }

    static ApiException invalid() {
        return new ApiException(400, "INVALID_CURSOR", "Parameter cursor is not a cursor returned by this list "
                + "(with the same eventType filter).");
    }
}
