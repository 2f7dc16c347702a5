package com.algohire.relay.event;

/**
 * A message on the delivery queue, carrying ids only (the event itself stays in DynamoDB/S3), as Svix does.
 * {@code FAN_OUT}: an accepted event, to be split into one {@code DELIVER} task per matching subscription.
 * {@code DELIVER}: one event to one subscription; {@code webhookId} stays the same across its retries.
 */
public record DeliveryTask(Kind kind, String eventId, String eventType, String subscriptionId, String webhookId) {

    public enum Kind { FAN_OUT, DELIVER }

    public static DeliveryTask fanOut(String eventId, String eventType) {
        return new DeliveryTask(Kind.FAN_OUT, eventId, eventType, null, null);
    }

    public static DeliveryTask deliver(String eventId, String eventType, String subscriptionId, String webhookId) {
        return new DeliveryTask(Kind.DELIVER, eventId, eventType, subscriptionId, webhookId);
    }
}
