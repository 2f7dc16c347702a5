package com.algohire.relay.testing;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.ResourceProvisioner;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.localaws.AwsBackend;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A fresh set of the relay's resources (tables, payload bucket, delivery queue, slow-lane queue and their DLQ,
 * uniquely named) on the test backend, created by the production {@link ResourceProvisioner} from
 * {@link com.algohire.relay.config.RelaySchema}, with clients built by the production {@link AwsClients} factory;
 * one per test keeps tests independent.
 *
 * <p>The config has the slow lane (DELIVERY_SLOW_QUEUE_URL), as deployed; a healthy subscription's deliveries use
 * the main queue either way. A test that wants one queue for everything passes {@link #WITHOUT_SLOW_LANE}.
 */
public final class TestResources {
    public final AwsClients clients;
    public final DynamoDbClient dynamoDb;
    public final SqsClient sqs;
    public final S3Client s3;
    public final ResourceProvisioner.Resources names;
    private final Map<String, String> env;

    private TestResources(AwsClients clients, ResourceProvisioner.Resources names) {
        this.clients = clients;
        this.dynamoDb = clients.dynamoDb();
        this.sqs = clients.sqs();
        this.s3 = clients.s3();
        this.names = names;
        this.env = Map.of(
                EnvVars.EVENTS_TABLE, names.eventsTable(),
                EnvVars.SUBSCRIPTIONS_TABLE, names.subscriptionsTable(),
                EnvVars.PAYLOAD_BUCKET, names.payloadBucket(),
                EnvVars.DELIVERY_QUEUE_URL, names.deliveryQueue().queueUrl(),
                EnvVars.DELIVERY_DLQ_URL, names.deliveryQueue().dlqUrl(),
                EnvVars.DELIVERY_SLOW_QUEUE_URL, names.deliverySlowQueue().queueUrl());
    }

    /** Config overrides for a relay without a slow lane: every delivery on the main queue. */
    public static final Map<String, String> WITHOUT_SLOW_LANE = Map.of(EnvVars.DELIVERY_SLOW_QUEUE_URL, "");

    /** SDK clients for the test backend, built by the factory the functions use. */
    public static AwsClients clients(AwsBackend backend) {
        return new AwsClients(backend.region(), backend.credentials(),
                backend.sqsEndpoint(), backend.dynamoDbEndpoint(), backend.s3Endpoint());
    }

    public static TestResources create(AwsBackend backend) {
        AwsClients clients = clients(backend);
        ResourceProvisioner.Resources names = new ResourceProvisioner(clients.dynamoDb(), clients.s3(), clients.sqs())
                .provision("t-" + UUID.randomUUID().toString().substring(0, 8));
        return new TestResources(clients, names);
    }

    public RelayConfig config() {
        return config(Map.of());
    }

    /** The config of these resources with extra environment entries (e.g. SWEEP_GRACE_SECONDS). */
    public RelayConfig config(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(env);
        merged.putAll(overrides);
        return RelayConfig.fromEnvironment(merged);
    }

    /** Clients whose every endpoint refuses connections, for probing failure paths. */
    public static AwsClients deadClients(AwsBackend backend) {
        URI dead = URI.create("http://127.0.0.1:1");
        return new AwsClients(backend.region(), backend.credentials(), dead, dead, dead);
    }

    /** The main delivery queue's URL. */
    public String deliveryQueueUrl() {
        return names.deliveryQueue().queueUrl();
    }

    /** The slow lane's queue URL (whether or not a test's config uses it). */
    public String slowQueueUrl() {
        return names.deliverySlowQueue().queueUrl();
    }

    /** The slow lane's queue ARN: what Lambda puts in its records' {@code eventSourceARN}. */
    public String slowQueueArn() {
        return names.deliverySlowQueue().queueArn();
    }

    /** Drains the delivery queue (deleting what it reads) and returns the message bodies. */
    public List<String> drainQueue() {
        return drain(env.get(EnvVars.DELIVERY_QUEUE_URL));
    }

    /** Drains the slow lane's queue (deleting what it reads) and returns the message bodies. */
    public List<String> drainSlowQueue() {
        return drain(names.deliverySlowQueue().queueUrl());
    }

    private List<String> drain(String url) {
        List<String> bodies = new ArrayList<>();
        while (true) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            if (messages.isEmpty()) {
                return bodies;
            }
            for (Message m : messages) {
                bodies.add(m.body());
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
    }
}
