package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.metrics.RelayMetrics;
import com.algohire.relay.testing.TestResources;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The delivery function's PickupDelay, which the lanes' DeliveryLate alarms read: how late a due task was received,
 * never how long a retry waited as scheduled (a partner's Retry-After of an hour is not the relay being behind).
 */
@ExtendWith(SharedAwsBackend.class)
class DeliveryPickupDelayIntegrationTest {

    @Test
    void handleRequest_whenARetryIsReceivedLongAfterItsNotBefore_recordsTheDelayOnItsLane(AwsBackend backend)
            throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(TestResources.WITHOUT_SLOW_LANE);
        List<String> lines = new ArrayList<>();
        DeliveryHandler handler = new DeliveryHandler(config, env.resources.clients, lines::add);
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl).messageBody(TaskQueue.toJson(
                retry(Instant.now().minusSeconds(600)))));

        env.poll(handler, 5);

        List<Double> delays = delays(lines);
        assertThat(delays).hasSize(1);
        assertThat(delays.get(0)).isBetween(600_000.0, 660_000.0);
        assertThat(lines).anyMatch(line -> line.contains("\"" + RelayMetrics.LANE + "\":\""
                + RelayMetrics.Lane.MAIN + "\""));
    }

    @Test
    void handleRequest_whenARetryArrivesBeforeItsNotBefore_recordsNoDelay(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(TestResources.WITHOUT_SLOW_LANE);
        List<String> lines = new ArrayList<>();
        DeliveryHandler handler = new DeliveryHandler(config, env.resources.clients, lines::add);
        // a partner answered 429 with Retry-After: 3600; SQS hands the task out after its 15-minute delay
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl).messageBody(TaskQueue.toJson(
                retry(Instant.now().plusSeconds(2700)))));

        // deferred (reported back to SQS, hidden until its notBefore), not attempted and not late
        assertThat(env.poll(handler, 5).getBatchItemFailures()).hasSize(1);

        assertThat(delays(lines)).isEmpty();
    }

    private static DeliveryTask retry(Instant notBefore) {
        return new DeliveryTask(DeliveryTask.Kind.DELIVER, "00000000-0000-4000-8000-000000000001", "job.created",
                "sub_missing", "msg_0000000000000000000000000000000a", null, 1, notBefore.toString(), null, null, null);
    }

    private static List<Double> delays(List<String> lines) throws Exception {
        List<Double> delays = new ArrayList<>();
        for (String line : lines) {
            JsonNode value = Json.mapper().readTree(line).get(RelayMetrics.PICKUP_DELAY);
            if (value != null) {
                if (value.isArray()) {
                    value.forEach(v -> delays.add(v.asDouble()));
                } else {
                    delays.add(value.asDouble());
                }
            }
        }
        return delays;
    }
}
