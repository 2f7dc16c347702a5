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
    /** The slow lane: a second delivery queue for degraded and failing subscriptions (empty: no slow lane). */
    public static final String DELIVERY_SLOW_QUEUE_URL = "DELIVERY_SLOW_QUEUE_URL";
    /** SNS topic that hears of every subscription state change (empty: the log line only, as locally). */
    public static final String NOTIFICATION_TOPIC_ARN = "NOTIFICATION_TOPIC_ARN";
    /** Hours of continuous failure after which a subscription is disabled (default 120, as Svix). */
    public static final String DISABLE_AFTER_HOURS = "DISABLE_AFTER_HOURS";
    /** Consecutive failed attempts that open a subscription's breaker (default 10, as Convoy). */
    public static final String BREAKER_CONSECUTIVE_FAILURES = "BREAKER_CONSECUTIVE_FAILURES";
    /** Failure rate, in percent, over the window that opens the breaker (default 70, as Convoy). */
    public static final String BREAKER_FAILURE_RATE_PERCENT = "BREAKER_FAILURE_RATE_PERCENT";
    /** Attempts the window must hold before its failure rate counts (default 10, as Convoy). */
    public static final String BREAKER_MIN_REQUESTS = "BREAKER_MIN_REQUESTS";
    /** Length of the breaker's window in seconds (default 300, as Convoy). */
    public static final String BREAKER_WINDOW_SECONDS = "BREAKER_WINDOW_SECONDS";
    /** First cool-down of an opened breaker before its probe, in seconds (default 30; doubles per failed probe). */
    public static final String BREAKER_COOLDOWN_SECONDS = "BREAKER_COOLDOWN_SECONDS";
    /** Longest cool-down between probes, in seconds (default 900: SQS's longest message delay). */
    public static final String BREAKER_MAX_COOLDOWN_SECONDS = "BREAKER_MAX_COOLDOWN_SECONDS";
    /** Latency (EWMA, ms) above which a subscription is degraded and delivered on the slow lane (default 1000). */
    public static final String SLOW_LATENCY_MS = "SLOW_LATENCY_MS";
    /** Every metric's {@code Stack} dimension (RelayMetrics.STACK): the stack's name ({@code local} by default). */
    public static final String METRICS_STACK = "METRICS_STACK";
    /** Overrides the AWS endpoint for every client (local runtime, tests, LocalStack). */
    public static final String AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL";
    public static final String AWS_REGION = "AWS_REGION";

    private EnvVars() {
    }
}
