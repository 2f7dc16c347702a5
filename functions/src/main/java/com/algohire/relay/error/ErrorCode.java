package com.algohire.relay.error;

/**
 * The machine-readable code of every error the relay answers, as it appears in {@code error.code}. Domain code
 * names the code; only the {@code api} package decides what HTTP status it is ({@code ApiErrors}), so a new code
 * does not compile until it has one.
 */
public enum ErrorCode {
    // What was sent: its form, headers and fields.
    UNSUPPORTED_MEDIA_TYPE,
    PAYLOAD_TOO_LARGE,
    INVALID_JSON,
    INVALID_BODY,
    UNKNOWN_FIELD,
    MISSING_IDEMPOTENCY_KEY,
    INVALID_IDEMPOTENCY_KEY,
    MISSING_EVENT_TYPE,
    INVALID_EVENT_TYPE,
    MISSING_PAYLOAD,
    INVALID_PAYLOAD,
    INVALID_EVENT_ID,
    INVALID_LIMIT,
    INVALID_CURSOR,
    INVALID_FROM,
    INVALID_TO,
    INVALID_RANGE,
    INVALID_URL,
    INVALID_EVENT_TYPES,
    INVALID_DESCRIPTION,
    INVALID_ACTIVE,
    INVALID_SUBSCRIPTION_ID,
    INVALID_SINCE,
    /** Query parameters that cannot go together, e.g. idempotencyKey with a list filter. */
    CONFLICTING_PARAMETERS,

    // What was named: a route, or a resource that does not exist.
    ROUTE_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    EVENT_NOT_FOUND,
    SUBSCRIPTION_NOT_FOUND,
    RECOVERY_NOT_FOUND,

    // What the request meets: state that refuses it now.
    DUPLICATE_EVENT,
    IDEMPOTENCY_KEY_REUSED,
    REQUEST_IN_PROGRESS,
    SUBSCRIPTION_MODIFIED,
    SUBSCRIPTION_INACTIVE,
    SUBSCRIPTION_NOT_MATCHING,
    REDRIVE_IN_PROGRESS,

    // Ours: a dependency that failed, or our own fault.
    QUEUE_UNAVAILABLE,
    INTERNAL_ERROR
}
