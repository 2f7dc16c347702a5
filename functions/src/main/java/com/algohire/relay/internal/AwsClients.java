package com.algohire.relay.internal;

import com.algohire.relay.config.EnvVars;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the SDK clients the way every function needs them: explicit region and credentials (no provider chain
 * walk at cold start), the light URLConnection HTTP client, and API call timeouts. One instance per container.
 *
 * <p>Endpoints are null on AWS; the local runtime and tests point them at ElasticMQ, moto_server or LocalStack.
 * Interceptors are empty on AWS: only the cost bench adds one, to count the calls ({@link #withInterceptors}).
 */
public record AwsClients(Region region, AwsCredentialsProvider credentials,
                         URI sqsEndpoint, URI dynamoDbEndpoint, URI s3Endpoint, URI snsEndpoint,
                         List<ExecutionInterceptor> interceptors) {

    public AwsClients {
        interceptors = List.copyOf(interceptors);
    }

    public AwsClients(Region region, AwsCredentialsProvider credentials, URI sqsEndpoint, URI dynamoDbEndpoint,
                      URI s3Endpoint, URI snsEndpoint) {
        this(region, credentials, sqsEndpoint, dynamoDbEndpoint, s3Endpoint, snsEndpoint, List.of());
    }

    /** SNS at the DynamoDB endpoint: where moto_server and LocalStack serve it (one endpoint for every service). */
    public AwsClients(Region region, AwsCredentialsProvider credentials, URI sqsEndpoint, URI dynamoDbEndpoint,
                      URI s3Endpoint) {
        this(region, credentials, sqsEndpoint, dynamoDbEndpoint, s3Endpoint, dynamoDbEndpoint);
    }

    /** The same clients, each also running {@code added} on every call (the cost bench's call counter). */
    public AwsClients withInterceptors(List<ExecutionInterceptor> added) {
        List<ExecutionInterceptor> all = new java.util.ArrayList<>(interceptors);
        all.addAll(added);
        return new AwsClients(region, credentials, sqsEndpoint, dynamoDbEndpoint, s3Endpoint, snsEndpoint, all);
    }

    static final String CONTAINER_CREDENTIALS_FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(3);

    /**
     * From the Lambda environment: AWS_REGION, the function role's credentials, and the optional endpoint
     * overrides AWS_ENDPOINT_URL and its per-service forms AWS_ENDPOINT_URL_SQS / _DYNAMODB / _S3 / _SNS.
     */
    public static AwsClients fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static AwsClients fromEnvironment(Map<String, String> env) {
        String region = env.getOrDefault(EnvVars.AWS_REGION, "us-east-1");
        return new AwsClients(Region.of(region), credentials(env),
                endpoint(env, "SQS"), endpoint(env, "DYNAMODB"), endpoint(env, "S3"), endpoint(env, "SNS"));
    }

    /**
     * The function role's credentials, chosen without walking the default chain: with SnapStart, Lambda publishes
     * them through the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead of the
     * AWS_ACCESS_KEY_ID family of variables, which then are absent.
     */
    static AwsCredentialsProvider credentials(Map<String, String> env) {
        String containerUri = env.get(CONTAINER_CREDENTIALS_FULL_URI);
        if (containerUri != null && !containerUri.isBlank()) {
            return ContainerCredentialsProvider.builder().build();
        }
        return EnvironmentVariableCredentialsProvider.create();
    }

    private static URI endpoint(Map<String, String> env, String service) {
        String value = env.getOrDefault(EnvVars.AWS_ENDPOINT_URL + "_" + service, env.get(EnvVars.AWS_ENDPOINT_URL));
        return value == null || value.isBlank() ? null : URI.create(value.trim());
    }

    public DynamoDbClient dynamoDb() {
        var builder = DynamoDbClient.builder().region(region).credentialsProvider(credentials)
                .httpClient(httpClient()).overrideConfiguration(timeouts());
        if (dynamoDbEndpoint != null) {
            builder.endpointOverride(dynamoDbEndpoint);
        }
        return builder.build();
    }

    public SqsClient sqs() {
        var builder = SqsClient.builder().region(region).credentialsProvider(credentials)
                .httpClient(httpClient()).overrideConfiguration(timeouts());
        if (sqsEndpoint != null) {
            builder.endpointOverride(sqsEndpoint);
        }
        return builder.build();
    }

    public S3Client s3() {
        var builder = S3Client.builder().region(region).credentialsProvider(credentials)
                .httpClient(httpClient()).overrideConfiguration(timeouts());
        if (s3Endpoint != null) {
            // Local servers serve buckets by path, not by virtual host.
            builder.endpointOverride(s3Endpoint).forcePathStyle(true);
        }
        return builder.build();
    }

    /**
     * An S3 client built at the first {@code get()}, then the same one: for a function that needs S3 only now and
     * then (ingest: payloads over the inline limit), so that its init does not build one.
     */
    public Supplier<S3Client> lazyS3() {
        return new Supplier<>() {
            private S3Client client;

            @Override
            public synchronized S3Client get() {
                if (client == null) {
                    client = s3();
                }
                return client;
            }
        };
    }

    public SnsClient sns() {
        var builder = SnsClient.builder().region(region).credentialsProvider(credentials)
                .httpClient(httpClient()).overrideConfiguration(timeouts());
        if (snsEndpoint != null) {
            builder.endpointOverride(snsEndpoint);
        }
        return builder.build();
    }

    /**
     * CloudWatch at the SNS endpoint: locally that is moto_server's single endpoint for every service but SQS
     * (AWS_ENDPOINT_URL_SNS, or AWS_ENDPOINT_URL); null on AWS. There, the requests are translated to the JSON
     * protocol, which the local servers speak ({@link CloudWatchJsonProtocol}).
     */
    public CloudWatchClient cloudWatch() {
        var builder = CloudWatchClient.builder().region(region).credentialsProvider(credentials)
                .httpClient(httpClient());
        if (snsEndpoint != null) {
            builder.endpointOverride(snsEndpoint).overrideConfiguration(timeouts().toBuilder()
                    .addExecutionInterceptor(new CloudWatchJsonProtocol()).build());
        } else {
            builder.overrideConfiguration(timeouts());
        }
        return builder.build();
    }

    private static SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(10))
                .build();
    }

    private ClientOverrideConfiguration timeouts() {
        var builder = ClientOverrideConfiguration.builder()
                .apiCallTimeout(CALL_TIMEOUT)
                .apiCallAttemptTimeout(ATTEMPT_TIMEOUT);
        for (ExecutionInterceptor interceptor : interceptors) { // a loop: no lambda bootstrap at cold start
            builder.addExecutionInterceptor(interceptor);
        }
        return builder.build();
    }
}
