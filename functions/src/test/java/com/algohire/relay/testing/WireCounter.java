package com.algohire.relay.testing;

import com.algohire.relay.localaws.AwsBackend;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Records every request the SDK puts on the wire ("DynamoDb.GetItem", "Sqs.SendMessage", one per HTTP attempt, so
 * retries count) by an {@link ExecutionInterceptor} on clients built like the functions' (URLConnection, timeouts),
 * against the test backend or any endpoint.
 */
public final class WireCounter implements ExecutionInterceptor {
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<SdkRequest> sent = new CopyOnWriteArrayList<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        requests.add(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "."
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        sent.add(context.request());
    }

    /** Every request sent so far, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The requests of one type sent so far (e.g. {@code GetItemRequest}, to see their keys), in order. */
    public <T extends SdkRequest> List<T> sent(Class<T> type) {
        return sent.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public void reset() {
        requests.clear();
        sent.clear();
    }

    public DynamoDbClient dynamoDb(AwsBackend backend, URI endpoint) {
        return DynamoDbClient.builder().region(backend.region()).credentialsProvider(backend.credentials())
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build())
                .endpointOverride(endpoint).overrideConfiguration(configuration()).build();
    }

    public SqsClient sqs(AwsBackend backend, URI endpoint) {
        return SqsClient.builder().region(backend.region()).credentialsProvider(backend.credentials())
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build())
                .endpointOverride(endpoint).overrideConfiguration(configuration()).build();
    }

    public S3Client s3(AwsBackend backend, URI endpoint) {
        return S3Client.builder().region(backend.region()).credentialsProvider(backend.credentials())
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build())
                .endpointOverride(endpoint).forcePathStyle(true).overrideConfiguration(configuration()).build();
    }

    private ClientOverrideConfiguration configuration() {
        return ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofSeconds(10))
                .apiCallAttemptTimeout(Duration.ofSeconds(3)).addExecutionInterceptor(this).build();
    }
}
