package com.algohire.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
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
}
