package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.ingest.IngestRequest;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.testing.WireCounter;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

@ExtendWith(SharedAwsBackend.class)
class FanOutIntegrationTest {
    private final WireCounter wire = new WireCounter();

    @Test
    void handleRequest_mockitoInjectedPartialBatchFailure_resendsOnlyTheFailedTask(AwsBackend backend)
            throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        SqsClient real = env.resources.sqs;
        SqsClient sqs = spy(real);
        AtomicInteger batches = new AtomicInteger();
        // SQS can accept part of a batch and refuse the rest (e.g. throttling): the first batch loses its last entry.
        doAnswer(invocation -> {
            SendMessageBatchRequest request = invocation.getArgument(0);
            if (batches.incrementAndGet() > 1) {
                return real.sendMessageBatch(request);
            }
            List<SendMessageBatchRequestEntry> entries = request.entries();
            SendMessageBatchRequestEntry refused = entries.getLast();
            SendMessageBatchResponse sent = real.sendMessageBatch(request.toBuilder()
                    .entries(entries.subList(0, entries.size() - 1)).build());
            return sent.toBuilder().failed(BatchResultErrorEntry.builder().id(refused.id())
                    .code("ThrottlingException").senderFault(false).message("injected").build()).build();
        }).when(sqs).sendMessageBatch(any(SendMessageBatchRequest.class));
        DeliveryHandler handler = new DeliveryHandler(config, env.resources.dynamoDb, sqs, env.eventStore(config),
                Clock.systemUTC(), env.log);
        ManagementApiHandler management = new ManagementApiHandler(config, env.resources.clients);
        List<String> subscriptions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subscriptions.add(DeliveryTestEnvironment.subscribe(management));
        }
        String eventId = env.putEvent(config, "job.created", "{\"jobId\":\"job_1\"}");
        real.sendMessage(r -> r.queueUrl(env.queueUrl)
                .messageBody(TaskQueue.toJson(DeliveryTask.fanOut(eventId, "job.created"))));

        assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty();

        List<Message> queued = env.receiveAll();
        assertThat(batches.get()).isEqualTo(2);
        assertThat(queued).extracting(m -> TaskQueue.fromJson(m.body()).subscriptionId())
                .containsExactlyInAnyOrderElementsOf(subscriptions);
    }

    /** The delivery function with every AWS call it makes counted on the wire. */
    private DeliveryHandler countedHandler(AwsBackend backend, DeliveryTestEnvironment env, RelayConfig config) {
        return env.countedHandler(config, wire, wire.dynamoDb(backend, backend.dynamoDbEndpoint()), backend);
    }

    @Test
    void run_whenTaskCarriesTheEventType_readsNeitherTheEventNorItsPayloadAndTheDeliveryCarriesItInFull(
            AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            DeliveryTestEnvironment.subscribe(new ManagementApiHandler(config, env.resources.clients), receiver.url());
            // Accepted by ingest itself: a payload over the inline limit, kept in S3; the FAN_OUT is on the queue.
            String payload = "{\"blob\":\"" + "x".repeat(EventIngestion.INLINE_PAYLOAD_LIMIT + 1000) + "\"}";
            String eventId = EventIngestion.create(env.resources.dynamoDb, env.resources.sqs, env.resources.s3,
                    config, Clock.systemUTC(), env.log).accept(new IngestRequest("fan-out-large", "job.created",
                    payload, "hash")).eventId();
            DeliveryHandler handler = countedHandler(backend, env, config);
            wire.reset();

            assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty(); // the fan-out

            assertThat(wire.requests()).contains("DynamoDb.Scan", "Sqs.SendMessageBatch")
                    .doesNotContain("DynamoDb.GetItem", "S3.GetObject");
            wire.reset();
            assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty(); // the delivery
            assertThat(receiver.awaitRequest(1, Duration.ofSeconds(10)).body()).contains(payload)
                    .contains(eventId);
            assertThat(wire.requests()).containsOnlyOnce("S3.GetObject");
            assertThat(env.depth(env.queueUrl)).isZero();
        }
    }

    @Test
    void run_whenTaskHasNoEventType_readsTheEventToLearnItAsAnOlderVersionQueuedIt(AwsBackend backend)
            throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        ManagementApiHandler management = new ManagementApiHandler(config, env.resources.clients);
        String subscriptionId = DeliveryTestEnvironment.subscribe(management);
        String eventId = env.putEvent(config, "job.created", "{\"jobId\":\"job_1\"}");
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl)
                .messageBody("{\"kind\":\"FAN_OUT\",\"eventId\":\"" + eventId + "\"}"));
        DeliveryHandler handler = countedHandler(backend, env, config);
        wire.reset();

        assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty();

        assertThat(wire.requests()).containsOnlyOnce("DynamoDb.GetItem");
        assertThat(env.receiveAll()).extracting(m -> TaskQueue.fromJson(m.body()))
                .singleElement().satisfies(task -> {
                    assertThat(task.kind()).isEqualTo(DeliveryTask.Kind.DELIVER);
                    assertThat(task.eventType()).isEqualTo("job.created");
                    assertThat(task.subscriptionId()).isEqualTo(subscriptionId);
                });
    }

    @Test
    void run_whenTheEventIsGone_itsDeliveriesAreDroppedWithNoWebhookAndNothingLeftThatNeverExpires(
            AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            DeliveryTestEnvironment.subscribe(new ManagementApiHandler(config, env.resources.clients), receiver.url());
            String eventId = "evt_gone_" + System.nanoTime(); // never stored (or expired and deleted by TTL)
            env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl)
                    .messageBody(TaskQueue.toJson(DeliveryTask.fanOut(eventId, "job.created"))));
            DeliveryHandler handler = countedHandler(backend, env, config);

            assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty(); // the fan-out: one DELIVER
            assertThat(env.poll(handler, 1).getBatchItemFailures()).isEmpty(); // the delivery drops it

            assertThat(env.logText()).contains("delivery dropped: event not found");
            Thread.sleep(300);
            assertThat(receiver.requests()).isEmpty();
            assertThat(env.depth(env.queueUrl)).isZero();
            assertThat(env.depth(env.dlqUrl)).isZero();
            // What the fan-out wrote for it, the delivery state item, expires with the retention period.
            List<Map<String, AttributeValue>> items = env.resources.dynamoDb.query(q -> q
                    .tableName(config.eventsTable()).keyConditionExpression("#pk = :pk")
                    .expressionAttributeNames(Map.of("#pk", RelaySchema.PK))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(EventItems.eventPk(eventId)))))
                    .items();
            assertThat(items).singleElement().satisfies(item -> {
                assertThat(item.get(RelaySchema.SK).s()).isEqualTo(DeliveryStates.SK);
                assertThat(Long.parseLong(item.get(RelaySchema.EXPIRES_AT).n()))
                        .isGreaterThan(Instant.now().getEpochSecond());
            });
        }
    }
}
