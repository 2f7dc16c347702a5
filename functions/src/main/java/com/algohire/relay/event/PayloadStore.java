package com.algohire.relay.event;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Payloads too large for a DynamoDB item, kept as objects at {@code payloads/<eventId>.json} in the payload bucket. */
public final class PayloadStore {
    private final Supplier<S3Client> s3;
    private final String bucket;

    public PayloadStore(S3Client s3, String bucket) {
        this(() -> s3, bucket);
    }

    /**
     * With the client asked for at the first payload that needs it: the ingest function builds its S3 client only
     * then ({@code AwsClients.lazyS3}), since most events are stored inline.
     */
    public PayloadStore(Supplier<S3Client> s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Writes the payload and returns its object key. Encryption at rest is the bucket's default (SSE). */
    public String put(String eventId, String payloadJson) {
        String key = EventItems.payloadKey(eventId);
        s3.get().putObject(r -> r.bucket(bucket).key(key).contentType("application/json"),
                RequestBody.fromBytes(payloadJson.getBytes(StandardCharsets.UTF_8)));
        return key;
    }

    public String get(String key) {
        return s3.get().getObjectAsBytes(r -> r.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
    }

    public void delete(String key) {
        s3.get().deleteObject(r -> r.bucket(bucket).key(key));
    }
}
