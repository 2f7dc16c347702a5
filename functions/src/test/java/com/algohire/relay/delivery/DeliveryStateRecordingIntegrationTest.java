package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** How the delivery side writes an event's delivery state, on moto_server and ElasticMQ. */
@ExtendWith(SharedAwsBackend.class)
class DeliveryStateRecordingIntegrationTest {
    private static final Instant T1 = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void record_whenAStaleRetryingLandsAfterDelivered_keepsDelivered(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        DeliveryStates states = new DeliveryStates(env.resources.dynamoDb, config.eventsTable(), config.retention(),
                env.log);
        Instant t2 = T1.plusSeconds(5);

        states.record("e1", "sub_a", "msg_1", DeliveryStates.State.DELIVERED, 2, t2, t2);
        // The first attempt's write, held up in flight, lands after the second attempt's.
        states.record("e1", "sub_a", "msg_1", DeliveryStates.State.RETRYING, 1, T1, T1);
        // The SDK's retry of the DELIVERED write whose reply was lost: the same write again, harmless.
        states.record("e1", "sub_a", "msg_1", DeliveryStates.State.DELIVERED, 2, t2, t2);

        DeliveryStates.Summary summary = states.find("e1");
        assertThat(summary.entries()).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(DeliveryStates.State.DELIVERED);
            assertThat(e.attempts()).isEqualTo(2);
            assertThat(e.lastAttemptAt()).isEqualTo("2026-03-01T10:00:05.000Z");
        });
        assertThat(env.logText()).contains("a newer one is stored");

        // A later decision (a replay's attempt failing, say) does replace it.
        states.record("e1", "sub_a", "msg_2", DeliveryStates.State.RETRYING, 1, t2.plusSeconds(1),
                t2.plusSeconds(1));
        assertThat(states.find("e1").entries().getFirst().state()).isEqualTo(DeliveryStates.State.RETRYING);
    }

    @Test
    void deliver_mockitoInjectedStateWriteFailure_deliversOnceAndSettles(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        DynamoDbClient dynamoDb = spy(env.resources.dynamoDb);
        // DynamoDB throttling every write of the delivery-state item (moto_server cannot be made to throttle).
        doThrow(ProvisionedThroughputExceededException.builder().message("injected").build()).when(dynamoDb)
                .updateItem(argThat((UpdateItemRequest r) -> r != null
                        && DeliveryStates.SK.equals(r.key().get(RelaySchema.SK).s())));
        DeliveryHandler handler = new DeliveryHandler(config, dynamoDb, env.resources.sqs, env.eventStore(config),
                Clock.systemUTC(), env.log);
        ManagementApiHandler management = new ManagementApiHandler(config, env.resources.clients);
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            APIGatewayProxyResponseEvent created = management.handleRequest(new APIGatewayProxyRequestEvent()
                    .withHttpMethod("POST").withPath("/api/v1/subscriptions")
                    .withHeaders(Map.of("Content-Type", "application/json"))
                    .withBody("{\"url\":\"" + receiver.url() + "\",\"eventTypes\":[\"job.*\"]}"), null);
            assertThat(created.getStatusCode()).as(created.getBody()).isEqualTo(201);
            String eventId = env.putEvent(config, "job.created", "{\"n\":1}");
            env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl)
                    .messageBody(TaskQueue.toJson(DeliveryTask.fanOut(eventId, "job.created"))));

            assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty(); // fan-out
            assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty(); // delivery

            assertThat(receiver.requests()).hasSize(1);
            assertThat(env.receiveBatch(1, Duration.ofSeconds(2))).isEmpty();
            assertThat(env.eventStore(config).deliveryLogs(eventId)).extracting(DeliveryLogEntry::outcome)
                    .containsExactly("DELIVERED");
            assertThat(env.logText()).contains("delivery state not recorded")
                    .contains("delivery state of the fan-out not recorded");
        }
    }
}
