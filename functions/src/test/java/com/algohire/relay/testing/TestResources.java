package com.algohire.relay.testing;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.localaws.AwsBackend;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A fresh events table, payload bucket and delivery queue (uniquely named, from {@link RelaySchema}) on the test
 * backend, with clients built by the production {@link AwsClients} factory; one per test keeps tests independent.
 */
public final class TestResources {
    public final AwsClients clients;
    public final DynamoDbClient dynamoDb;
    public final SqsClient sqs;
    public final S3Client s3;
    private final Map<String, String> env;

    private TestResources(AwsClients clients, Map<String, String> env) {
        this.clients = clients;
        this.dynamoDb = clients.dynamoDb();
        this.sqs = clients.sqs();
        this.s3 = clients.s3();
        this.env = env;
    }

    public static TestResources create(AwsBackend backend) {
        AwsClients clients = new AwsClients(backend.region(), backend.credentials(),
                backend.sqsEndpoint(), backend.dynamoDbEndpoint(), backend.s3Endpoint());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        DynamoDbClient dynamoDb = clients.dynamoDb();
        String table = createTable(dynamoDb, RelaySchema.EVENTS, "events-" + suffix);
        String bucket = "payloads-" + suffix;
        clients.s3().createBucket(r -> r.bucket(bucket));
        String queueUrl = clients.sqs().createQueue(r -> r.queueName("delivery-" + suffix).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT,
                Integer.toString(RelaySchema.DELIVERY.visibilityTimeoutSeconds())))).queueUrl();
        Map<String, String> env = new HashMap<>();
        env.put(EnvVars.EVENTS_TABLE, table);
        env.put(EnvVars.PAYLOAD_BUCKET, bucket);
        env.put(EnvVars.DELIVERY_QUEUE_URL, queueUrl);
        return new TestResources(clients, env);
    }

    public RelayConfig config() {
        return config(Map.of());
    }

    /** The config of these resources with extra environment entries (e.g. SWEEP_GRACE_SECONDS). */
    public RelayConfig config(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(env);
        merged.putAll(overrides);
        return RelayConfig.fromEnvironment(merged);
    }

    /** Clients whose every endpoint refuses connections, for probing failure paths. */
    public static AwsClients deadClients(AwsBackend backend) {
        URI dead = URI.create("http://127.0.0.1:1");
        return new AwsClients(backend.region(), backend.credentials(), dead, dead, dead);
    }

    /** Drains the delivery queue (deleting what it reads) and returns the message bodies. */
    public List<String> drainQueue() {
        String url = env.get(EnvVars.DELIVERY_QUEUE_URL);
        List<String> bodies = new ArrayList<>();
        while (true) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            if (messages.isEmpty()) {
                return bodies;
            }
            for (Message m : messages) {
                bodies.add(m.body());
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
    }

    private static String createTable(DynamoDbClient dynamoDb, RelaySchema.Table table, String name) {
        Set<String> keyNames = new LinkedHashSet<>();
        keyNames.add(table.partitionKey().name());
        if (table.sortKey() != null) {
            keyNames.add(table.sortKey().name());
        }
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (RelaySchema.Index index : table.indexes()) {
            keyNames.add(index.partitionKey().name());
            keyNames.add(index.sortKey().name());
            indexes.add(GlobalSecondaryIndex.builder().indexName(index.name())
                    .keySchema(key(index.partitionKey().name(), KeyType.HASH), key(index.sortKey().name(), KeyType.RANGE))
                    .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build());
        }
        List<KeySchemaElement> keySchema = new ArrayList<>();
        keySchema.add(key(table.partitionKey().name(), KeyType.HASH));
        if (table.sortKey() != null) {
            keySchema.add(key(table.sortKey().name(), KeyType.RANGE));
        }
        dynamoDb.createTable(r -> {
            r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST).keySchema(keySchema)
                    .attributeDefinitions(keyNames.stream().map(n -> AttributeDefinition.builder().attributeName(n)
                            .attributeType(ScalarAttributeType.S).build()).toList());
            if (!indexes.isEmpty()) {
                r.globalSecondaryIndexes(indexes);
            }
        });
        return name;
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
