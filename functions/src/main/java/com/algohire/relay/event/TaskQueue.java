package com.algohire.relay.event;

import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Puts {@link DeliveryTask} messages on the delivery queue as JSON; used by ingest, the sweeper, delivery and replay.
 */
public final class TaskQueue {
    /** SQS's ceiling for a per-message delay. */
    private static final Duration MAX_DELAY = Duration.ofMinutes(15);

    private final SqsClient sqs;
    private final String queueUrl;

    public TaskQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /** Sends the task now; returns the SQS message id. Any SDK failure propagates to the caller. */
    public String send(DeliveryTask task) {
        return send(task, Duration.ZERO);
    }

    /** Sends the task to become visible after {@code delay} (capped at SQS's 15 minutes). */
    public String send(DeliveryTask task, Duration delay) {
        String body = toJson(task);
        int seconds = (int) Math.min(Math.max(0, delay.toSeconds()), MAX_DELAY.toSeconds());
        return sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body).delaySeconds(seconds)).messageId();
    }

    public static String toJson(DeliveryTask task) {
        try {
            return Json.mapper().writeValueAsString(task);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("delivery task is not serializable", e);
        }
    }

    public static DeliveryTask fromJson(String body) {
        try {
            return Json.mapper().readValue(body, DeliveryTask.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a delivery task message", e);
        }
    }
}
