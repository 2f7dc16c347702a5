package com.algohire.relay.event;

import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.Text;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Puts {@link DeliveryTask} messages on the delivery queue as JSON; used by ingest, the sweeper, delivery and replay.
 */
public final class TaskQueue {
    /** SQS's ceiling for a per-message delay. */
    private static final Duration MAX_DELAY = Duration.ofMinutes(15);
    /** SQS's ceiling on the entries of one SendMessageBatch. */
    private static final int SQS_BATCH = 10;
    /** Tries of one SendMessageBatch's failed entries before {@link #sendAll} gives up. */
    static final int SEND_TRIES = 3;

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

    /**
     * Sends every task now, ten to a SendMessageBatch, re-sending only the entries SQS reports as failed: re-sending
     * a whole batch would queue a second copy of every task that did get through. Used by the fan-out, the drain of
     * held tasks and recover steps, whose message is retried whole when this throws (the copies a retry queues again
     * carry the same webhook-ids).
     *
     * @throws IllegalStateException when some entries still fail after {@link #SEND_TRIES} tries
     */
    public void sendAll(List<DeliveryTask> tasks) {
        for (int from = 0; from < tasks.size(); from += SQS_BATCH) {
            List<DeliveryTask> chunk = tasks.subList(from, Math.min(from + SQS_BATCH, tasks.size()));
            Map<String, SendMessageBatchRequestEntry> pending = new LinkedHashMap<>();
            for (int i = 0; i < chunk.size(); i++) {
                String id = Integer.toString(i);
                pending.put(id, SendMessageBatchRequestEntry.builder().id(id).messageBody(toJson(chunk.get(i)))
                        .build());
            }
            for (int attempt = 1; attempt <= SEND_TRIES && !pending.isEmpty(); attempt++) {
                List<SendMessageBatchRequestEntry> entries = List.copyOf(pending.values());
                sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)).successful()
                        .forEach(ok -> pending.remove(ok.id()));
            }
            if (!pending.isEmpty()) {
                throw new IllegalStateException("could not queue " + pending.size() + " of " + tasks.size()
                        + " tasks");
            }
        }
    }

    /**
     * The task as a message body, made {@link Text#wellFormed} as a last guard: SQS refuses a whole message over one
     * character outside XML 1.0's set, and a refused re-queue or DLQ send would stop the task's budget (its attempt
     * number would repeat for ever). Only {@code lastError} carries text from outside, and it is sanitised twice
     * before this (in the attempt's result, and in {@link DeliveryTask}); JSON's own syntax is ASCII, so a
     * replacement here could only fall inside a string value.
     */
    public static String toJson(DeliveryTask task) {
        try {
            return Text.wellFormed(Json.mapper().writeValueAsString(task));
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
