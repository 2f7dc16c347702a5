package com.algohire.relay.audit;

import java.time.Instant;

/**
 * One operator action as the audit trail keeps it.
 *
 * @param actor     the IAM principal ARN API Gateway authenticated, or {@code local-admin}
 * @param action    what was done, e.g. {@code subscription.pause}
 * @param target    the subscription or event id acted on, or {@code dlq}
 * @param at        when the record was written (after the action succeeded)
 * @param requestId API Gateway's request id, else the router's own
 * @param status    the HTTP status the action answered
 */
public record AuditEntry(String actor, String action, String target, Instant at, String requestId, int status) {
}
