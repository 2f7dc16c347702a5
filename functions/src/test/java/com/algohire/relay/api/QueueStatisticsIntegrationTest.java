package com.algohire.relay.api;

import static com.algohire.relay.api.Requests.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.TestResources;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * GET /api/v1/queues on real ElasticMQ queues: messages waiting, in flight (received, not yet deleted) and delayed
 * (sent with a delay) in the main lane, the slow lane when the relay has one, and the DLQ.
 */
@ExtendWith(SharedAwsBackend.class)
class QueueStatisticsIntegrationTest {

    private static ManagementApiHandler management(TestResources aws, RelayConfig config) {
        StructuredLog log = new StructuredLog(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), Clock.systemUTC());
        return new ManagementApiHandler(config, aws.dynamoDb, aws.sqs, new EventStore(aws.dynamoDb,
                new PayloadStore(aws.s3, config.payloadBucket()), config.eventsTable(), Clock.systemUTC()),
                Clock.systemUTC(), log);
    }

    private static JsonNode queues(ManagementApiHandler management) {
        APIGatewayProxyResponseEvent response = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("GET").withPath("/api/v1/queues"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("success").booleanValue()).isTrue();
        return body.get("queues");
    }

    private static void send(TestResources aws, String url, int count, int delaySeconds) {
        for (int i = 0; i < count; i++) {
            int n = i;
            aws.sqs.sendMessage(r -> r.queueUrl(url).messageBody("{\"n\":" + n + "}").delaySeconds(delaySeconds));
        }
    }

    /** Receives {@code count} messages and keeps them invisible (in flight) for ten minutes. */
    private static void holdInFlight(TestResources aws, String url, int count) {
        int held = 0;
        while (held < count) {
            int wanted = count - held;
            held += aws.sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(wanted).visibilityTimeout(600)
                    .waitTimeSeconds(1)).messages().size();
        }
    }

    private static List<String> row(JsonNode queue) {
        return List.of(queue.get("name").textValue(), queue.get("waiting").asText(), queue.get("inFlight").asText(),
                queue.get("delayed").asText());
    }

    @Test
    void queues_whenSlowLaneConfigured_countsWaitingInFlightAndDelayedOfMainSlowAndDlq(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        RelayConfig config = aws.config();
        send(aws, config.deliveryQueueUrl(), 5, 0);
        holdInFlight(aws, config.deliveryQueueUrl(), 2);
        send(aws, config.deliveryQueueUrl(), 4, 600);
        send(aws, aws.slowQueueUrl(), 1, 0);
        send(aws, aws.slowQueueUrl(), 2, 600);
        send(aws, config.deliveryDlqUrl(), 6, 0);
        holdInFlight(aws, config.deliveryDlqUrl(), 1);

        JsonNode queues = queues(management(aws, config));

        List<List<String>> rows = new ArrayList<>();
        queues.forEach(q -> rows.add(row(q)));
        assertThat(rows).containsExactly(
                List.of("main", "3", "2", "4"),
                List.of("slow", "1", "0", "2"),
                List.of("dlq", "5", "1", "0"));
        assertThat(queues.get(0).get("url").textValue()).isEqualTo(config.deliveryQueueUrl());
        assertThat(queues.get(1).get("url").textValue()).isEqualTo(aws.slowQueueUrl());
        assertThat(queues.get(2).get("url").textValue()).isEqualTo(config.deliveryDlqUrl());
        assertThat(queues.get(0).get("waiting").isIntegralNumber()).isTrue();
    }

    @Test
    void queues_whenNoSlowLane_answersMainAndDlqOnly(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        RelayConfig config = aws.config(TestResources.WITHOUT_SLOW_LANE);
        send(aws, aws.slowQueueUrl(), 3, 0); // a queue the relay does not use: not reported
        send(aws, config.deliveryQueueUrl(), 1, 0);

        JsonNode queues = queues(management(aws, config));

        List<List<String>> rows = new ArrayList<>();
        queues.forEach(q -> rows.add(row(q)));
        assertThat(rows).containsExactly(List.of("main", "1", "0", "0"), List.of("dlq", "0", "0", "0"));
    }

    @Test
    void queues_whenEmpty_answersZeros(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);

        JsonNode queues = queues(management(aws, aws.config()));

        assertThat(queues).hasSize(3).allSatisfy(q -> {
            assertThat(q.get("waiting").asLong()).isZero();
            assertThat(q.get("inFlight").asLong()).isZero();
            assertThat(q.get("delayed").asLong()).isZero();
        });
    }
}
