package com.algohire.relay.localaws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
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
}
