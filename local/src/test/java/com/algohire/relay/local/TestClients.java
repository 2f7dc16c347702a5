package com.algohire.relay.local;

import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.localaws.AwsBackend;

/** SDK clients for a test backend, built by the same factory the functions use. */
final class TestClients {
    private TestClients() {
    }

    static AwsClients of(AwsBackend backend) {
        return new AwsClients(backend.region(), backend.credentials(),
                backend.sqsEndpoint(), backend.dynamoDbEndpoint(), backend.s3Endpoint());
    }
}
