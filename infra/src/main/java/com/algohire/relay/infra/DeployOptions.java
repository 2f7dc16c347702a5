package com.algohire.relay.infra;

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
 * @param deliveryMaxConcurrency   how many delivery invocations the SQS event source runs at once (its maximum
 *                                 concurrency, 2 to 1000 as Lambda allows); each delivers a batch of up to 10
 */
record DeployOptions(String alarmEmail, boolean apiGatewayCloudWatchRole, int deliveryMaxConcurrency) {

    static final String ALARM_EMAIL = "alarmEmail";
    static final String API_GATEWAY_CLOUDWATCH_ROLE = "apiGatewayCloudWatchRole";
    static final String DELIVERY_MAX_CONCURRENCY = "deliveryMaxConcurrency";
    /**
     * 20 invocations, up to 200 webhooks in flight: room for a burst of the ingest limit's events, while leaving most
     * of a new account's regional concurrency (often 10 at first; 1,000 once raised) to the other functions. Lambda
     * lets an SQS event source run 2 to 1,000 at once.
     */
    static final int DEFAULT_DELIVERY_MAX_CONCURRENCY = 20;

    /** Deliberately loose: SNS checks the address, and the subscription only starts once its owner confirms. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    static DeployOptions fromContext(Node node) {
        return new DeployOptions(alarmEmail(node.tryGetContext(ALARM_EMAIL)),
                flag(API_GATEWAY_CLOUDWATCH_ROLE, node.tryGetContext(API_GATEWAY_CLOUDWATCH_ROLE)),
                concurrency(node.tryGetContext(DELIVERY_MAX_CONCURRENCY)));
    }

    private static int concurrency(Object value) {
        if (value == null || value.toString().isBlank()) {
            return DEFAULT_DELIVERY_MAX_CONCURRENCY;
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
        throw new IllegalArgumentException("CDK context " + DELIVERY_MAX_CONCURRENCY + " must be a whole number from "
                + "2 to 1000 (an SQS event source's maximum concurrency), e.g. cdk deploy -c "
                + DELIVERY_MAX_CONCURRENCY + "=50; was: " + text);
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
