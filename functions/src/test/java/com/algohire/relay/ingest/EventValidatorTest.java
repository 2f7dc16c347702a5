package com.algohire.relay.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.algohire.relay.api.ApiErrors;
import com.algohire.relay.error.RelayException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventValidatorTest {
    private static final String VALID_BODY = "{\"eventType\":\"job.created\",\"payload\":{\"jobId\":\"job_123\"}}";
    private final EventValidator validator = new EventValidator(Set.of("job", "candidate", "interview", "assessment"));

    private static Map<String, String> headers(String contentType, String key) {
        Map<String, String> headers = new HashMap<>();
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        if (key != null) {
            headers.put("x-idempotency-key", key);
        }
        return headers;
    }

    static Stream<Arguments> badRequests() {
        String json = "application/json";
        return Stream.of(
                Arguments.of("no content type", headers(null, "k1"), VALID_BODY, 415, "UNSUPPORTED_MEDIA_TYPE"),
                Arguments.of("text/plain", headers("text/plain", "k1"), VALID_BODY, 415, "UNSUPPORTED_MEDIA_TYPE"),
                Arguments.of("application/jsonx", headers("application/jsonx", "k1"), VALID_BODY, 415,
                        "UNSUPPORTED_MEDIA_TYPE"),
                Arguments.of("latin-1 charset", headers("application/json; charset=iso-8859-1", "k1"), VALID_BODY, 415,
                        "UNSUPPORTED_MEDIA_TYPE"),
                Arguments.of("missing key", headers(json, null), VALID_BODY, 400, "MISSING_IDEMPOTENCY_KEY"),
                Arguments.of("empty key", headers(json, ""), VALID_BODY, 400, "INVALID_IDEMPOTENCY_KEY"),
                Arguments.of("256-char key", headers(json, "k".repeat(256)), VALID_BODY, 400,
                        "INVALID_IDEMPOTENCY_KEY"),
                Arguments.of("key with space", headers(json, "a b"), VALID_BODY, 400, "INVALID_IDEMPOTENCY_KEY"),
                Arguments.of("key with NUL", headers(json, "a\0b"), VALID_BODY, 400, "INVALID_IDEMPOTENCY_KEY"),
                Arguments.of("key with non-ASCII", headers(json, "clé"), VALID_BODY, 400, "INVALID_IDEMPOTENCY_KEY"),
                Arguments.of("empty body", headers(json, "k1"), "", 400, "INVALID_JSON"),
                Arguments.of("not JSON", headers(json, "k1"), "eventType=job.created", 400, "INVALID_JSON"),
                Arguments.of("trailing garbage", headers(json, "k1"), VALID_BODY + "{}", 400, "INVALID_JSON"),
                Arguments.of("trailing comma", headers(json, "k1"), "{\"eventType\":\"job.created\",\"payload\":{},}",
                        400, "INVALID_JSON"),
                Arguments.of("array body", headers(json, "k1"), "[" + VALID_BODY + "]", 400, "INVALID_BODY"),
                Arguments.of("string body", headers(json, "k1"), "\"job.created\"", 400, "INVALID_BODY"),
                Arguments.of("null body", headers(json, "k1"), "null", 400, "INVALID_BODY"),
                Arguments.of("duplicate top-level key", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"eventType\":\"job.deleted\",\"payload\":{}}", 400,
                                "INVALID_JSON"),
                Arguments.of("duplicate payload key", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\":1,\"a\":2}}", 400, "INVALID_JSON"),
                Arguments.of("missing eventType", headers(json, "k1"), "{\"payload\":{}}", 400, "MISSING_EVENT_TYPE"),
                Arguments.of("null eventType", headers(json, "k1"), "{\"eventType\":null,\"payload\":{}}", 400,
                        "MISSING_EVENT_TYPE"),
                Arguments.of("empty eventType", headers(json, "k1"), "{\"eventType\":\"\",\"payload\":{}}", 400,
                        "MISSING_EVENT_TYPE"),
                Arguments.of("numeric eventType", headers(json, "k1"), "{\"eventType\":7,\"payload\":{}}", 400,
                        "INVALID_EVENT_TYPE"),
                Arguments.of("upper-case eventType", headers(json, "k1"),
                        "{\"eventType\":\"Job.Created\",\"payload\":{}}", 400, "INVALID_EVENT_TYPE"),
                Arguments.of("no action", headers(json, "k1"), "{\"eventType\":\"job\",\"payload\":{}}", 400,
                        "INVALID_EVENT_TYPE"),
                Arguments.of("trailing dot", headers(json, "k1"), "{\"eventType\":\"job.\",\"payload\":{}}", 400,
                        "INVALID_EVENT_TYPE"),
                Arguments.of("unknown domain", headers(json, "k1"), "{\"eventType\":\"payroll.run\",\"payload\":{}}",
                        400, "INVALID_EVENT_TYPE"),
                Arguments.of("NUL in eventType", headers(json, "k1"),
                        "{\"eventType\":\"job.cre\\u0000ated\",\"payload\":{}}", 400, "INVALID_EVENT_TYPE"),
                Arguments.of("missing payload", headers(json, "k1"), "{\"eventType\":\"job.created\"}", 400,
                        "MISSING_PAYLOAD"),
                Arguments.of("null payload", headers(json, "k1"), "{\"eventType\":\"job.created\",\"payload\":null}",
                        400, "MISSING_PAYLOAD"),
                Arguments.of("array payload", headers(json, "k1"), "{\"eventType\":\"job.created\",\"payload\":[1]}",
                        400, "INVALID_PAYLOAD"),
                Arguments.of("string payload", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":\"{}\"}", 400, "INVALID_PAYLOAD"),
                Arguments.of("NUL in payload string", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\":[\"x\\u0000\"]}}", 400, "INVALID_PAYLOAD"),
                Arguments.of("NUL in payload key", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\\u0000\":1}}", 400, "INVALID_PAYLOAD"),
                Arguments.of("lone high surrogate in payload string", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\":{\"b\":\"x\\ud800\"}}}", 400,
                                "INVALID_PAYLOAD"),
                // Jackson itself refuses an unpaired surrogate in a field name: a parse error, still a 400.
                Arguments.of("lone high surrogate in payload key", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"\\ud800\":1}}", 400, "INVALID_JSON"),
                Arguments.of("lone low surrogate in payload key", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"\\udc00\":1}}", 400, "INVALID_JSON"),
                Arguments.of("reversed surrogate pair in payload", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\":[\"\\udc00\\ud800\"]}}", 400,
                                "INVALID_PAYLOAD"),
                Arguments.of("raw control character", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\":\"x\u0001y\"}}", 400, "INVALID_JSON"),
                Arguments.of("nesting 200 deep", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":" + "{\"a\":".repeat(200) + "1" + "}".repeat(201),
                                400, "INVALID_JSON"),
                Arguments.of("1000-digit number", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"n\":" + "9".repeat(1000) + "}}", 400,
                                "INVALID_JSON"),
                Arguments.of("exponent below int range", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"n\":1e-2147483648}}", 400, "INVALID_JSON"),
                Arguments.of("exponent above int range", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"n\":1e99999999999999}}", 400, "INVALID_JSON"),
                Arguments.of("unpaired surrogate", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\":\"\uD800\"}}", 400, "INVALID_JSON"),
                Arguments.of("body over 1 MiB", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\":\""
                                + "x".repeat(EventValidator.MAX_BODY_BYTES) + "\"}}",
                        413, "PAYLOAD_TOO_LARGE"),
                Arguments.of("multibyte body over 1 MiB in bytes, under in chars", headers(json, "k1"),
                        "{\"eventType\":\"job.created\",\"payload\":{\"a\":\""
                                + "é".repeat(EventValidator.MAX_BODY_BYTES / 2) + "\"}}",
                        413, "PAYLOAD_TOO_LARGE"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void validate_whenRequestIsBad_refusesWithStatusAndCode(String name, Map<String, String> headers, String body,
                                                           int status, String code) {
        assertThatThrownBy(() -> validator.validate(headers, null, body, false))
                .isInstanceOfSatisfying(RelayException.class, e -> {
                    assertThat(ApiErrors.status(e.code())).isEqualTo(status);
                    assertThat(e.code().name()).isEqualTo(code);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }

    @Test
    void validate_whenValid_returnsKeyTypeAndCompactPayload() {
        IngestRequest request = validator.validate(Map.of("CONTENT-TYPE", "Application/JSON; charset=\"UTF-8\"",
                "X-Idempotency-Key", "job-123"), null,
                        "{ \"eventType\": \"job.created\", \"payload\": {\"b\": 1.10, \"a\": [1, 2e3]} }", false);

        assertThat(request.idempotencyKey()).isEqualTo("job-123");
        assertThat(request.eventType()).isEqualTo("job.created");
        assertThat(request.payloadJson()).isEqualTo("{\"b\":1.10,\"a\":[1,2E+3]}");
        assertThat(request.requestHash()).hasSize(64);
    }

    @Test
    void validate_whenKeyIs255VisibleCharacters_accepts() {
        String key = "~".repeat(255);
        assertThat(validator.validate(headers("application/json", key), null, VALID_BODY, false).idempotencyKey())
                .isEqualTo(key);
    }

    @Test
    void validate_whenKeySentTwiceWithDifferentValues_refuses() {
        assertThatThrownBy(() -> validator.validate(null, Map.of("Content-Type", List.of("application/json"),
                "x-idempotency-key", List.of("a", "b")), VALID_BODY, false))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code().name())
                        .isEqualTo("INVALID_IDEMPOTENCY_KEY"));
    }

    @Test
    void validate_whenBase64BodyIsInvalidUtf8_refusesAsInvalidJson() {
        byte[] bytes = "{\"eventType\":\"job.created\",\"payload\":{\"a\":\"\"}}".getBytes(StandardCharsets.UTF_8);
        byte[] broken = new byte[bytes.length + 1];
        int quote = bytes.length - 3;
        System.arraycopy(bytes, 0, broken, 0, quote);
        broken[quote] = (byte) 0xC3; // a lead byte with no continuation
        System.arraycopy(bytes, quote, broken, quote + 1, bytes.length - quote);
        String body = Base64.getEncoder().encodeToString(broken);

        assertThatThrownBy(() -> validator.validate(headers("application/json", "k1"), null, body, true))
                .isInstanceOfSatisfying(RelayException.class, e -> {
                    assertThat(ApiErrors.status(e.code())).isEqualTo(400);
                    assertThat(e.code().name()).isEqualTo("INVALID_JSON");
                });
    }

    @Test
    void validate_whenBase64BodyDecodesOver1MiB_refusesWith413() {
        String body = Base64.getEncoder().encodeToString(new byte[EventValidator.MAX_BODY_BYTES + 1]);
        assertThatThrownBy(() -> validator.validate(headers("application/json", "k1"), null, body, true))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(ApiErrors.status(e.code()))
                        .isEqualTo(413));
    }

    @Test
    void validate_whenBase64BodyIsValid_decodesIt() {
        String body = Base64.getEncoder().encodeToString(VALID_BODY.getBytes(StandardCharsets.UTF_8));
        assertThat(validator.validate(headers("application/json", "k1"), null, body, true).eventType())
                .isEqualTo("job.created");
    }

    @Test
    void validate_whenBodyIsExactly1MiB_accepts() {
        String prefix = "{\"eventType\":\"job.created\",\"payload\":{\"a\":\"";
        String suffix = "\"}}";
        String body = prefix + "x".repeat(EventValidator.MAX_BODY_BYTES - prefix.length() - suffix.length()) + suffix;
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(EventValidator.MAX_BODY_BYTES);

        assertThat(validator.validate(headers("application/json", "k1"), null, body, false).eventType())
                .isEqualTo("job.created");
    }

    @Test
    void requestHash_whenOnlyKeyOrderDiffers_isEqual() {
        IngestRequest a = validator.validate(headers("application/json", "k1"), null,
                "{\"eventType\":\"job.created\",\"payload\":{\"x\":1,\"y\":{\"p\":1,\"q\":2}}}", false);
        IngestRequest b = validator.validate(headers("application/json", "k1"), null,
                "{\"payload\":{\"y\":{\"q\":2,\"p\":1},\"x\":1},\"eventType\":\"job.created\"}", false);
        IngestRequest c = validator.validate(headers("application/json", "k1"), null,
                "{\"eventType\":\"job.updated\",\"payload\":{\"x\":1,\"y\":{\"p\":1,\"q\":2}}}", false);

        assertThat(a.requestHash()).isEqualTo(b.requestHash()).isNotEqualTo(c.requestHash());
    }

    /** Mutated and random bodies: every outcome is a valid request or a 4xx, never another exception. */
    @Test
    void validate_whenFuzzed_neverFailsWithAnythingButA4xx() {
        Random random = new Random(20240110);
        List<String> seeds = new ArrayList<>(List.of(VALID_BODY,
                "{\"eventType\":\"interview.scheduled\","
                        + "\"payload\":{\"n\":-1.5e308,\"u\":\"\\ud83d\\ude00\",\"l\":[[],{}]}}"));
        String alphabet = "{}[]\":,.-+eE0123456789\\/ntrfu\u0000\u00e9\uD83D\uDE00\uD800 abcxyz";
        int outcomes4xx = 0;
        for (int i = 0; i < 5000; i++) {
            StringBuilder body = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            int edits = 1 + random.nextInt(6);
            for (int e = 0; e < edits && body.length() > 0; e++) {
                int at = random.nextInt(body.length());
                switch (random.nextInt(3)) {
                    case 0 -> body.deleteCharAt(at);
                    case 1 -> body.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> body.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            boolean base64 = random.nextInt(10) == 0;
            String sent = base64 ? Base64.getEncoder().encodeToString(randomBytes(random,
                    body.toString())) : body.toString();
            try {
                validator.validate(headers("application/json", "fuzz-" + i), null, sent, base64);
            } catch (RelayException e) {
                assertThat(ApiErrors.status(e.code())).as("status for %s", body).isBetween(400, 499);
                outcomes4xx++;
            }
        }
        assertThat(outcomes4xx).isGreaterThan(1000);
    }

    private static byte[] randomBytes(Random random, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        return bytes;
    }
}
