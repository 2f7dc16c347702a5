package com.algohire.relay.health;

import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Probes whether the events table and the delivery queue answer, for GET /api/v1/health (the deep check; GET /health
 * is answered by API Gateway itself).
 */
public final class HealthCheck {
    public static final String OK = "ok";
    public static final String UNAVAILABLE = "unavailable";

    /** The outcome: {@code checks} maps each dependency to ok/unavailable. */
    public record Report(boolean healthy, Map<String, String> checks) {
    }

    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final String table;
    private final String queueUrl;

    public HealthCheck(DynamoDbClient dynamoDb, SqsClient sqs, String table, String queueUrl) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.table = table;
        this.queueUrl = queueUrl;
    }

    public Report check() {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("table", probe(() -> dynamoDb.describeTable(r -> r.tableName(table))));
        checks.put("queue", probe(() -> sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN))));
        return new Report(checks.values().stream().allMatch(OK::equals), checks);
    }

    private static String probe(Runnable call) {
        try {
            call.run();
            return OK;
        } catch (RuntimeException e) {
            // Any failure (unreachable, throttled, denied, missing) means the relay cannot serve; details go nowhere
            // public.
            return UNAVAILABLE;
        }
    }
}
