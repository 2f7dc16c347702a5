package com.algohire.relay.bench;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What a function's cold start pays for its SDK clients, run in a fresh JVM per measurement: build a DynamoDB and
 * an SQS client on one HTTP client implementation, make one call with each, and print the milliseconds since the
 * JVM started at each step. Arguments: client (urlconnection|apache|crt), DynamoDB endpoint, table, SQS endpoint,
 * queue URL.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    public static void main(String[] args) {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        String kind = args[0];
        SdkHttpClient http = switch (kind) {
            case "urlconnection" -> UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build();
            case "apache" -> ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build();
            case "crt" -> AwsCrtHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build();
            default -> throw new IllegalArgumentException("unknown client " + kind);
        };
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        try (DynamoDbClient dynamoDb = DynamoDbClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .httpClient(http).endpointOverride(URI.create(args[1])).build();
             SqsClient sqs = SqsClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                     .httpClient(http).endpointOverride(URI.create(args[3])).build()) {
            long built = System.currentTimeMillis() - jvmStart;
            dynamoDb.putItem(r -> r.tableName(args[2]).item(Map.of(
                    "pk", AttributeValue.fromS("cold#" + System.nanoTime()), "sk", AttributeValue.fromS("probe"))));
            sqs.sendMessage(r -> r.queueUrl(args[4]).messageBody("cold start probe"));
            long firstCalls = System.currentTimeMillis() - jvmStart;
            System.out.println("built=" + built + " firstCalls=" + firstCalls);
        } finally {
            http.close();
        }
    }
}
