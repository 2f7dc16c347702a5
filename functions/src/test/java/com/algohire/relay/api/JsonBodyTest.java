package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonBodyTest {

    private static APIGatewayProxyRequestEvent base64(String body) {
        return new APIGatewayProxyRequestEvent().withHeaders(Map.of("Content-Type", "application/json"))
                .withIsBase64Encoded(true).withBody(body);
    }

    @Test
    void read_whenBase64BodyIsNotBase64_refusesAsInvalidJsonNotA500() {
        assertThatThrownBy(() -> JsonBody.read(base64("%%% not base64 %%%"), true))
                .isInstanceOfSatisfying(RelayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_JSON);
                    assertThat(ApiErrors.status(e.code())).isEqualTo(400);
                });
    }

    @Test
    void read_whenBase64BodyIsNotUtf8_refusesAsInvalidJson() {
        String invalidUtf8 = Base64.getEncoder().encodeToString(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff,
                '"', '}'});

        assertThatThrownBy(() -> JsonBody.read(base64(invalidUtf8), true))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_JSON));
    }

    @Test
    void read_whenBase64BodyIsValid_decodesIt() {
        String body = Base64.getEncoder().encodeToString("{\"description\":\"é\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(JsonBody.read(base64(body), true).get("description").asText()).isEqualTo("é");
    }
}
