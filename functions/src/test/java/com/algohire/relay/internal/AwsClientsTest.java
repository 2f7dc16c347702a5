package com.algohire.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;

class AwsClientsTest {

    @Test
    void fromEnvironment_whenSnapStartContainerCredentials_usesContainerProvider() {
        AwsClients clients = AwsClients.fromEnvironment(Map.of("AWS_REGION", "eu-west-1",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9001/2021-04-23/credentials"));

        assertThat(clients.credentials()).isInstanceOf(ContainerCredentialsProvider.class);
        assertThat(clients.region()).isEqualTo(Region.EU_WEST_1);
    }

    @Test
    void fromEnvironment_whenAccessKeyVariables_usesEnvironmentProvider() {
        AwsClients clients = AwsClients.fromEnvironment(Map.of("AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "example"));

        assertThat(clients.credentials()).isInstanceOf(EnvironmentVariableCredentialsProvider.class);
    }

    @Test
    void fromEnvironment_whenPerServiceEndpoint_overridesTheSharedOne() {
        AwsClients clients = AwsClients.fromEnvironment(Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:4566",
                "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324"));

        assertThat(clients.sqsEndpoint()).isEqualTo(URI.create("http://127.0.0.1:9324"));
        assertThat(clients.dynamoDbEndpoint()).isEqualTo(URI.create("http://127.0.0.1:4566"));
        assertThat(clients.s3Endpoint()).isEqualTo(URI.create("http://127.0.0.1:4566"));
    }

    @Test
    void fromEnvironment_always_addsNoInterceptor() {
        AwsClients clients = AwsClients.fromEnvironment(Map.of("AWS_REGION", "us-east-1"));

        assertThat(clients.interceptors()).isEmpty();
    }

    @Test
    void withInterceptors_whenACallIsMade_runsTheInterceptorOnEveryClient() {
        List<String> seen = new CopyOnWriteArrayList<>();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                seen.add(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "."
                        + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
                throw new IllegalStateException("stop before the network"); // nothing listens at the endpoint
            }
        };
        URI nowhere = URI.create("http://127.0.0.1:9");
        AwsClients clients = new AwsClients(Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "example")),
                nowhere, nowhere, nowhere, nowhere).withInterceptors(List.of(recorder));

        try (var dynamoDb = clients.dynamoDb(); var sqs = clients.sqs(); var s3 = clients.s3()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> dynamoDb.getItem(r -> r.tableName("t")));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> sqs.sendMessage(r -> r.queueUrl("q")));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s3.getObject(r -> r.bucket("b").key("k")));
        }

        assertThat(seen).containsExactly("DynamoDb.GetItem", "Sqs.SendMessage", "S3.GetObject");
        assertThat(clients.interceptors()).containsExactly(recorder);
    }
}
