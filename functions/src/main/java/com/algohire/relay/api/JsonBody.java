package com.algohire.relay.api;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.Text;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;

/** Reads the JSON body of a management request, refusing what no route could store. */
final class JsonBody {
    private static final int MAX_BODY_CHARS = 64 * 1024;
    /** How much of a field name an error message echoes. */
    private static final int ECHO_LIMIT = 128;
    /** Body fields whose errors have a code of their own; any other is INVALID_BODY. */
    private static final Map<String, ErrorCode> NAMED_FIELDS = Map.of("url", ErrorCode.INVALID_URL,
            "eventTypes", ErrorCode.INVALID_EVENT_TYPES, "description", ErrorCode.INVALID_DESCRIPTION,
            "subscriptionId", ErrorCode.INVALID_SUBSCRIPTION_ID);

    private JsonBody() {
    }

    /**
     * The body as JSON, or null when it is absent or blank and {@code required} is false.
     *
     * @throws RelayException INVALID_BODY (absent but required), UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE,
     *                        INVALID_JSON, or the code of the field holding an unpaired surrogate
     */
    static JsonNode read(APIGatewayProxyRequestEvent request, boolean required) {
        String text = request.getBody();
        if (text != null && Boolean.TRUE.equals(request.getIsBase64Encoded())) {
            text = decodeBase64(text);
        }
        if (text == null || text.isBlank()) {
            if (required) {
                throw new RelayException(ErrorCode.INVALID_BODY, "request body must be a JSON object");
            }
            return null;
        }
        String contentType = header(request, "content-type");
        if (contentType != null && !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new RelayException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
        }
        if (text.length() > MAX_BODY_CHARS) {
            throw new RelayException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is larger than " + MAX_BODY_CHARS
                    + " characters");
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new RelayException(ErrorCode.INVALID_JSON, "request body is not valid JSON");
        }
        refuseLoneSurrogates(body, null);
        return body;
    }

    /** A body API Gateway passed base64-encoded: the sender's bytes, which must be base64 of UTF-8 text. */
    private static String decodeBase64(String text) {
        byte[] bytes;
        try {
            bytes = java.util.Base64.getMimeDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorCode.INVALID_JSON,
                    "request body is marked base64-encoded but is not valid base64");
        }
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new RelayException(ErrorCode.INVALID_JSON, "request body is not valid UTF-8");
        }
    }

    /**
     * Unpaired surrogates (JSON escapes like {@code \ud800}) anywhere in a body: DynamoDB refuses such strings,
     * which would be a 500 on every retry. The code names the top-level field (INVALID_URL, INVALID_DESCRIPTION...).
     */
    private static void refuseLoneSurrogates(JsonNode node, String field) {
        if (node == null) {
            return;
        }
        if (node.isTextual() && Text.hasLoneSurrogate(node.textValue())) {
            String name = field == null ? "body" : field;
            throw new RelayException(field == null ? ErrorCode.INVALID_BODY
                            : NAMED_FIELDS.getOrDefault(field, ErrorCode.INVALID_BODY),
                    "Field " + Text.truncate(name, ECHO_LIMIT)
                            + " contains an unpaired UTF-16 surrogate (an escape such as \\ud800 "
                            + "without its pair), which is not Unicode text",
                    Map.of("field", Text.truncate(name, ECHO_LIMIT)));
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                String name = field == null ? entry.getKey() : field;
                if (Text.hasLoneSurrogate(entry.getKey())) {
                    throw new RelayException(ErrorCode.INVALID_BODY,
                            "A field name contains an unpaired UTF-16 surrogate",
                            Map.of("field", "body"));
                }
                refuseLoneSurrogates(entry.getValue(), name);
            }
        } else if (node.isArray()) {
            node.forEach(element -> refuseLoneSurrogates(element, field));
        }
    }

    private static String header(APIGatewayProxyRequestEvent request, String name) {
        if (request.getHeaders() == null) {
            return null;
        }
        return request.getHeaders().entrySet().stream()
                .filter(e -> e.getKey() != null && e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }
}
