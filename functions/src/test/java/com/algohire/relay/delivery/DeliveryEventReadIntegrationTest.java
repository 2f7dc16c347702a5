package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.testing.WireCounter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/**
 * The DELIVER step reads its event eventually consistent (half the read units of a strongly consistent read), and
 * a miss is read again strongly consistent before the task is dropped: counted on the wire, on real servers.
 */
@ExtendWith(SharedAwsBackend.class)
class DeliveryEventReadIntegrationTest {
    private final WireCounter wire = new WireCounter();

    /** The GetItems of event items sent so far (not the subscription's). */
    private List<GetItemRequest> eventReads() {
        return wire.sent(GetItemRequest.class).stream().filter(DeliveryEventReadIntegrationTest::isEventRead)
                .toList();
    }

    private static boolean isEventRead(GetItemRequest request) {
        return request.key().containsKey(RelaySchema.PK)
                && request.key().get(RelaySchema.PK).s().startsWith(EventItems.EVENT_PK_PREFIX)
                && EventItems.EVENT_SK.equals(request.key().get(RelaySchema.SK).s());
    }

    private static void queueDelivery(DeliveryTestEnvironment env, String eventId, String subscriptionId) {
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl).messageBody(TaskQueue.toJson(
                DeliveryTask.deliver(eventId, "job.created", subscriptionId,
                        WebhookIds.of(eventId, subscriptionId, null)))));
    }

    @Test
    void deliver_whenTheEventIsThere_readsItOnceEventuallyConsistent(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            String subscriptionId = DeliveryTestEnvironment.subscribe(
                    new ManagementApiHandler(config, env.resources.clients), receiver.url());
            String eventId = env.putEvent(config, "job.created", "{\"jobId\":\"job_1\"}");
            queueDelivery(env, eventId, subscriptionId);
            DeliveryHandler handler = env.countedHandler(config, wire,
                    wire.dynamoDb(backend, backend.dynamoDbEndpoint()), backend);
            wire.reset();

            assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty();

            assertThat(receiver.awaitRequest(1, Duration.ofSeconds(10)).body()).contains("job_1");
            assertThat(eventReads()).singleElement()
                    .satisfies(r -> assertThat(r.consistentRead()).isNotEqualTo(Boolean.TRUE));
            assertThat(env.depth(env.queueUrl)).isZero();
        }
    }

    @Test
    void deliver_faultInjectedEventuallyConsistentMiss_readsAgainStronglyConsistentAndDelivers(AwsBackend backend)
            throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            String subscriptionId = DeliveryTestEnvironment.subscribe(
                    new ManagementApiHandler(config, env.resources.clients), receiver.url());
            String eventId = env.putEvent(config, "job.created", "{\"jobId\":\"job_2\"}");
            queueDelivery(env, eventId, subscriptionId);
            DynamoDbClient real = wire.dynamoDb(backend, backend.dynamoDbEndpoint());
            DynamoDbClient dynamoDb = spy(real);
            AtomicInteger lagging = new AtomicInteger();
            // A replica that has not caught up yet: the first eventually consistent read of the event finds nothing.
            // No server can be made to lag on demand, so Mockito injects it (the request still goes on the wire).
            doAnswer(invocation -> {
                GetItemRequest request = invocation.getArgument(0);
                GetItemResponse answer = real.getItem(request);
                if (isEventRead(request) && !Boolean.TRUE.equals(request.consistentRead())
                        && lagging.getAndIncrement() == 0) {
                    return GetItemResponse.builder().build();
                }
                return answer;
            }).when(dynamoDb).getItem(any(GetItemRequest.class));
            DeliveryHandler handler = env.countedHandler(config, wire, dynamoDb, backend);
            wire.reset();

            assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty();

            assertThat(receiver.awaitRequest(1, Duration.ofSeconds(10)).body()).contains("job_2");
            assertThat(eventReads()).extracting(GetItemRequest::consistentRead)
                    .containsExactly(false, true);
            assertThat(env.logText()).doesNotContain("delivery dropped");
            assertThat(env.depth(env.queueUrl)).isZero();
        }
    }
}
