package com.algohire.relay.isolation;

import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.StructuredLog;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Tells operators of every subscription state change: one structured log line each (the record, always), and an
 * SNS message to the notification topic when the stack made one (locally there is none: the log line is all).
 * A failed publish is logged and swallowed: a notice must never fail or undo the change it reports.
 */
public final class Notifier {
    /**
     * One state change of one subscription.
     *
     * @param change       what happened: BREAKER_OPENED, BREAKER_HALF_OPEN, BREAKER_CLOSED, DEGRADED, RECOVERED
     *                     (back to healthy), DISABLED, ENABLED, PAUSED, RESUMED
     * @param from         the display state before (e.g. healthy), or null
     * @param to           the display state after
     * @param reason       why, in words a person reads (e.g. "10 consecutive failures", "receiver answered 410")
     * @param lastStatus   the last attempt's status (HTTP 503, TIMEOUT, ...), or null
     * @param lastResponse the start of the last failed response's body, or null
     * @param actor        who decided: "relay" for automatic decisions, the operator's identity otherwise
     */
    public record StateChange(String subscriptionId, String change, String from, String to, String reason,
                              String lastStatus, String lastResponse, String actor, Instant at) {
    }

    private final SnsClient sns;
    private final String topicArn;
    private final StructuredLog log;

    /** @param topicArn the notification topic, or empty / null for the log line only */
    public Notifier(SnsClient sns, String topicArn, StructuredLog log) {
        this.sns = sns;
        this.topicArn = topicArn == null ? "" : topicArn;
        this.log = log;
    }

    /** A notifier that only logs (the local runtime, and tests that do not look at SNS). */
    public static Notifier logOnly(StructuredLog log) {
        return new Notifier(null, "", log);
    }

    public void notify(StateChange change) {
        Map<String, Object> fields = fields(change);
        log.warn("subscription state changed", fields);
        if (topicArn.isEmpty() || sns == null) {
            return;
        }
        try {
            String message = Json.mapper().writeValueAsString(fields);
            String subject = ("Webhook subscription " + change.to() + ": " + change.subscriptionId());
            sns.publish(r -> r.topicArn(topicArn).subject(subject.length() > 100 ? subject.substring(0, 100) : subject)
                    .message(message));
        } catch (JsonProcessingException | RuntimeException e) {
            log.error("could not publish a subscription state change", Map.of(
                    "subscriptionId", change.subscriptionId(), "change", change.change(),
                    "exception", e.getClass().getName()));
        }
    }

    private static Map<String, Object> fields(StateChange c) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("subscriptionId", c.subscriptionId());
        fields.put("change", c.change());
        fields.put("from", c.from());
        fields.put("to", c.to());
        fields.put("reason", c.reason());
        fields.put("lastStatus", c.lastStatus());
        fields.put("lastResponse", c.lastResponse());
        fields.put("actor", c.actor());
        fields.put("at", c.at() == null ? null : c.at().toString());
        return fields;
    }
}
