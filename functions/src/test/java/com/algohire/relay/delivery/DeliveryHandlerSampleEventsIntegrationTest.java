package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Feeds the delivery handler the sample SQS batches in events/ (the files {@code sam local invoke} uses), so the
 * samples stay true to what the handler accepts.
 */
@ExtendWith(SharedAwsBackend.class)
class DeliveryHandlerSampleEventsIntegrationTest {
    /** The event the samples refer to. */
    private static final String SAMPLE_EVENT_ID = "3f1c2a9e-8b7d-4c6e-9a51-2d0f4b8e7c13";
    private static final String MALFORMED_MESSAGE_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

    private DeliveryTestEnvironment env;
    private RelayConfig config;
    private DeliveryHandler handler;
    private ManagementApiHandler management;

    @BeforeEach
    void setUp(AwsBackend backend) {
        env = DeliveryTestEnvironment.create(backend);
        config = env.config(Map.of());
        handler = new DeliveryHandler(config, env.resources.dynamoDb, env.resources.sqs, env.eventStore(config),
                Clock.systemUTC(), env.log);
        management = new ManagementApiHandler(config, env.resources.clients);
    }

    @ParameterizedTest
    @Event(value = "sqs-fan-out.json", type = SQSEvent.class)
    void handleRequest_whenSampleFanOut_queuesOneDeliverTaskPerMatchingSubscription(SQSEvent event) throws Exception {
        env.putEvent(config, SAMPLE_EVENT_ID, "job.created", "{\"jobId\":\"job_123\"}");
        String jobs = subscribe("[\"job.*\"]");
        subscribe("[\"candidate.*\"]");

        SQSBatchResponse response = handler.handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        List<Message> queued = env.resources.sqs.receiveMessage(r -> r.queueUrl(env.queueUrl)
                .maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
        assertThat(queued).hasSize(1);
        DeliveryTask task = TaskQueue.fromJson(queued.get(0).body());
        assertThat(task.kind()).isEqualTo(DeliveryTask.Kind.DELIVER);
        assertThat(task.eventId()).isEqualTo(SAMPLE_EVENT_ID);
        assertThat(task.subscriptionId()).isEqualTo(jobs);
        assertThat(task.webhookId()).startsWith("msg_");
    }

    @ParameterizedTest
    @Event(value = "sqs-deliver-batch.json", type = SQSEvent.class)
    void handleRequest_whenSampleBatchHoldsAMalformedMessage_reportsOnlyThatOne(SQSEvent event) {
        env.putEvent(config, SAMPLE_EVENT_ID, "job.created", "{\"jobId\":\"job_123\"}");

        // The DELIVER task names a subscription that does not exist (any more): dropped, acknowledged.
        SQSBatchResponse response = handler.handleRequest(event, null);

        assertThat(response.getBatchItemFailures())
                .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(MALFORMED_MESSAGE_ID);
    }

    private String subscribe(String eventTypes) throws Exception {
        APIGatewayProxyResponseEvent response = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withPath("/api/v1/subscriptions")
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"url\":\"https://hooks.example.com/algohire\",\"eventTypes\":" + eventTypes + "}"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
        return Json.mapper().readTree(response.getBody()).get("subscription").get("subscriptionId").asText();
    }
}
