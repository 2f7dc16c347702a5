package com.algohire.relay.infra;

import com.algohire.relay.config.RelaySchema;
import java.util.Locale;
import java.util.regex.Pattern;
import software.constructs.Node;

/**
 * What a deployer chooses per account at {@code cdk deploy} time, as CDK context ({@code -c key=value} or the
 * {@code context} of cdk.json), read and checked once at synth so a typo fails there instead of in CloudFormation.
 *
 * @param alarmEmail               an address to subscribe to the alarm topic, or null for none
 * @param apiGatewayCloudWatchRole whether this stack creates an IAM role for API Gateway to write CloudWatch Logs
 *                                 with and sets it as the account's (one setting per account and region, which
 *                                 the stage's access and execution logs need); false: the account must have one
 * @param deliveryMaxConcurrency   how many delivery invocations the main lane's SQS event source runs at once
 *                                 (its maximum concurrency, 2 to 1000 as Lambda allows); each delivers a batch of
 *                                 up to 10
 * @param deliverySlowMaxConcurrency the same for the slow lane (degraded and failing subscriptions), kept smaller
 *                                 so that slow receivers never take the concurrency healthy ones need
 * @param ingestThrottle           POST /api/v1/events' throttles, from the context's ingestRateLimit
 * @param xrayTracing              X-Ray active tracing on the four functions and the API stage; off by default, since
 *                                 Lambda samples SQS- and schedule-triggered invocations at a fixed rate no sampling
 *                                 rule lowers (the first each second and 5 % of the rest), a bill that grows with the
 *                                 delivery volume, while the logs, metrics and access logs already carry request ids
 */
record DeployOptions(String alarmEmail, boolean apiGatewayCloudWatchRole, int deliveryMaxConcurrency,
                     int deliverySlowMaxConcurrency, IngestThrottle ingestThrottle, boolean xrayTracing) {

    static final String ALARM_EMAIL = "alarmEmail";
    static final String API_GATEWAY_CLOUDWATCH_ROLE = "apiGatewayCloudWatchRole";
    static final String DELIVERY_MAX_CONCURRENCY = "deliveryMaxConcurrency";
    static final String DELIVERY_SLOW_MAX_CONCURRENCY = "deliverySlowMaxConcurrency";
    static final String INGEST_RATE_LIMIT = "ingestRateLimit";
    static final String XRAY_TRACING = "xrayTracing";
    /**
     * 1,500 requests/s for POST /api/v1/events: the seed promises 1,000+ events per second, and this leaves half as
     * much again before API Gateway answers 429. README "Throughput headroom" says what limits come next.
     */
    static final int DEFAULT_INGEST_RATE_LIMIT = 1500;
    /** API Gateway's default account quota in a region (requests per second, all APIs together). */
    static final int ACCOUNT_RATE_QUOTA = 10_000;
    /**
     * 20 invocations, up to 200 webhooks in flight: room for a burst of the ingest limit's events, while leaving most
     * of a raised regional concurrency (1,000) to the other functions. Lambda lets an SQS event source run 2 to 1,000
     * at once. From {@link RelaySchema#DELIVERY_SOURCE}, which the local runtime's pollers follow too.
     */
    static final int DEFAULT_DELIVERY_MAX_CONCURRENCY = RelaySchema.DELIVERY_SOURCE.defaultMaxConcurrency();
    /**
     * 5 invocations for the slow lane ({@link RelaySchema#DELIVERY_SLOW_SOURCE}): a slow receiver holds an invocation
     * for up to the delivery timeout, so this caps what slow and failing receivers can take at once.
     */
    static final int DEFAULT_DELIVERY_SLOW_MAX_CONCURRENCY = RelaySchema.DELIVERY_SLOW_SOURCE.defaultMaxConcurrency();

    /** Deliberately loose: SNS checks the address, and the subscription only starts once its owner confirms. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    static DeployOptions fromContext(Node node) {
        return new DeployOptions(alarmEmail(node.tryGetContext(ALARM_EMAIL)),
                flag(API_GATEWAY_CLOUDWATCH_ROLE, node.tryGetContext(API_GATEWAY_CLOUDWATCH_ROLE)),
                concurrency(DELIVERY_MAX_CONCURRENCY, node.tryGetContext(DELIVERY_MAX_CONCURRENCY),
                        DEFAULT_DELIVERY_MAX_CONCURRENCY),
                concurrency(DELIVERY_SLOW_MAX_CONCURRENCY, node.tryGetContext(DELIVERY_SLOW_MAX_CONCURRENCY),
                        DEFAULT_DELIVERY_SLOW_MAX_CONCURRENCY),
                IngestThrottle.of(rateLimit(node.tryGetContext(INGEST_RATE_LIMIT))),
                flag(XRAY_TRACING, node.tryGetContext(XRAY_TRACING)));
    }

    /**
     * The ingest method's throttles, all derived from one rate so that they cannot disagree.
     *
     * @param rateLimit        requests per second for all callers of POST /api/v1/events together
     * @param burstLimit       the token bucket's size: two seconds of the rate, capped at API Gateway's account
     *                         burst of 5,000 (a larger bucket could never fill)
     * @param perKeyRateLimit  each API key of the usage plan: 80% of the rate, so that one runaway producer
     *                         cannot take all of it, while the stack's single key still reaches 1,000+/s
     * @param perKeyBurstLimit two seconds of the per-key rate, capped the same way
     */
    record IngestThrottle(int rateLimit, int burstLimit, int perKeyRateLimit, int perKeyBurstLimit) {
        static final int BURST_SECONDS = 2;
        static final int ACCOUNT_BURST_QUOTA = 5_000;

        static IngestThrottle of(int rateLimit) {
            int perKey = Math.max(1, rateLimit * 4 / 5);
            return new IngestThrottle(rateLimit, Math.min(ACCOUNT_BURST_QUOTA, BURST_SECONDS * rateLimit),
                    perKey, Math.min(ACCOUNT_BURST_QUOTA, BURST_SECONDS * perKey));
        }
    }

    private static int rateLimit(Object value) {
        if (value == null || value.toString().isBlank()) {
            return DEFAULT_INGEST_RATE_LIMIT;
        }
        String text = value.toString().trim();
        try {
            int parsed = value instanceof Number n ? n.intValue() : Integer.parseInt(text);
            if (parsed >= 1 && parsed <= ACCOUNT_RATE_QUOTA
                    && (!(value instanceof Number n) || n.doubleValue() == parsed)) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("CDK context " + INGEST_RATE_LIMIT + " must be a whole number of "
                + "requests per second from 1 to " + ACCOUNT_RATE_QUOTA + " (API Gateway's default account quota; "
                + "raise that quota first to go beyond), e.g. cdk deploy -c " + INGEST_RATE_LIMIT + "=3000; was: "
                + text);
    }

    private static int concurrency(String key, Object value, int defaultValue) {
        if (value == null || value.toString().isBlank()) {
            return defaultValue;
        }
        String text = value.toString().trim();
        try {
            int parsed = value instanceof Number n ? n.intValue() : Integer.parseInt(text);
            if (parsed >= 2 && parsed <= 1000 && (!(value instanceof Number n) || n.doubleValue() == parsed)) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("CDK context " + key + " must be a whole number from "
                + "2 to 1000 (an SQS event source's maximum concurrency), e.g. cdk deploy -c "
                + key + "=" + Math.max(2, 2 * defaultValue) + "; was: " + text);
    }

    private static String alarmEmail(Object value) {
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        String email = value.toString().trim();
        if (!EMAIL.matcher(email).matches()) {
            throw new IllegalArgumentException("CDK context " + ALARM_EMAIL + " must be one e-mail address, e.g. "
                    + "cdk deploy -c " + ALARM_EMAIL + "=ops@example.com; was: " + email);
        }
        return email;
    }

    /** Context from the CLI arrives as a string, from cdk.json as a JSON boolean: accept both, nothing else. */
    private static boolean flag(String key, Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (value.toString().trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("CDK context " + key + " must be true or false, e.g. "
                    + "cdk deploy -c " + key + "=true; was: " + value);
        };
    }
}
