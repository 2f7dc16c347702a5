package com.algohire.relay.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates the relay's tables, payload bucket and delivery queues from {@link RelaySchema}, the same definitions
 * the CDK stack is built from, so that what runs locally has the keys, indexes, TTL and redrive of what is deployed.
 * Every step tolerates the resource already existing, so a rerun against a persistent backend (LocalStack, a
 * developer's own endpoint) converges instead of failing.
 */
public final class ResourceProvisioner {

    /**
     * Names and addresses of what {@link #provision} created, as the functions' environment needs them.
     *
     * @param deliveryQueue     the main lane and the DLQ
     * @param deliverySlowQueue the slow lane ({@link RelaySchema#DELIVERY_SLOW}), dead-lettering into the same DLQ
     */
    public record Resources(String eventsTable, String subscriptionsTable, String payloadBucket,
                            QueuePair deliveryQueue, QueuePair deliverySlowQueue) {
    }

    /** A queue and its dead-letter queue. */
    public record QueuePair(String queueUrl, String queueArn, String dlqUrl, String dlqArn) {
    }

    private final DynamoDbClient dynamoDb;
    private final S3Client s3;
    private final SqsClient sqs;

    public ResourceProvisioner(DynamoDbClient dynamoDb, S3Client s3, SqsClient sqs) {
        this.dynamoDb = dynamoDb;
        this.s3 = s3;
        this.sqs = sqs;
    }

    /**
     * Everything the relay needs, named {@code <prefix>-<logicalName>}; {@code prefix} keeps runs and tests
     * sharing one backend apart.
     */
    public Resources provision(String prefix) {
        String events = createTable(RelaySchema.EVENTS, prefix + "-" + RelaySchema.EVENTS.logicalName());
        String subscriptions = createTable(RelaySchema.SUBSCRIPTIONS,
                prefix + "-" + RelaySchema.SUBSCRIPTIONS.logicalName());
        String bucket = createBucket((prefix + "-payloads").toLowerCase(Locale.ROOT));
        QueuePair delivery = createQueue(RelaySchema.DELIVERY, prefix + "-" + RelaySchema.DELIVERY.logicalName());
        // One DLQ for both lanes, as in the stack: an operator inspects and redrives one place.
        QueuePair slow = createQueue(RelaySchema.DELIVERY_SLOW, prefix + "-" + RelaySchema.DELIVERY_SLOW.logicalName(),
                delivery);
        return new Resources(events, subscriptions, bucket, delivery, slow);
    }

    /**
     * Bound of each provisioning call. Longer than the clients' own call timeout on purpose: provisioning runs once,
     * at start, against a local backend that may still be busy with a long request of whoever used it before (a
     * serialized moto_server answering one slow query was seen to hold a CreateTable for 17 s).
     */
    static final Duration PROVISIONING_CALL_TIMEOUT = Duration.ofSeconds(60);

    /** An on-demand table with the schema's keys and GSIs, TTL enabled when the schema names one. */
    public String createTable(RelaySchema.Table table, String name) {
        Map<String, AttributeDefinition> attributes = new LinkedHashMap<>();
        List<KeySchemaElement> keySchema = keySchema(table.partitionKey(), table.sortKey(), attributes);
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (RelaySchema.Index index : table.indexes()) {
            indexes.add(GlobalSecondaryIndex.builder()
                    .indexName(index.name())
                    .keySchema(keySchema(index.partitionKey(), index.sortKey(), attributes))
                    .projection(projection(index))
                    .build());
        }
        try {
            dynamoDb.createTable(r -> {
                r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(attributes.values()).keySchema(keySchema)
                        .overrideConfiguration(o -> o.apiCallTimeout(PROVISIONING_CALL_TIMEOUT));
                // DynamoDB rejects an empty index list, so only send one when there is something in it.
                if (!indexes.isEmpty()) {
                    r.globalSecondaryIndexes(indexes);
                }
            });
        } catch (ResourceInUseException alreadyThere) {
            // Idempotent by design: a persistent backend keeps the table from the last run.
        }
        dynamoDb.waiter().waitUntilTableExists(r -> r.tableName(name)
                .overrideConfiguration(o -> o.apiCallTimeout(PROVISIONING_CALL_TIMEOUT)));
        if (table.ttlAttribute() != null) {
            enableTtl(name, table.ttlAttribute());
        }
        return name;
    }

    private void enableTtl(String tableName, String attribute) {
        var current = dynamoDb.describeTimeToLive(r -> r.tableName(tableName)
                .overrideConfiguration(o -> o.apiCallTimeout(PROVISIONING_CALL_TIMEOUT))).timeToLiveDescription();
        boolean enabled = current != null && attribute.equals(current.attributeName())
                && (current.timeToLiveStatus() == TimeToLiveStatus.ENABLED
                || current.timeToLiveStatus() == TimeToLiveStatus.ENABLING);
        // Enabling TTL twice is a ValidationException, so look before writing.
        if (!enabled) {
            dynamoDb.updateTimeToLive(r -> r.tableName(tableName)
                    .timeToLiveSpecification(s -> s.attributeName(attribute).enabled(true))
                    .overrideConfiguration(o -> o.apiCallTimeout(PROVISIONING_CALL_TIMEOUT)));
        }
    }

    /** The same projection the stack gives the index (RelayStack.table). */
    static Projection projection(RelaySchema.Index index) {
        return index.projected().isEmpty()
                ? Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()
                : Projection.builder().projectionType(ProjectionType.INCLUDE).nonKeyAttributes(index.projected())
                        .build();
    }

    private static List<KeySchemaElement> keySchema(RelaySchema.Key partition, RelaySchema.Key sort,
                                                    Map<String, AttributeDefinition> attributes) {
        List<KeySchemaElement> elements = new ArrayList<>();
        elements.add(KeySchemaElement.builder().attributeName(partition.name()).keyType(KeyType.HASH).build());
        attributes.putIfAbsent(partition.name(), stringAttribute(partition.name()));
        if (sort != null) {
            elements.add(KeySchemaElement.builder().attributeName(sort.name()).keyType(KeyType.RANGE).build());
            attributes.putIfAbsent(sort.name(), stringAttribute(sort.name()));
        }
        return elements;
    }

    private static AttributeDefinition stringAttribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    public String createBucket(String name) {
        try {
            s3.createBucket(r -> r.bucket(name)
                    .overrideConfiguration(o -> o.apiCallTimeout(PROVISIONING_CALL_TIMEOUT)));
        } catch (BucketAlreadyOwnedByYouException alreadyThere) {
            // Idempotent: ours from an earlier run.
        }
        return name;
    }

    /**
     * The queue and its DLQ ({@code <name>-dlq}), with the schema's visibility timeout and retention, and a
     * redrive policy moving a message to the DLQ after {@code maxReceiveCount} receives.
     */
    public QueuePair createQueue(RelaySchema.Queue queue, String name) {
        // Attributes are set after creation rather than in CreateQueue: CreateQueue refuses an existing name
        // whose attributes differ, SetQueueAttributes converges either way.
        String dlqUrl = sqs.createQueue(r -> r.queueName(name + "-dlq")).queueUrl();
        sqs.setQueueAttributes(r -> r.queueUrl(dlqUrl).attributes(Map.of(
                QueueAttributeName.MESSAGE_RETENTION_PERIOD, Integer.toString(queue.dlqRetentionDays() * 86_400))));
        return createQueue(queue, name, new QueuePair(null, null, dlqUrl, arnOf(dlqUrl)));
    }

    /**
     * The queue alone, redriving after {@code maxReceiveCount} receives to the DLQ of {@code deadLetters} (its
     * {@code dlqUrl} and {@code dlqArn}), which already exists: how a second lane shares the first one's DLQ.
     */
    public QueuePair createQueue(RelaySchema.Queue queue, String name, QueuePair deadLetters) {
        String dlqUrl = deadLetters.dlqUrl();
        String dlqArn = deadLetters.dlqArn();
        String queueUrl = sqs.createQueue(r -> r.queueName(name)).queueUrl();
        String redrivePolicy = "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\""
                + queue.maxReceiveCount() + "\"}";
        sqs.setQueueAttributes(r -> r.queueUrl(queueUrl).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(queue.visibilityTimeoutSeconds()),
                QueueAttributeName.MESSAGE_RETENTION_PERIOD, Integer.toString(queue.retentionDays() * 86_400),
                QueueAttributeName.REDRIVE_POLICY, redrivePolicy)));
        return new QueuePair(queueUrl, arnOf(queueUrl), dlqUrl, dlqArn);
    }

    private String arnOf(String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }
}
