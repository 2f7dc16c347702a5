package com.algohire.relay.localaws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sqs.SqsClient;

@ExtendWith(SharedAwsBackend.class)
class AwsBackendsIntegrationTest {

    @Test
    void start_whenNoEndpointAndNoDocker_servesSqsAndDynamoDbOverHttp(AwsBackend backend) {
        try (SqsClient sqs = SqsClient.builder().endpointOverride(backend.sqsEndpoint()).region(backend.region())
                .credentialsProvider(backend.credentials()).httpClient(UrlConnectionHttpClient.create()).build();
             DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(backend.dynamoDbEndpoint())
                     .region(backend.region()).credentialsProvider(backend.credentials())
                     .httpClient(UrlConnectionHttpClient.create()).build()) {
            String url = sqs.createQueue(r -> r.queueName("probe")).queueUrl();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("hello"));
            assertThat(sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1)).messages())
                    .extracting(m -> m.body()).containsExactly("hello");

            dynamo.createTable(r -> r.tableName("probe").billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("pk")
                            .attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build()));
            assertThat(dynamo.listTables().tableNames()).contains("probe");
        }
    }

    /**
     * DynamoDB makes each conditional put atomic; moto_server on its own does not (it checks the condition and
     * stores the item without a lock, on one thread per request), which once let two concurrent ingest requests
     * with one idempotency key both win. The embedded backend serializes moto's requests; this races 32 puts of one
     * key, 20 times, and demands exactly one winner each time.
     */
    @Test
    void conditionalPut_whenManyRaceForOneKey_exactlyOneWins(AwsBackend backend) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(backend.dynamoDbEndpoint())
                .region(backend.region()).credentialsProvider(backend.credentials())
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            dynamo.createTable(r -> r.tableName("race").billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("pk")
                            .attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build()));
            for (int round = 0; round < 20; round++) {
                String key = "key-" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> puts = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    String writer = "writer-" + i;
                    puts.add(pool.submit(() -> {
                        start.await();
                        try {
                            dynamo.putItem(r -> r.tableName("race")
                                    .item(Map.of("pk", AttributeValue.fromS(key),
                                            "writer", AttributeValue.fromS(writer)))
                                    .conditionExpression("attribute_not_exists(pk)"));
                            return true;
                        } catch (ConditionalCheckFailedException lost) {
                            return false;
                        }
                    }));
                }
                start.countDown();
                int winners = 0;
                for (Future<Boolean> put : puts) {
                    winners += put.get() ? 1 : 0;
                }
                assertThat(winners).as("winners of round " + round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
