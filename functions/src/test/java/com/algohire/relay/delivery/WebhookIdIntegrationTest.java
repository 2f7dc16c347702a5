package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.api.IngestApiHandler;
import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.ReplyLosingProxy;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.Message;

/** One webhook-id per (event, subscription), whatever copies of the event's tasks the queue ends up holding. */
@ExtendWith(SharedAwsBackend.class)
class WebhookIdIntegrationTest {

    @Test
    void deliver_whenSendMessageReplyIsLostAndTheSdkRetries_bothCopiesCarryOneWebhookId(AwsBackend backend)
            throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        String subscriptionId = DeliveryTestEnvironment.subscribe(new ManagementApiHandler(config,
                env.resources.clients));
        try (ReplyLosingProxy proxy = ReplyLosingProxy.to(backend.sqsEndpoint())
                .loseReply("AmazonSQS.SendMessage", body -> body.contains("FAN_OUT"), 1)) {
            // Ingest's SendMessage reaches SQS, its reply does not; the SDK retries and queues a second copy.
            IngestApiHandler ingest = new IngestApiHandler(config, new AwsClients(backend.region(),
                    backend.credentials(), proxy.endpoint(), backend.dynamoDbEndpoint(), backend.s3Endpoint()));
            APIGatewayProxyResponseEvent accepted = ingest.handleRequest(new APIGatewayProxyRequestEvent()
                    .withHttpMethod("POST").withPath("/api/v1/events").withResource("/api/v1/events")
                    .withHeaders(Map.of("Content-Type", "application/json", "x-idempotency-key", "lost-reply"))
                    .withBody("{\"eventType\":\"job.created\",\"payload\":{\"jobId\":\"job_1\"}}"), null);
            assertThat(accepted.getStatusCode()).as(accepted.getBody()).isEqualTo(202);
            assertThat(proxy.count("AmazonSQS.SendMessage")).as("the SDK retried the send").isEqualTo(2);
            String eventId = Json.mapper().readTree(accepted.getBody()).get("eventId").asText();

            DeliveryHandler handler = new DeliveryHandler(config, env.resources.dynamoDb, env.resources.sqs,
                    env.eventStore(config), Clock.systemUTC(), env.log);
            List<DeliveryTask> delivers = new ArrayList<>();
            int fanOuts = 0;
            for (int round = 0; round < 5 && (fanOuts < 2 || delivers.size() < 2); round++) {
                for (Message m : env.receiveAll()) {
                    DeliveryTask task = TaskQueue.fromJson(m.body());
                    if (task.kind() == DeliveryTask.Kind.FAN_OUT) {
                        fanOuts++;
                        assertThat(handler.handleRequest(env.batchOf(List.of(m)), null).getBatchItemFailures())
                                .isEmpty();
                    } else {
                        delivers.add(task);
                    }
                }
            }
            assertThat(fanOuts).as("two copies of the event's FAN_OUT were queued").isEqualTo(2);
            assertThat(delivers).hasSize(2);
            assertThat(delivers).extracting(DeliveryTask::webhookId)
                    .containsOnly(WebhookIds.of(eventId, subscriptionId));
        }
    }
}
