package com.algohire.relay.localaws;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Where the AWS services used by the relay answer: real AWS-protocol servers for tests and the local runtime.
 * Clients are built against these endpoints with the SDK's own HTTP clients; nothing here fakes a service.
 */
public interface AwsBackend extends AutoCloseable {

    URI sqsEndpoint();

    URI dynamoDbEndpoint();

    URI s3Endpoint();

    /** A short human description, e.g. "ElasticMQ in-JVM + moto_server on 127.0.0.1:41234". */
    String description();

    default Region region() {
        return Region.US_EAST_1;
    }

    /** Local servers accept any credentials; these are never real secrets. */
    default AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    @Override
    void close();
}
