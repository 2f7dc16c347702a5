package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiErrorsTest {

    /** The statuses the README's error tables promise. */
    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
            "MISSING_IDEMPOTENCY_KEY, 400", "INVALID_IDEMPOTENCY_KEY, 400", "INVALID_JSON, 400", "INVALID_BODY, 400",
            "MISSING_EVENT_TYPE, 400", "INVALID_EVENT_TYPE, 400", "MISSING_PAYLOAD, 400", "INVALID_PAYLOAD, 400",
            "DUPLICATE_EVENT, 409", "IDEMPOTENCY_KEY_REUSED, 409", "REQUEST_IN_PROGRESS, 409",
            "PAYLOAD_TOO_LARGE, 413", "UNSUPPORTED_MEDIA_TYPE, 415", "QUEUE_UNAVAILABLE, 503", "INTERNAL_ERROR, 500",
            "EVENT_NOT_FOUND, 404", "SUBSCRIPTION_NOT_FOUND, 404", "ROUTE_NOT_FOUND, 404", "METHOD_NOT_ALLOWED, 405",
            "INVALID_EVENT_ID, 400", "INVALID_LIMIT, 400", "INVALID_CURSOR, 400", "INVALID_FROM, 400",
                    "INVALID_TO, 400",
            "INVALID_RANGE, 400", "INVALID_URL, 400", "INVALID_EVENT_TYPES, 400", "INVALID_DESCRIPTION, 400",
            "INVALID_ACTIVE, 400", "INVALID_SUBSCRIPTION_ID, 400", "UNKNOWN_FIELD, 400",
            "SUBSCRIPTION_MODIFIED, 409", "SUBSCRIPTION_INACTIVE, 409", "SUBSCRIPTION_NOT_MATCHING, 409",
            "REDRIVE_IN_PROGRESS, 409", "INVALID_SINCE, 400", "RECOVERY_NOT_FOUND, 404",
            "CONFLICTING_PARAMETERS, 400"})
    void status_ofEachCode_isTheDocumentedOne(ErrorCode code, int status) {
        assertThat(ApiErrors.status(code)).isEqualTo(status);
    }

    @Test
    void response_whenDetailsGiven_putsThemBesideCodeAndMessageWithTheSecurityHeaders() {
        APIGatewayProxyResponseEvent response = ApiErrors.response(new RelayException(ErrorCode.DUPLICATE_EVENT,
                "An event with this x-idempotency-key was already accepted.", Map.of("eventId", "e-1")));

        assertThat(response.getStatusCode()).isEqualTo(409);
        assertThat(response.getHeaders()).containsAllEntriesOf(ApiResponses.SECURITY_HEADERS);
        JsonNode body = Requests.json(response);
        assertThat(body.get("success").booleanValue()).isFalse();
        assertThat(body.at("/error/code").textValue()).isEqualTo("DUPLICATE_EVENT");
        assertThat(body.at("/error/message").textValue())
                .isEqualTo("An event with this x-idempotency-key was already accepted.");
        assertThat(body.at("/error/eventId").textValue()).isEqualTo("e-1");
    }
}
