package com.algohire.relay.ingest;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.EventTypes;
import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.Text;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a POST /api/v1/events request (content type, size, idempotency key, body) and turns every defect into a
 * {@link RelayException} whose code and message name the field, so no bad input reaches storage or becomes a 5xx.
 *
 * <p>Decisions beyond the ingestion spec (docs/architecture.md, "Requirements from the ingestion spec"): the body
 * must be UTF-8 (a base64-encoded body is decoded and checked strictly); duplicate keys anywhere are refused (two
 * readers could otherwise disagree on the value); NUL characters and unpaired UTF-16 surrogates are refused in
 * payload keys and strings, since many receivers store text in systems that cannot hold them, and DynamoDB
 * refuses the latter outright.
 */
public final class EventValidator {
    /** The ingestion spec's limit: 1 MiB of request body, counted in bytes as sent. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;
    public static final String IDEMPOTENCY_HEADER = "x-idempotency-key";


    /**
     * Floats as BigDecimal with their trailing zeros kept, so the stored payload keeps the sender's number text
     * ({@code 1.10} stays {@code 1.10}) instead of passing through a double.
     */
    private static final ObjectReader READER = Json.mapper().reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    private final Set<String> knownDomains;

    public EventValidator(Set<String> knownDomains) {
        this.knownDomains = Set.copyOf(knownDomains);
    }

    /**
     * @param headers headers as API Gateway passes them (names in the sender's case); may be null
     * @param multiValueHeaders the same headers with every value; may be null
     */
    public IngestRequest validate(Map<String, String> headers, Map<String, List<String>> multiValueHeaders,
                                  String body, boolean base64Encoded) {
        checkContentType(header(headers, multiValueHeaders, "content-type"));
        byte[] bytes = bodyBytes(body, base64Encoded);
        String key = idempotencyKey(headers, multiValueHeaders);
        // bytes is null when the body was not base64: it is already text, checked for surrogates by its size check.
        String text = bytes == null ? body : strictUtf8(bytes);
        JsonNode root = parse(text);
        if (!root.isObject()) {
            throw bad(ErrorCode.INVALID_BODY, "The request body must be a JSON object with eventType and payload.");
        }
        String eventType = eventType(root.get("eventType"));
        JsonNode payload = root.get("payload");
        if (payload == null || payload.isNull()) {
            throw bad(ErrorCode.MISSING_PAYLOAD, "Field payload is required.");
        }
        if (!payload.isObject()) {
            throw bad(ErrorCode.INVALID_PAYLOAD, "Field payload must be a JSON object, was: "
                    + payload.getNodeType().name().toLowerCase(Locale.ROOT) + ".");
        }
        checkNoNul(payload, "payload");
        String payloadJson = write(payload);
        return new IngestRequest(key, eventType, payloadJson, requestHash(eventType, payload));
    }

    static void checkContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new RelayException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Header Content-Type must be application/json.");
        }
        String[] parts = contentType.split(";");
        if (!parts[0].trim().equalsIgnoreCase("application/json")) {
            throw new RelayException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Header Content-Type must be application/json, was: " + Text.printable(parts[0].trim(), 100) + ".");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] param = parts[i].trim().split("=", 2);
            if (param[0].trim().equalsIgnoreCase("charset") && param.length == 2
                    && !unquote(param[1].trim()).equalsIgnoreCase("utf-8")) {
                throw new RelayException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                        "Header Content-Type charset must be utf-8, was: " + Text.printable(param[1].trim(), 40) + ".");
            }
        }
    }

    /** The decoded bytes of a base64 body, or null for a text body; either way, refuses what exceeds 1 MiB. */
    static byte[] bodyBytes(String body, boolean base64Encoded) {
        if (body == null || body.isEmpty()) {
            throw bad(ErrorCode.INVALID_JSON, "The request body is empty; it must be a JSON object.");
        }
        if (base64Encoded) {
            // Four base64 characters carry three bytes: refuse before decoding what is certainly too big.
            if ((long) body.length() / 4 * 3 > MAX_BODY_BYTES + 3L) {
                throw tooLarge();
            }
            byte[] decoded;
            try {
                decoded = Base64.getMimeDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw bad(ErrorCode.INVALID_JSON, "The request body is marked base64-encoded but is not valid base64.");
            }
            if (decoded.length > MAX_BODY_BYTES) {
                throw tooLarge();
            }
            return decoded;
        }
        // A char is at least one UTF-8 byte, so a longer string is too large without encoding it.
        if (body.length() > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        if (utf8Length(body) > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        return null;
    }

    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw bad(ErrorCode.INVALID_JSON, "The request body is not valid UTF-8.");
        }
    }

    /** UTF-8 byte length; an unpaired surrogate (unencodable text) is refused as invalid UTF-8. */
    static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                throw bad(ErrorCode.INVALID_JSON, "The request body is not valid UTF-8 (unpaired surrogate).");
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    static String idempotencyKey(Map<String, String> headers, Map<String, List<String>> multiValueHeaders) {
        List<String> values = headerValues(headers, multiValueHeaders, IDEMPOTENCY_HEADER);
        if (values.isEmpty()) {
            throw bad(ErrorCode.MISSING_IDEMPOTENCY_KEY, "Header x-idempotency-key is required.");
        }
        String key = values.get(0);
        if (values.stream().anyMatch(v -> !v.equals(key))) {
            throw bad(ErrorCode.INVALID_IDEMPOTENCY_KEY,
                    "Header x-idempotency-key was sent more than once with different values.");
        }
        return checkIdempotencyKey(key, "Header x-idempotency-key");
    }

    /** The idempotencyKey query parameter of GET /api/v1/events, held to the rules of the ingest header. */
    public static String checkIdempotencyKeyParameter(String key) {
        return checkIdempotencyKey(key, "Parameter idempotencyKey");
    }

    /** @param name how messages name the value: "Header x-idempotency-key", "Parameter idempotencyKey" */
    private static String checkIdempotencyKey(String key, String name) {
        if (key.isEmpty()) {
            throw bad(ErrorCode.INVALID_IDEMPOTENCY_KEY, name + " must not be empty.");
        }
        if (key.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw bad(ErrorCode.INVALID_IDEMPOTENCY_KEY, name + " must be at most " + MAX_IDEMPOTENCY_KEY_LENGTH
                    + " characters, was " + key.length() + ".");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw bad(ErrorCode.INVALID_IDEMPOTENCY_KEY, name + " must contain only visible ASCII "
                        + "characters; character " + (i + 1) + " is not.");
            }
        }
        return key;
    }

    private JsonNode parse(String text) {
        try {
            JsonNode node = READER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw bad(ErrorCode.INVALID_JSON, "The request body is empty; it must be a JSON object.");
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw bad(ErrorCode.INVALID_JSON, "The request body exceeds a JSON limit (nesting deeper than "
                    + Json.MAX_NESTING_DEPTH + " or a number longer than " + Json.MAX_NUMBER_LENGTH + " digits).");
        } catch (StreamReadException e) {
            String reason = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                    ? "it has a duplicate key" : "it is not well-formed";
            throw bad(ErrorCode.INVALID_JSON, "The request body is not valid JSON: " + reason + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ").");
        } catch (JsonProcessingException e) {
            throw bad(ErrorCode.INVALID_JSON, "The request body is not valid JSON.");
        } catch (NumberFormatException | ArithmeticException e) {
            // BigDecimal cannot hold an exponent beyond an int (e.g. 1e-2147483648, 1e99999999999); Jackson lets
            // that escape unwrapped, and it is the sender's number, not our fault.
            throw bad(ErrorCode.INVALID_JSON,
                    "The request body has a number out of range (its exponent is too large).");
        }
    }

    private String eventType(JsonNode node) {
        if (node == null || node.isNull()) {
            throw bad(ErrorCode.MISSING_EVENT_TYPE, "Field eventType is required.");
        }
        if (!node.isTextual()) {
            throw bad(ErrorCode.INVALID_EVENT_TYPE, "Field eventType must be a string like job.created.");
        }
        return checkEventType(node.textValue(), "Field eventType", ErrorCode.MISSING_EVENT_TYPE);
    }

    /**
     * eventType also names list filters: the same rule for GET /api/v1/events?eventType=, whose messages name it
     * as a parameter and where an empty one is invalid rather than missing.
     */
    public String checkEventTypeParameter(String type) {
        return checkEventType(type, "Parameter eventType", ErrorCode.INVALID_EVENT_TYPE);
    }

    /** The same rule for an eventType a management request body names (a test event's). */
    public String checkEventTypeField(String type) {
        return checkEventType(type, "Field eventType", ErrorCode.INVALID_EVENT_TYPE);
    }

    /** @param name how messages name the value: "Field eventType", "Parameter eventType" */
    private String checkEventType(String type, String name, ErrorCode whenEmpty) {
        if (type.isEmpty()) {
            throw bad(whenEmpty, name + " must not be empty.");
        }
        if (type.length() > EventTypes.MAX_LENGTH || !EventTypes.isName(type)) {
            throw bad(ErrorCode.INVALID_EVENT_TYPE, name + " must be dotted lower-case domain.action (e.g. "
                    + "job.created), was: " + Text.printable(type, EventTypes.MAX_LENGTH) + ".");
        }
        String domain = EventTypes.domain(type);
        if (!knownDomains.contains(domain)) {
            throw bad(ErrorCode.INVALID_EVENT_TYPE, name + " has unknown domain " + domain + "; known: "
                    + String.join(", ", knownDomains.stream().sorted().toList()) + ".");
        }
        return type;
    }

    private static final String LONE_SURROGATE = " contains an unpaired UTF-16 surrogate (an escape such as \\ud800 "
            + "without its pair), which is not Unicode text.";

    /** NUL characters and unpaired surrogates, in every string and key of the payload. */
    private static void checkNoNul(JsonNode node, String path) {
        // Iterative, so a wide document cannot overflow the stack (depth is already bounded by the parser).
        List<Map.Entry<String, JsonNode>> work = new ArrayList<>();
        work.add(Map.entry(path, node));
        while (!work.isEmpty()) {
            Map.Entry<String, JsonNode> next = work.remove(work.size() - 1);
            JsonNode current = next.getValue();
            if (current.isTextual() && current.textValue().indexOf('\0') >= 0) {
                throw bad(ErrorCode.INVALID_PAYLOAD, "Field " + next.getKey() + " contains a NUL character.");
            }
            if (current.isTextual() && Text.hasLoneSurrogate(current.textValue())) {
                throw bad(ErrorCode.INVALID_PAYLOAD, "Field " + next.getKey() + LONE_SURROGATE);
            }
            if (current.isObject()) {
                for (Map.Entry<String, JsonNode> field : current.properties()) {
                    if (field.getKey().indexOf('\0') >= 0) {
                        throw bad(ErrorCode.INVALID_PAYLOAD, "A key in " + next.getKey()
                                + " contains a NUL character.");
                    }
                    if (Text.hasLoneSurrogate(field.getKey())) {
                        throw bad(ErrorCode.INVALID_PAYLOAD, "A key in " + next.getKey() + LONE_SURROGATE);
                    }
                    work.add(Map.entry(next.getKey() + "." + Text.printable(field.getKey(), 40), field.getValue()));
                }
            } else if (current.isArray()) {
                for (int i = 0; i < current.size(); i++) {
                    work.add(Map.entry(next.getKey() + "[" + i + "]", current.get(i)));
                }
            }
        }
    }

    static String requestHash(String eventType, JsonNode payload) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(eventType.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(write(canonical(payload)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    /** The same document with object keys sorted at every level, so key order does not change the hash. */
    static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            ObjectNode sorted = Json.mapper().createObjectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            for (String name : names) {
                sorted.set(name, canonical(node.get(name)));
            }
            return sorted;
        }
        if (node.isArray()) {
            var array = Json.mapper().createArrayNode();
            node.forEach(element -> array.add(canonical(element)));
            return array;
        }
        return node;
    }

    private static String write(JsonNode node) {
        try {
            return Json.mapper().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("payload is not serializable", e);
        }
    }

    static String header(Map<String, String> headers, Map<String, List<String>> multiValueHeaders, String name) {
        List<String> values = headerValues(headers, multiValueHeaders, name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** Header values by case-insensitive name; API Gateway passes names in the sender's case. */
    static List<String> headerValues(Map<String, String> headers, Map<String, List<String>> multiValueHeaders,
                                     String name) {
        List<String> values = new ArrayList<>();
        if (multiValueHeaders != null) {
            multiValueHeaders.forEach((k, v) -> {
                if (k != null && k.equalsIgnoreCase(name) && v != null) {
                    v.stream().filter(java.util.Objects::nonNull).forEach(values::add);
                }
            });
        }
        if (values.isEmpty() && headers != null) {
            headers.forEach((k, v) -> {
                if (k != null && k.equalsIgnoreCase(name) && v != null) {
                    values.add(v);
                }
            });
        }
        return values;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    private static RelayException tooLarge() {
        return new RelayException(ErrorCode.PAYLOAD_TOO_LARGE, "The request body must be at most " + MAX_BODY_BYTES
                + " bytes (1 MiB).");
    }

    static RelayException bad(ErrorCode code, String message) {
        return new RelayException(code, message);
    }
}
