package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.RelayConfig;
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
}
