package com.algohire.relay.api;

import java.util.Map;

/**
 * A request the relay refuses, with the HTTP status, a machine-readable code and a human message that names
 * the field at fault. {@code details} are extra fields of the error object (e.g. the original {@code eventId}).
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> details;

    public ApiException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public ApiException(int status, String code, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = Map.copyOf(details);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }
}
