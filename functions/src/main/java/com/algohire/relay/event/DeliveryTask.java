package com.algohire.relay.event;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A message on the delivery queue, carrying ids only (the event itself stays in DynamoDB/S3), as Svix does.
 * {@code FAN_OUT}: an accepted event, to be split into one {@code DELIVER} task per matching subscription.
 * {@code DELIVER}: one event to one subscription; {@code webhookId} stays the same across its retries.
 *
 * <p>{@code replayId} is set on the FAN_OUT of an operator's replay only: the original delivery's webhook-ids are
 * derived from eventId and subscriptionId alone (so any re-queue of the event repeats them), a replay's from the
 * replay as well (so receivers that deduplicate on webhook-id do not discard what the operator asked for).
 */
@JsonInclude(JsonInclude.Include.NON_NULL) // absent, not null: a FAN_OUT carries only what it has
public record DeliveryTask(Kind kind, String eventId, String eventType, String subscriptionId, String webhookId,
                           String replayId) {

    public enum Kind { FAN_OUT, DELIVER }

    public static DeliveryTask fanOut(String eventId, String eventType) {
        return new DeliveryTask(Kind.FAN_OUT, eventId, eventType, null, null, null);
    }

    /** The FAN_OUT of an operator's replay: every matching subscription gets a webhook-id of this replay's own. */
    public static DeliveryTask replayFanOut(String eventId, String eventType, String replayId) {
        return new DeliveryTask(Kind.FAN_OUT, eventId, eventType, null, null, replayId);
    }

    public static DeliveryTask deliver(String eventId, String eventType, String subscriptionId, String webhookId) {
        return new DeliveryTask(Kind.DELIVER, eventId, eventType, subscriptionId, webhookId, null);
    }
}
