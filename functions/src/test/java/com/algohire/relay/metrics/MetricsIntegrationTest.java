package com.algohire.relay.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.api.IngestApiHandler;
import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.delivery.DeliveryHandler;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.ingest.SweeperHandler;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/**
 * A real ingest and delivery through the handlers, their metric lines stored in moto_server's CloudWatch by
 * {@link CloudWatchEmfSink} (as the local runtime does), read back by GET /api/v1/stats.
 */
@ExtendWith(SharedAwsBackend.class)
class MetricsIntegrationTest {

    @Test
    void stats_afterIngestAndDelivery_sumsWhatTheFunctionsEmitted(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        String stack = "it-" + UUID.randomUUID().toString().substring(0, 8);
        RelayConfig config = env.config(Map.of(EnvVars.METRICS_STACK, stack, EnvVars.MAX_RETRY_ATTEMPTS, "1",
                EnvVars.DELIVERY_SLOW_QUEUE_URL, ""));
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        try (CloudWatchClient cloudWatch = env.resources.clients.cloudWatch();
             WebhookReceiver ok = WebhookReceiver.answering(204);
             WebhookReceiver failing = WebhookReceiver.answering(500)) {
            EmfSink sink = new CloudWatchEmfSink(cloudWatch, lines::add);
            IngestApiHandler ingest = new IngestApiHandler(config, env.resources.clients, sink);
            ManagementApiHandler management = new ManagementApiHandler(config, env.resources.clients, sink);
            DeliveryHandler delivery = new DeliveryHandler(config, env.resources.clients, sink);
            Instant from = Instant.now().minus(1, ChronoUnit.MINUTES);
            subscribe(management, ok.url());
            subscribe(management, failing.url());

            assertThat(post(ingest, "k1", "job.created").getStatusCode()).isEqualTo(202);
            assertThat(post(ingest, "k2", "job.updated").getStatusCode()).isEqualTo(202);
            assertThat(post(ingest, "k1", "job.created").getStatusCode()).isEqualTo(409);
            assertThat(post(ingest, "k3", "not a type").getStatusCode()).isEqualTo(400);
            for (int round = 0; round < 10 && env.depth(env.queueUrl) > 0; round++) {
                env.poll(delivery, 1);
            }
            assertThat(env.depth(env.queueUrl)).as("everything delivered or parked").isZero();

            // What the lines say, summed: 2 accepted, 1 duplicate, 1 rejected; to the good receiver 2 delivered;
            // to the failing one 2 x (attempt 1 retried, attempt 2 dead-lettered); 2 operator actions.
            Map<String, Double> sums = new HashMap<>();
            for (String line : lines) {
                JsonNode root = Json.mapper().readTree(line);
                assertThat(root.get(RelayMetrics.STACK).asText()).isEqualTo(stack);
                for (JsonNode directive : root.get("_aws").get("CloudWatchMetrics")) {
                    assertThat(directive.get("Namespace").asText()).isEqualTo(RelayMetrics.NAMESPACE);
                    for (JsonNode metric : directive.get("Metrics")) {
                        String name = metric.get("Name").asText();
                        assertThat(RelayMetrics.ALL).contains(name);
                        JsonNode value = root.get(name);
                        String key = name + (directive.get("Dimensions").get(0).size() > 1
                                ? "/" + root.get(directive.get("Dimensions").get(0).get(1).asText()).asText() : "");
                        double v = 0;
                        if (value.isArray()) {
                            v = value.size();
                        } else {
                            v = metric.get("Unit").asText().equals("Count") ? value.asDouble() : 1;
                        }
                        sums.merge(key, v, Double::sum);
                    }
                }
            }
            assertThat(sums).containsEntry(RelayMetrics.EVENTS_ACCEPTED, 2.0)
                    .containsEntry(RelayMetrics.EVENTS_DUPLICATE, 1.0)
                    .containsEntry(RelayMetrics.EVENTS_REJECTED + "/INVALID_EVENT_TYPE", 1.0)
                    .containsEntry(RelayMetrics.DELIVERIES + "/DELIVERED", 2.0)
                    .containsEntry(RelayMetrics.DELIVERIES + "/RETRYING", 2.0)
                    .containsEntry(RelayMetrics.DELIVERIES + "/DEAD_LETTERED", 2.0)
                    .containsEntry(RelayMetrics.ATTEMPTS_SUCCEEDED, 2.0)
                    .containsEntry(RelayMetrics.ATTEMPTS_FAILED, 4.0)
                    .containsEntry(RelayMetrics.RETRIES, 2.0)
                    .containsEntry(RelayMetrics.DEAD_LETTERED, 2.0)
                    .containsEntry(RelayMetrics.ATTEMPT_LATENCY, 6.0)
                    .containsEntry(RelayMetrics.END_TO_END_LATENCY, 2.0)
                    .containsEntry(RelayMetrics.OPERATOR_ACTIONS + "/subscription.create", 2.0);

            APIGatewayProxyResponseEvent response = management.handleRequest(new APIGatewayProxyRequestEvent()
                    .withHttpMethod("GET").withPath("/api/v1/stats").withResource("/api/v1/stats")
                    .withQueryStringParameters(Map.of("from", from.toString(),
                            "to", Instant.now().plus(1, ChronoUnit.MINUTES).toString())), null);
            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
            JsonNode stats = Json.mapper().readTree(response.getBody());
            assertThat(stats.get("accepted").asLong()).isEqualTo(2);
            assertThat(stats.get("rejected").asLong()).isEqualTo(1);
            assertThat(stats.get("duplicates").asLong()).isEqualTo(1);
            assertThat(stats.get("delivered").asLong()).isEqualTo(2);
            assertThat(stats.get("failedAttempts").asLong()).isEqualTo(4);
            assertThat(stats.get("retries").asLong()).isEqualTo(2);
            assertThat(stats.get("deadLettered").asLong()).isEqualTo(2);
            assertThat(stats.get("successRate").asDouble()).isCloseTo(2.0 / 6, org.assertj.core.data.Offset.offset(
                    1e-9));
        }
    }

    @Test
    void sweepOnce_writesOneLineWithTheHeartbeat(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        List<String> lines = new ArrayList<>();
        new SweeperHandler(env.config(Map.of(EnvVars.METRICS_STACK, "sweep-test")), env.resources.clients, lines::add)
                .sweepOnce();

        assertThat(lines).hasSize(1);
        JsonNode line = Json.mapper().readTree(lines.get(0));
        assertThat(line.get(RelayMetrics.STACK).asText()).isEqualTo("sweep-test");
        assertThat(line.get(RelayMetrics.SWEEPER_RUNS).asInt()).isEqualTo(1);
        assertThat(line.get("_aws").get("CloudWatchMetrics").get(0).get("Metrics").get(0).get("Unit").asText())
                .isEqualTo("Count");
    }

    @Test
    void stats_whenRangeIsBad_answers400NamingTheParameter(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        ManagementApiHandler management = new ManagementApiHandler(env.config(Map.of()), env.resources.clients);
        assertThat(stats(management, Map.of("from", "yesterday"))).isEqualTo("INVALID_FROM");
        assertThat(stats(management, Map.of("to", "2026-13-01T00:00:00Z"))).isEqualTo("INVALID_TO");
        assertThat(stats(management, Map.of("from", "2026-01-02T00:00:00Z", "to", "2026-01-01T00:00:00Z")))
                .isEqualTo("INVALID_RANGE");
        assertThat(stats(management, Map.of("from", "2026-01-01T00:00:00Z", "to", "2026-02-02T00:00:00Z")))
                .isEqualTo("INVALID_RANGE");
    }

    @Test
    void stats_whenTheWindowIsOneCloudWatchCannotAnswer_answers400NamingTheFieldNever5xx(AwsBackend backend)
            throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        ManagementApiHandler management = new ManagementApiHandler(env.config(Map.of()), env.resources.clients);
        Instant hourAgo = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        // under a second, under CloudWatch's one-minute resolution, in year 9999, before CloudWatch's 455 days
        Map<Map<String, String>, List<String>> cases = new java.util.LinkedHashMap<>();
        cases.put(Map.of("from", hourAgo.toString(), "to", hourAgo.plusMillis(500).toString()),
                List.of("INVALID_RANGE", "from"));
        cases.put(Map.of("from", hourAgo.toString(), "to", hourAgo.plusSeconds(59).toString()),
                List.of("INVALID_RANGE", "from"));
        cases.put(Map.of("from", "9999-12-30T00:00:00Z", "to", "9999-12-31T00:00:00Z"),
                List.of("INVALID_FROM", "from"));
        cases.put(Map.of("from", "9999-12-31T23:59:00Z"), List.of("INVALID_FROM", "from"));
        cases.put(Map.of("to", "9999-12-31T23:59:59Z"), List.of("INVALID_TO", "to"));
        cases.put(Map.of("from", hourAgo.toString(), "to", "9999-12-31T23:59:59Z"), List.of("INVALID_RANGE", "from"));
        cases.put(Map.of("from", "2000-01-01T00:00:00Z", "to", "2000-01-02T00:00:00Z"),
                List.of("INVALID_FROM", "from"));
        cases.put(Map.of("from", Instant.now().minus(456, ChronoUnit.DAYS).toString(),
                "to", Instant.now().minus(450, ChronoUnit.DAYS).toString()), List.of("INVALID_FROM", "from"));
        org.assertj.core.api.SoftAssertions.assertSoftly(softly -> cases.forEach((query, expected) -> {
            APIGatewayProxyResponseEvent response = statsResponse(management, query);
            JsonNode error = json(response.getBody()).path("error");
            softly.assertThat(List.of(response.getStatusCode(), error.path("code").asText(),
                    error.path("field").asText())).as(query + ": " + response.getBody())
                    .isEqualTo(List.of(400, expected.get(0), expected.get(1)));
        }));
        assertThat(statsResponse(management, Map.of("from", hourAgo.toString(), "to",
                hourAgo.plusSeconds(60).toString())).getStatusCode()).isEqualTo(200);
    }

    @Test
    void queues_withoutSqsMetricsLocally_answerOldestAgeSecondsNull(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        ManagementApiHandler management = new ManagementApiHandler(env.config(Map.of()), env.resources.clients);
        APIGatewayProxyResponseEvent response = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("GET").withPath("/api/v1/queues").withResource("/api/v1/queues"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode queues = Json.mapper().readTree(response.getBody()).get("queues");
        assertThat(queues).isNotEmpty();
        queues.forEach(q -> {
            assertThat(q.has("oldestAgeSeconds")).isTrue();
            assertThat(q.get("oldestAgeSeconds").isNull()).isTrue();
        });
    }

    private static APIGatewayProxyResponseEvent statsResponse(ManagementApiHandler management,
                                                              Map<String, String> query) {
        return management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("GET").withPath("/api/v1/stats").withResource("/api/v1/stats")
                .withQueryStringParameters(query), null);
    }

    private static String stats(ManagementApiHandler management, Map<String, String> query) throws Exception {
        APIGatewayProxyResponseEvent response = statsResponse(management, query);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
        return Json.mapper().readTree(response.getBody()).get("error").get("code").asText();
    }

    private static JsonNode json(String body) {
        try {
            return Json.mapper().readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void subscribe(ManagementApiHandler management, String url) {
        APIGatewayProxyResponseEvent response = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withPath("/api/v1/subscriptions").withResource("/api/v1/subscriptions")
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"url\":\"" + url + "\",\"eventTypes\":[\"job.*\"]}"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
    }

    private static APIGatewayProxyResponseEvent post(IngestApiHandler ingest, String key, String type) {
        return ingest.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withPath("/api/v1/events").withResource("/api/v1/events")
                .withHeaders(Map.of("Content-Type", "application/json", "x-idempotency-key", key))
                .withBody("{\"eventType\":\"" + type + "\",\"payload\":{\"jobId\":\"job_1\"}}"), null);
    }
}
