package com.algohire.relay.config;

/**
 * Names of the environment variables the functions read; the CDK stack and the local runtime set them
 * through these same constants, so a rename cannot leave one side behind.
 */
public final class EnvVars {
    public static final String EVENTS_TABLE = "EVENTS_TABLE";
    public static final String SUBSCRIPTIONS_TABLE = "SUBSCRIPTIONS_TABLE";
    public static final String PAYLOAD_BUCKET = "PAYLOAD_BUCKET";
    public static final String DELIVERY_QUEUE_URL = "DELIVERY_QUEUE_URL";
    public static final String DELIVERY_DLQ_URL = "DELIVERY_DLQ_URL";
    /** Comma-separated event domains accepted in {@code eventType} (default: job,candidate,interview,assessment). */
    public static final String KNOWN_EVENT_DOMAINS = "KNOWN_EVENT_DOMAINS";
    /** Days an event, its payload object and its delivery log are kept (default 30). */
    public static final String EVENT_RETENTION_DAYS = "EVENT_RETENTION_DAYS";
    /** Retries after the first delivery attempt (default 3), named as in the ingestion spec (docs/architecture.md). */
    public static final String MAX_RETRY_ATTEMPTS = "MAX_RETRY_ATTEMPTS";
    /** Comma-separated backoff schedule in seconds, one entry per retry (the last repeats). */
    public static final String RETRY_SCHEDULE_SECONDS = "RETRY_SCHEDULE_SECONDS";
    public static final String DELIVERY_TIMEOUT_MS = "DELIVERY_TIMEOUT_MS";
    /** Comma-separated host[:port] entries exempt from the SSRF guard (local development and tests only). */
    public static final String SSRF_ALLOWLIST = "SSRF_ALLOWLIST";
    /** Hours an old signing secret keeps signing after a rotation (default 24). */
    public static final String SECRET_ROTATION_OVERLAP_HOURS = "SECRET_ROTATION_OVERLAP_HOURS";
    /** Seconds an un-queued event must have waited before the sweeper queues it (default 60). */
    public static final String SWEEP_GRACE_SECONDS = "SWEEP_GRACE_SECONDS";
    /** Overrides the AWS endpoint for every client (local runtime, tests, LocalStack). */
    public static final String AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL";
    public static final String AWS_REGION = "AWS_REGION";

    private EnvVars() {
    }
}
