package com.algohire.relay.error;

import java.util.Map;

/**
 * A request the relay refuses or cannot finish, thrown by whichever layer finds out: a code, a human message that
 * names the field or value at fault, and {@code details}, extra fields of the error object (e.g. the original
 * {@code eventId}). It says nothing about HTTP: the {@code api} package maps the code to a status.
 *
 * <p>Not final, so a domain exception a caller wants to catch by type can carry its code too
 * ({@code DeadLetterQueue.RedriveInProgressException}).
 */
public class RelayException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final transient Map<String, Object> details;

    public RelayException(ErrorCode code, String message) {
        this(code, message, Map.of());
    }

    public RelayException(ErrorCode code, String message, Map<String, Object> details) {
        // No stack trace: these are answers, not faults, and some are thrown for every bad request.
        super(message, null, false, false);
        this.code = code;
        this.details = Map.copyOf(details);
    }

    public ErrorCode code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }
}
