package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.internal.Priming;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.testing.WireCounter;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SnapStart priming of the delivery function against real servers, with a subscriber listening and a task waiting
 * on the queue: priming reads only (counted on the wire), sends no webhook, leaves the task where it is (the same
 * handler then delivers it, which shows the receiver was reachable all along), and survives AWS being unreachable.
 */
@ExtendWith(SharedAwsBackend.class)
class DeliveryPrimingIntegrationTest {
    private final WireCounter wire = new WireCounter();

    private DeliveryHandler handler(AwsBackend backend, DeliveryTestEnvironment env, RelayConfig config,
                                    URI dynamoDbEndpoint, URI sqsEndpoint) {
        DynamoDbClient dynamoDb = wire.dynamoDb(backend, dynamoDbEndpoint);
        SqsClient sqs = wire.sqs(backend, sqsEndpoint);
        return new DeliveryHandler(config, dynamoDb, sqs,
                new EventStore(dynamoDb, wire.s3(backend, backend.s3Endpoint()), config), Clock.systemUTC(),
                env.log);
    }

    @Test
    void prime_whenASubscriberAndATaskWait_readsOnlyAndSendsNoWebhook(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            ManagementApiHandler management = new ManagementApiHandler(config, env.resources.clients);
            assertThat(management.handleRequest(new APIGatewayProxyRequestEvent().withHttpMethod("POST")
                    .withPath("/api/v1/subscriptions").withHeaders(Map.of("Content-Type", "application/json"))
                    .withBody("{\"url\":\"" + receiver.url() + "\",\"eventTypes\":[\"job.*\"]}"), null)
                    .getStatusCode()).isEqualTo(201);
            String eventId = env.putEvent(config, "job.created", "{\"jobId\":\"j-1\"}");
            env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl)
                    .messageBody(TaskQueue.toJson(DeliveryTask.fanOut(eventId, "job.created"))));
            DeliveryHandler handler = handler(backend, env, config, backend.dynamoDbEndpoint(),
                    backend.sqsEndpoint());
            wire.reset();

            List<String> failed = handler.prime();

            assertThat(failed).isEmpty();
            assertThat(wire.requests()).containsExactlyInAnyOrder("DynamoDb.GetItem", "Sqs.GetQueueAttributes");
            assertThat(env.logText()).contains("snapstart priming done")
                    .contains("loopback-exchange-on-virtual-thread");
            assertThat(handler.pooledConnections()).as("the loopback exchange's connection is closed").isZero();
            Thread.sleep(300);
            assertThat(receiver.requests()).isEmpty();
            assertThat(env.depth(env.queueUrl)).isEqualTo(1);

            env.poll(handler, 1); // the fan-out
            env.poll(handler, 1); // the delivery
            assertThat(receiver.awaitRequest(1, Duration.ofSeconds(10))).isNotNull();
            assertThat(handler.pooledConnections()).isEqualTo(1);

            handler.restored(); // CRaC's afterRestore: the pooled connection's peer may be long gone

            assertThat(handler.pooledConnections()).isZero();
        }
    }

    @Test
    void prime_whenAwsUnreachable_neitherThrowsNorHangsAndStillSigns(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        URI closed = URI.create("http://127.0.0.1:1");
        DeliveryHandler handler = handler(backend, env, env.config(Map.of()), closed, closed);
        long start = System.nanoTime();

        List<String> failed = handler.prime();

        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
        assertThat(failed).containsExactlyInAnyOrder("dynamodb-get-item", "sqs-get-queue-attributes");
        assertThat(env.logText()).contains("snapstart priming partly failed");
    }

    @Test
    void unsentDynamoDb_whenWritesAndAReadAreMadeThroughIt_putsNothingOnTheWire(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        DynamoDbClient unsent = Priming.unsentDynamoDb(wire.dynamoDb(backend, backend.dynamoDbEndpoint()));
        Map<String, AttributeValue> key = Map.of(RelaySchema.PK, AttributeValue.fromS("EVENT#x"),
                RelaySchema.SK, AttributeValue.fromS("EVENT"));
        wire.reset();

        Priming.unsent(() -> unsent.putItem(r -> r.tableName(config.eventsTable()).item(key)));
        Priming.unsent(() -> unsent.putItem(PutItemRequest.builder().tableName(config.eventsTable()).item(key)
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(5))).build()));
        Priming.unsent(() -> unsent.getItem(r -> r.tableName(config.eventsTable()).key(key)));

        assertThat(wire.requests()).isEmpty();
        assertThat(env.resources.dynamoDb.scan(r -> r.tableName(config.eventsTable())).count()).isZero();
    }
}
