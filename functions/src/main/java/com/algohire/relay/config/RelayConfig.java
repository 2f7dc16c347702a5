package com.algohire.relay.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every setting the functions read, parsed once from the environment into typed values; a missing or malformed
 * value fails the container's start with a message naming the variable.
 *
 * @param eventsTable              DynamoDB table of events, idempotency keys and delivery attempts
 * @param subscriptionsTable       DynamoDB table of webhook subscriptions
 * @param payloadBucket            S3 bucket for payloads too large for a DynamoDB item
 * @param deliveryQueueUrl         SQS queue of delivery tasks
 * @param deliveryDlqUrl           its dead-letter queue
 * @param knownDomains             accepted first segments of {@code eventType}
 * @param retention                how long events, payload objects and delivery logs are kept
 * @param maxRetryAttempts         retries after the first delivery attempt (MAX_RETRY_ATTEMPTS)
 * @param retrySchedule            backoff before retry n (index n-1; the last entry repeats)
 * @param deliveryTimeout          timeout of one webhook attempt
 * @param ssrfAllowlist            host[:port] entries exempt from the SSRF guard (local use only)
 * @param secretRotationOverlap    how long an old signing secret keeps signing after a rotation
 * @param sweepGrace               how long an event may sit un-queued before the sweeper queues it
 * @param deliverySlowQueueUrl     the slow lane's queue, or empty when there is none (then one queue serves all)
 * @param notificationTopicArn     SNS topic for subscription state changes, or empty (log line only)
 * @param isolation                breaker, slow-lane and auto-disable thresholds
 * @param metricsStack             the Stack dimension of every metric the functions emit ({@code local} by default)
 */
public record RelayConfig(
        String eventsTable,
        String subscriptionsTable,
        String payloadBucket,
        String deliveryQueueUrl,
        String deliveryDlqUrl,
        Set<String> knownDomains,
        Duration retention,
        int maxRetryAttempts,
        List<Duration> retrySchedule,
        Duration deliveryTimeout,
        Set<String> ssrfAllowlist,
        Duration secretRotationOverlap,
        Duration sweepGrace,
        String deliverySlowQueueUrl,
        String notificationTopicArn,
        Isolation isolation,
        String metricsStack) {

    /**
     * When a subscription's breaker opens, when it goes to the slow lane, and when it is disabled.
     *
     * @param consecutiveFailures failed attempts in a row that open the breaker
     * @param failureRatePercent  failure rate over {@code window} that opens it, once {@code minRequests} were made
     * @param minRequests         attempts the window must hold before its rate counts
     * @param window              the breaker's sliding window
     * @param cooldown            first wait of an opened breaker before its probe (doubles per failed probe)
     * @param maxCooldown         longest wait between probes
     * @param slowLatency         latency EWMA above which a subscription is delivered on the slow lane
     * @param disableAfter        continuous failure after which a subscription is disabled
     */
    public record Isolation(int consecutiveFailures, int failureRatePercent, int minRequests, Duration window,
                            Duration cooldown, Duration maxCooldown, Duration slowLatency, Duration disableAfter) {
        /** Convoy's breaker thresholds, Svix's five days, and a cool-down that fits one SQS message delay. */
        public static final Isolation DEFAULTS = new Isolation(10, 70, 10, Duration.ofMinutes(5),
                Duration.ofSeconds(30), Duration.ofMinutes(15), Duration.ofSeconds(1), Duration.ofHours(120));
    }

    public static final String DEFAULT_DOMAINS = "job,candidate,interview,assessment";
    /** Svix's schedule, trimmed to what SQS visibility allows (at most 12 h). */
    public static final String DEFAULT_RETRY_SCHEDULE = "5,300,1800,7200,18000,36000";

    public static RelayConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static RelayConfig fromEnvironment(Map<String, String> env) {
        return new RelayConfig(
                required(env, EnvVars.EVENTS_TABLE),
                env.getOrDefault(EnvVars.SUBSCRIPTIONS_TABLE, ""),
                required(env, EnvVars.PAYLOAD_BUCKET),
                required(env, EnvVars.DELIVERY_QUEUE_URL),
                env.getOrDefault(EnvVars.DELIVERY_DLQ_URL, ""),
                csv(env.getOrDefault(EnvVars.KNOWN_EVENT_DOMAINS, DEFAULT_DOMAINS)),
                Duration.ofDays(
                        positiveInt(env, EnvVars.EVENT_RETENTION_DAYS, RelaySchema.DEFAULT_EVENT_RETENTION_DAYS)),
                nonNegativeInt(env, EnvVars.MAX_RETRY_ATTEMPTS, RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS),
                schedule(env.getOrDefault(EnvVars.RETRY_SCHEDULE_SECONDS, DEFAULT_RETRY_SCHEDULE)),
                Duration.ofMillis(positiveInt(env, EnvVars.DELIVERY_TIMEOUT_MS,
                        RelaySchema.DEFAULT_DELIVERY_TIMEOUT_SECONDS * 1000)),
                csv(env.getOrDefault(EnvVars.SSRF_ALLOWLIST, "")),
                Duration.ofHours(nonNegativeInt(env, EnvVars.SECRET_ROTATION_OVERLAP_HOURS, 24)),
                Duration.ofSeconds(nonNegativeInt(env, EnvVars.SWEEP_GRACE_SECONDS, 60)),
                env.getOrDefault(EnvVars.DELIVERY_SLOW_QUEUE_URL, "").trim(),
                env.getOrDefault(EnvVars.NOTIFICATION_TOPIC_ARN, "").trim(),
                isolation(env),
                metricsStack(env));
    }

    private static String metricsStack(Map<String, String> env) {
        String value = env.getOrDefault(EnvVars.METRICS_STACK, "").trim();
        return value.isEmpty() ? "local" : value;
    }

    private static Isolation isolation(Map<String, String> env) {
        Isolation d = Isolation.DEFAULTS;
        int rate = positiveInt(env, EnvVars.BREAKER_FAILURE_RATE_PERCENT, d.failureRatePercent());
        if (rate > 100) {
            throw new IllegalStateException("environment variable " + EnvVars.BREAKER_FAILURE_RATE_PERCENT
                    + " must be a percentage from 1 to 100, was: " + rate);
        }
        Duration cooldown = Duration.ofSeconds(positiveInt(env, EnvVars.BREAKER_COOLDOWN_SECONDS,
                (int) d.cooldown().toSeconds()));
        Duration maxCooldown = Duration.ofSeconds(positiveInt(env, EnvVars.BREAKER_MAX_COOLDOWN_SECONDS,
                (int) d.maxCooldown().toSeconds()));
        if (maxCooldown.compareTo(cooldown) < 0) {
            throw new IllegalStateException("environment variable " + EnvVars.BREAKER_MAX_COOLDOWN_SECONDS
                    + " must be at least " + EnvVars.BREAKER_COOLDOWN_SECONDS);
        }
        return new Isolation(
                positiveInt(env, EnvVars.BREAKER_CONSECUTIVE_FAILURES, d.consecutiveFailures()),
                rate,
                positiveInt(env, EnvVars.BREAKER_MIN_REQUESTS, d.minRequests()),
                Duration.ofSeconds(positiveInt(env, EnvVars.BREAKER_WINDOW_SECONDS, (int) d.window().toSeconds())),
                cooldown, maxCooldown,
                Duration.ofMillis(positiveInt(env, EnvVars.SLOW_LATENCY_MS, (int) d.slowLatency().toMillis())),
                Duration.ofHours(positiveInt(env, EnvVars.DISABLE_AFTER_HOURS, (int) d.disableAfter().toHours())));
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is required");
        }
        return value.trim();
    }

    private static int positiveInt(Map<String, String> env, String name, int fallback) {
        int value = nonNegativeInt(env, name, fallback);
        if (value == 0) {
            throw new IllegalStateException("environment variable " + name + " must be positive");
        }
        return value;
    }

    private static int nonNegativeInt(Map<String, String> env, String name, int fallback) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("environment variable " + name + " must be a non-negative integer, was: "
                    + raw);
        }
    }

    private static Set<String> csv(String raw) {
        return Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    private static List<Duration> schedule(String raw) {
        try {
            List<Duration> steps = Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .map(s -> Duration.ofSeconds(Long.parseLong(s))).toList();
            if (steps.isEmpty() || steps.stream().anyMatch(Duration::isNegative)) {
                throw new NumberFormatException();
            }
            return steps;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("environment variable " + EnvVars.RETRY_SCHEDULE_SECONDS
                    + " must be comma-separated non-negative seconds, was: " + raw);
        }
    }
}
