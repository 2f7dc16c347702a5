package com.algohire.relay.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Seeded random requests to every management and read route, against real servers: whatever the input (odd
 * ports, unpaired surrogates, NUL, huge strings, wrong types, forged ids and cursors), the answer is never a 5xx.
 * Each failure names the request, so a defect found here becomes a focused test of its own.
 */
@ExtendWith(SharedAwsBackend.class)
class BadInputFuzzIntegrationTest {
    private static final String[] STRINGS = {
        "", " ", "x", "\u0000", "\ud800", "\udfff", "\ud83d\ude00", "é", "a".repeat(5000), "job.created", "job.*", "*",
        "https://hooks.example.com/x", "https://hooks.example.com:99999/", "https://hooks.example.com:0/",
        "https://hooks.example.com:-1/", "https://[::ffff:0:7f00:1]/", "https://[::1]/", "https://127.0.0.1/",
        "https://169.254.169.254/latest", "http://hooks.example.com/", "javascript:alert(1)", "https://u:p@h.example.com/",
        "https://hooks.example.com/\ud800", "https://" + "h".repeat(300) + ".example.com/", "https://%00/",
        "https://hooks.example.com/a b", "ftp://hooks.example.com/", "https:///x", "sub_" + "0".repeat(32),
        "sub_\ud800", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "2026-01-01T00:00:00+99:00", "-1", "1e999",
        "eyJpIjoiYnlEYXkiLCJkIjoiOTk5OS0xMi0zMSJ9", "eyJpIjoiYnlUeXBlIn0", "!!!", "null"};
    private static final String[] FIELDS = {"url", "eventTypes", "description", "active", "subscriptionId", "since",
        "secret", "x"};

    @Test
    void managementAndReadRoutes_whenFuzzed_neverAnswer5xx(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        ManagementApiHandler management = new ManagementApiHandler(config, env.resources.clients);
        IngestApiHandler events = new IngestApiHandler(config, env.resources.clients);
        String subscriptionId = Json.mapper().readTree(send(management, "POST", "/api/v1/subscriptions",
                "{\"url\":\"https://hooks.example.com/x\",\"eventTypes\":[\"*\"]}", null).getBody())
                .at("/subscription/subscriptionId").asText();
        String eventId = env.putEvent(config, "job.created", "{}");
        Random random = new Random(20261128);
        List<String> failures = new ArrayList<>();
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < 400; i++) {
            String id = random.nextBoolean() ? (random.nextBoolean() ? subscriptionId : eventId) : pick(random);
            String body = random.nextInt(8) == 0 ? pick(random) : randomObject(random);
            Map<String, String> query = new HashMap<>();
            for (String name : new String[] {"limit", "cursor", "eventType", "from", "to"}) {
                if (random.nextInt(3) == 0) {
                    query.put(name, random.nextBoolean() ? pick(random) : Integer.toString(random.nextInt(300) - 50));
                }
            }
            APIGatewayProxyResponseEvent response;
            String request;
            switch (random.nextInt(12)) {
                case 0 -> response = send(management, "POST", request = "/api/v1/subscriptions", body, null);
                case 1 -> response = send(management, "PATCH", request = "/api/v1/subscriptions/" + id, body, null);
                case 2 -> response = send(management, "GET", request = "/api/v1/subscriptions", null, query);
                case 3 -> response = send(management, "POST", request = "/api/v1/events/" + id + "/replay",
                        random.nextBoolean() ? null : body, null);
                case 4 -> response = send(management, "GET", request = "/api/v1/subscriptions/" + id, null, null);
                case 5 -> response = send(events, "GET", request = "/api/v1/events", null, query);
                case 6 -> response = send(events, "GET", request = "/api/v1/events/" + id, null, null);
                case 7 -> response = send(management, "POST", request = "/api/v1/subscriptions/" + id
                        + "/rotate-secret", null, null);
                case 8 -> response = send(management, "POST", request = "/api/v1/subscriptions/" + id
                        + (random.nextBoolean() ? "/pause" : "/resume"), random.nextBoolean() ? null : body, null);
                case 9, 10 -> response = send(management, "POST", request = "/api/v1/subscriptions/" + id
                        + "/recover", random.nextBoolean() ? body : "{\"since\":" + Json.mapper()
                        .writeValueAsString(random.nextBoolean() ? pick(random) : randomValue(random, 0)) + "}", null);
                default -> response = send(management, "GET", request = "/api/v1/subscriptions/" + id
                        + "/recoveries/" + (random.nextBoolean() ? pick(random) : "rcv_" + "0".repeat(32)), null,
                        null);
            }
            statuses.merge(response.getStatusCode(), 1, Integer::sum);
            if (response.getStatusCode() >= 500) {
                failures.add(response.getStatusCode() + " for " + request + " query=" + query + " body="
                        + (body.length() > 200 ? body.substring(0, 200) + "…" : body));
            }
        }
        assertThat(failures).isEmpty();
        // The fuzz reaches past validation: some requests succeed, most are refused, none fail.
        assertThat(statuses).containsKeys(200, 400, 404);
    }

    /**
     * The query parameters that reach an AWS call of their own (CloudWatch's GetMetricData for the statistics, the
     * audit trail's day-by-day queries), and the routes without parameters beside them: times around every bound
     * (sub-second and sub-minute windows, year 9999, the epoch, before CloudWatch's retention, the near future).
     */
    @Test
    void queryParameterRoutes_whenFuzzedWithTimesAroundEveryBound_neverAnswer5xx(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        ManagementApiHandler management = new ManagementApiHandler(env.config(Map.of()), env.resources.clients);
        java.time.Instant now = java.time.Instant.now();
        List<String> times = new ArrayList<>(List.of(STRINGS));
        for (java.time.Duration offset : List.of(java.time.Duration.ZERO, java.time.Duration.ofMillis(500),
                java.time.Duration.ofSeconds(59), java.time.Duration.ofMinutes(1), java.time.Duration.ofHours(1),
                java.time.Duration.ofDays(1), java.time.Duration.ofDays(16), java.time.Duration.ofDays(31),
                java.time.Duration.ofDays(64), java.time.Duration.ofDays(455), java.time.Duration.ofDays(456))) {
            times.add(now.minus(offset).toString());
            times.add(now.plus(offset).toString());
        }
        times.addAll(List.of("9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.500Z",
                "2026-01-01T00:00:00.000000001Z"));
        Random random = new Random(20261208);
        List<String> failures = new ArrayList<>();
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < 300; i++) {
            Map<String, String> query = new HashMap<>();
            for (String name : new String[] {"from", "to", "limit", "cursor"}) {
                if (random.nextInt(3) > 0) {
                    query.put(name, name.equals("from") || name.equals("to")
                            ? times.get(random.nextInt(times.size())) : pick(random));
                }
            }
            String path = switch (random.nextInt(5)) {
                case 0, 1 -> "/api/v1/stats";
                case 2, 3 -> "/api/v1/audit";
                default -> random.nextBoolean() ? "/api/v1/queues" : "/api/v1/dlq";
            };
            APIGatewayProxyResponseEvent response = send(management, "GET", path, null, query);
            statuses.merge(response.getStatusCode(), 1, Integer::sum);
            if (response.getStatusCode() >= 500) {
                failures.add(response.getStatusCode() + " for " + path + " query=" + query);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(statuses).containsKeys(200, 400);
    }

    private static String pick(Random random) {
        return STRINGS[random.nextInt(STRINGS.length)];
    }

    private static String randomObject(Random random) {
        Map<String, Object> object = new HashMap<>();
        int fields = random.nextInt(4);
        for (int f = 0; f < fields; f++) {
            object.put(FIELDS[random.nextInt(FIELDS.length)], randomValue(random, 0));
        }
        try {
            return Json.mapper().writeValueAsString(object);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object randomValue(Random random, int depth) {
        return switch (random.nextInt(depth > 2 ? 5 : 7)) {
            case 0 -> pick(random);
            case 1 -> random.nextInt();
            case 2 -> random.nextBoolean();
            case 3 -> null;
            case 4 -> random.nextDouble() * 1e300;
            case 5 -> java.util.Arrays.asList(randomValue(random, depth + 1), pick(random));
            default -> java.util.Collections.singletonMap(FIELDS[random.nextInt(FIELDS.length)],
                    randomValue(random, depth + 1));
        };
    }

    private static APIGatewayProxyResponseEvent send(Object handler, String method, String path, String body,
                                                     Map<String, String> query) {
        APIGatewayProxyRequestEvent request = new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path)
                .withHeaders(Map.of("Content-Type", "application/json")).withBody(body)
                .withQueryStringParameters(query == null || query.isEmpty() ? null : query);
        return handler instanceof ManagementApiHandler m ? m.handleRequest(request, null)
                : ((IngestApiHandler) handler).handleRequest(request, null);
    }
}
