package com.algohire.relay.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.localaws.SharedAwsBackend;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

@ExtendWith(SharedAwsBackend.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResourceProvisionerIntegrationTest {

    private DynamoDbClient dynamoDb;
    private S3Client s3;
    private SqsClient sqs;
    private ResourceProvisioner provisioner;
    private final String prefix = "prov-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    void clients(AwsBackend backend) {
        var clients = TestResources.clients(backend);
        dynamoDb = clients.dynamoDb();
        s3 = clients.s3();
        sqs = clients.sqs();
        provisioner = new ResourceProvisioner(dynamoDb, s3, sqs);
    }

    @AfterAll
    void close() {
        dynamoDb.close();
        s3.close();
        sqs.close();
    }

    @Test
    void provision_whenRun_createsEventsTableWithSchemaKeysIndexesAndTtl() {
        var resources = provisioner.provision(prefix);

        TableDescription table = dynamoDb.describeTable(r -> r.tableName(resources.eventsTable())).table();
        assertThat(table.keySchema())
                .containsExactly(key(RelaySchema.PK, KeyType.HASH), key(RelaySchema.SK, KeyType.RANGE));
        assertThat(table.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
        assertThat(table.globalSecondaryIndexes()).extracting(GlobalSecondaryIndexDescription::indexName)
                .containsExactlyInAnyOrder(RelaySchema.INDEX_BY_TYPE, RelaySchema.INDEX_BY_DAY,
                        RelaySchema.INDEX_PENDING);
        for (RelaySchema.Index index : RelaySchema.EVENTS.indexes()) {
            GlobalSecondaryIndexDescription created = table.globalSecondaryIndexes().stream()
                    .filter(i -> i.indexName().equals(index.name())).findFirst().orElseThrow();
            assertThat(created.keySchema()).containsExactly(key(index.partitionKey().name(), KeyType.HASH),
                    key(index.sortKey().name(), KeyType.RANGE));
            // Never ALL: an index entry would carry the inline payload (up to the inline limit) on every write.
            assertThat(created.projection().projectionType()).as(index.name()).isEqualTo(ProjectionType.INCLUDE);
            assertThat(created.projection().nonKeyAttributes()).as(index.name())
                    .containsExactlyInAnyOrderElementsOf(index.projected());
        }
        var ttl = dynamoDb.describeTimeToLive(r -> r.tableName(resources.eventsTable())).timeToLiveDescription();
        assertThat(ttl.attributeName()).isEqualTo(RelaySchema.EXPIRES_AT);
        assertThat(ttl.timeToLiveStatus()).isIn(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);

        TableDescription subscriptions = dynamoDb.describeTable(r -> r.tableName(resources.subscriptionsTable()))
                .table();
        assertThat(subscriptions.keySchema()).containsExactly(key(RelaySchema.SUBSCRIPTION_ID, KeyType.HASH));
    }

    @Test
    void provision_whenRun_createsBucketAndQueueWithRedriveToDlq() {
        var resources = provisioner.provision(prefix);

        assertThat(s3.listBuckets().buckets()).anyMatch(b -> b.name().equals(resources.payloadBucket()));
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r
                .queueUrl(resources.deliveryQueue().queueUrl())
                .attributeNames(QueueAttributeName.ALL)).attributes();
        assertThat(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT))
                .isEqualTo(Integer.toString(RelaySchema.DELIVERY.visibilityTimeoutSeconds()));
        assertThat(attributes.get(QueueAttributeName.REDRIVE_POLICY))
                .contains(resources.deliveryQueue().dlqArn())
                .containsPattern("\"maxReceiveCount\"\\s*:\\s*\"?" + RelaySchema.DELIVERY.maxReceiveCount() + "\"?");
        assertThat(resources.deliveryQueue().queueArn()).endsWith(":" + prefix + "-Delivery");
        assertThat(resources.deliveryQueue().dlqArn()).endsWith(":" + prefix + "-Delivery-dlq");
    }

    @Test
    void provision_whenResourcesAlreadyExist_succeedsWithTheSameNames() {
        var first = provisioner.provision(prefix + "-again");

        var second = provisioner.provision(prefix + "-again");

        assertThat(second).isEqualTo(first);
        assertThat(dynamoDb.listTables().tableNames()).containsOnlyOnce(first.eventsTable());
        // main lane, slow lane, and the DLQ they share
        assertThat(sqs.listQueues(r -> r.queueNamePrefix(prefix + "-again")).queueUrls()).hasSize(3);
    }

    @Test
    void provision_whenRun_createsTheSlowLaneRedrivingToTheMainLanesDlqWithTheSameTiming() {
        var resources = provisioner.provision(prefix + "-slow");

        var slow = resources.deliverySlowQueue();
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(slow.queueUrl())
                .attributeNames(QueueAttributeName.ALL)).attributes();
        assertThat(slow.queueArn()).endsWith(":" + prefix + "-slow-" + RelaySchema.DELIVERY_SLOW.logicalName());
        assertThat(slow.dlqUrl()).isEqualTo(resources.deliveryQueue().dlqUrl());
        assertThat(attributes.get(QueueAttributeName.REDRIVE_POLICY))
                .contains(resources.deliveryQueue().dlqArn())
                .containsPattern("\"maxReceiveCount\"\\s*:\\s*\"?" + RelaySchema.DELIVERY_SLOW.maxReceiveCount()
                        + "\"?");
        assertThat(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT))
                .isEqualTo(Integer.toString(RelaySchema.DELIVERY_SLOW.visibilityTimeoutSeconds()));
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
