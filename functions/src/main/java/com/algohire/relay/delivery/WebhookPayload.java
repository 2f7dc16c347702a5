package com.algohire.relay.delivery;

import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.StoredEvent;
import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The body every subscriber receives, in the Standard Webhooks shape:
 * {@code {"id": eventId, "type": eventType, "timestamp": receivedAt, "data": payload}}. {@code id} is the event's id
 * (the same for every subscriber and for replays, so receivers can recognise an event they already processed);
 * the {@code webhook-id} header identifies one delivery instead. The payload is copied verbatim.
 */
final class WebhookPayload {
    private WebhookPayload() {
    }

    static String body(StoredEvent event) {
        StringWriter out = new StringWriter(event.payloadJson().length() + 200);
        try (JsonGenerator json = Json.mapper().getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", event.eventId());
            json.writeStringField("type", event.eventType());
            json.writeStringField("timestamp", EventItems.timestamp(event.receivedAt()));
            json.writeFieldName("data");
            json.writeRawValue(event.payloadJson());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
