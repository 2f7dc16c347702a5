package com.algohire.relay.event;

import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Payloads too large for a DynamoDB item, kept as objects at {@code payloads/<eventId>.json} in the payload bucket. */
public final class PayloadStore {
    private final S3Client s3;
    private final String bucket;

    public PayloadStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Writes the payload and returns its object key. Encryption at rest is the bucket's default (SSE). */
    public String put(String eventId, String payloadJson) {
        String key = EventItems.payloadKey(eventId);
        s3.putObject(r -> r.bucket(bucket).key(key).contentType("application/json"),
                RequestBody.fromBytes(payloadJson.getBytes(StandardCharsets.UTF_8)));
        return key;
    }

    public String get(String key) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
    }

    public void delete(String key) {
        s3.deleteObject(r -> r.bucket(bucket).key(key));
    }
}
