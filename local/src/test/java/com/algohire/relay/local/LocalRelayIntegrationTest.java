package com.algohire.relay.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.verifier.WebhookVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole relay as {@code ./relay local} starts it, driven over HTTP the way a developer's curl drives it. */
@ExtendWith(SharedAwsBackend.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalRelayIntegrationTest {
    private static final String EVENT = "{\"eventType\":\"job.created\",\"payload\":{\"jobId\":\"job-123\"}}";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();
    private LocalRelay relay;
    private WebhookReceiver receiver;
    private AwsBackend backend;

    @BeforeAll
    void start(AwsBackend backend) {
        this.backend = backend;
        relay = LocalRelay.start(LocalRelay.Options.defaults().withPort(0)
                .withResourcePrefix("relay-it-" + UUID.randomUUID().toString().substring(0, 8)), backend);
        receiver = WebhookReceiver.answering(204);
    }

    @AfterAll
    void stop() {
        relay.close();
        receiver.close();
    }

    @Test
    void postEvent_whenSentAsThePrintedCurl_is202ThenDuplicate409ThenReadable() throws Exception {
        String key = "it-" + UUID.randomUUID();

        HttpResponse<String> accepted = postEvent(key, EVENT);
        HttpResponse<String> duplicate = postEvent(key, EVENT);

        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode body = json.readTree(accepted.body());
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.get("idempotencyKey").asText()).isEqualTo(key);
        String eventId = body.get("eventId").asText();
        assertThat(duplicate.statusCode()).isEqualTo(409);
        assertThat(duplicate.body()).contains(eventId);

        HttpResponse<String> read = send(HttpRequest.newBuilder(uri("/api/v1/events/" + eventId))
                .header("x-admin-key", relay.keys().adminKey()).GET());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains(eventId).contains("job-123");
    }

    @Test
    void postEvent_whenBodyInvalid_is400NamingTheField() throws Exception {
        HttpResponse<String> response = postEvent("it-" + UUID.randomUUID(), "{\"eventType\":\"job.created\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("\"success\":false").contains("payload");
    }

    @Test
    void routes_whenCredentialMissing_are403AndHealthIsOpen() throws Exception {
        HttpResponse<String> noKey = send(HttpRequest.newBuilder(uri("/api/v1/events"))
                .header("Content-Type", "application/json").header("x-idempotency-key", "k")
                .POST(BodyPublishers.ofString(EVENT)));
        HttpResponse<String> noAdmin = send(HttpRequest.newBuilder(uri("/api/v1/subscriptions")).GET());
        HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/health")).GET());

        assertThat(noKey.statusCode()).isEqualTo(403);
        assertThat(noAdmin.statusCode()).isEqualTo(403);
        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void postEvent_whenLocalReceiverSubscribed_deliversItSignedAndLogsTheAttempt() throws Exception {
        String hook = receiver.url();
        HttpResponse<String> created = send(HttpRequest.newBuilder(uri("/api/v1/subscriptions"))
                .header("x-admin-key", relay.keys().adminKey()).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"url\":\"" + hook + "\",\"eventTypes\":[\"candidate.*\"],"
                        + "\"description\":\"local receiver\"}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String secret = json.readTree(created.body()).findValue("secret").asText();

        HttpResponse<String> accepted = postEvent("it-" + UUID.randomUUID(),
                "{\"eventType\":\"candidate.applied\",\"payload\":{\"candidateId\":\"c-7\"}}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String eventId = json.readTree(accepted.body()).get("eventId").asText();

        WebhookReceiver.Received delivered = receiver.awaitRequest(1, Duration.ofSeconds(30));
        assertThat(delivered).as("webhook within 30 s").isNotNull();
        assertThat(delivered.body()).contains(eventId).contains("c-7");
        new WebhookVerifier(secret).verify(delivered.body(), delivered.headers());

        Instant deadline = Instant.now().plusSeconds(10);
        String log;
        do {
            log = send(HttpRequest.newBuilder(uri("/api/v1/events/" + eventId))
                    .header("x-admin-key", relay.keys().adminKey()).GET()).body();
        } while (!log.contains("\"statusCode\":204") && Instant.now().isBefore(deadline) && pause());
        JsonNode attempts = json.readTree(log).findValue("deliveryLogs");
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).get("statusCode").asInt()).isEqualTo(204);
        assertThat(attempts.get(0).get("attempt").asInt()).isEqualTo(1);
        // The log holds the signing headers exactly as the receiver got them (the console shows them).
        assertThat(attempts.get(0).get("webhookId").asText()).isEqualTo(delivered.headers().get("webhook-id"));
        assertThat(attempts.get(0).get("webhookTimestamp").asText())
                .isEqualTo(delivered.headers().get("webhook-timestamp"));
        assertThat(attempts.get(0).get("webhookSignature").asText())
                .isEqualTo(delivered.headers().get("webhook-signature")).startsWith("v1,");
    }

    @Test
    void deliveryTask_whenQueuedOnTheSlowLane_isPolledAndDeliveredByTheDeliveryFunction() throws Exception {
        try (WebhookReceiver slowReceiver = WebhookReceiver.answering(204);
             var sqs = LocalRelay.clients(backend).sqs()) {
            HttpResponse<String> created = send(HttpRequest.newBuilder(uri("/api/v1/subscriptions"))
                    .header("x-admin-key", relay.keys().adminKey()).header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString("{\"url\":\"" + slowReceiver.url()
                            + "\",\"eventTypes\":[\"assessment.*\"]}")));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String subscriptionId = json.readTree(created.body()).findValue("subscriptionId").asText();
            HttpResponse<String> accepted = postEvent("it-" + UUID.randomUUID(),
                    "{\"eventType\":\"assessment.completed\",\"payload\":{\"assessmentId\":\"a-1\"}}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            String eventId = json.readTree(accepted.body()).get("eventId").asText();
            WebhookReceiver.Received first = slowReceiver.awaitRequest(1, Duration.ofSeconds(30));
            assertThat(first).as("webhook through the main lane within 30 s").isNotNull();

            // A delivery of the event queued where a degraded subscription's deliveries go: a replay's (a copy of
            // the delivered one, same webhook-id, would be stopped by its attempt claim, as a duplicate should).
            String replayWebhookId = WebhookIds.of(eventId, subscriptionId, WebhookIds.newReplayId());
            new TaskQueue(sqs, relay.config().deliverySlowQueueUrl()).send(DeliveryTask.deliver(eventId,
                    "assessment.completed", subscriptionId, replayWebhookId));

            WebhookReceiver.Received again = slowReceiver.awaitRequest(2, Duration.ofSeconds(30));
            assertThat(again).as("webhook through the slow lane within 30 s").isNotNull();
            assertThat(again.body()).contains(eventId);
            assertThat(again.headers().get("webhook-id")).isEqualTo(replayWebhookId);
        }
    }

    @Test
    void start_whenRunning_pollsBothLanesWithRelaySchemaSettingsAndConfiguresTheSlowLaneWithoutATopic() {
        assertThat(relay.lanes()).extracting(LocalRelay.Lane::queueUrl).containsExactly(
                relay.resources().deliveryQueue().queueUrl(), relay.resources().deliverySlowQueue().queueUrl());
        assertThat(relay.lanes().get(0).settings().batchSize()).isEqualTo(RelaySchema.DELIVERY_SOURCE.batchSize());
        assertThat(relay.lanes().get(0).settings().pollers())
                .isEqualTo(RelaySchema.DELIVERY_SOURCE.defaultMaxConcurrency());
        assertThat(relay.lanes().get(1).settings().pollers())
                .isEqualTo(RelaySchema.DELIVERY_SLOW_SOURCE.defaultMaxConcurrency());
        assertThat(relay.config().deliverySlowQueueUrl()).isEqualTo(relay.resources().deliverySlowQueue().queueUrl());
        assertThat(relay.config().notificationTopicArn()).isEmpty();
        // the delivery code tells the lanes apart by the ARN the slow lane's poller puts on its records
        assertThat(relay.resources().deliverySlowQueue().queueArn())
                .endsWith(":" + relay.resources().deliverySlowQueue().queueUrl().replaceAll(".*/", ""));
        assertThat(relay.banner()).contains("slow ").contains("pollers").contains("log lines");
        assertThat(EnvVars.NOTIFICATION_TOPIC_ARN).isNotBlank();
    }

    /**
     * The demo receiver a newcomer subscribes without writing one: /200 takes the webhook (and lists it), /500
     * fails it, so the attempt is logged with 500; a page on a rebound name (another Host) cannot read the list.
     */
    @Test
    void demoReceiver_whenSubscribed_answersTheStatusInItsPathAndListsWhatArrived() throws Exception {
        String ok = subscribe(relay.baseUri() + "/demo/receiver/200", "assessment.started");
        subscribe(relay.baseUri() + "/demo/receiver/500", "assessment.started");
        HttpResponse<String> accepted = postEvent("it-" + UUID.randomUUID(),
                "{\"eventType\":\"assessment.started\",\"payload\":{\"assessmentId\":\"payload-is-not-kept\"}}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String eventId = json.readTree(accepted.body()).get("eventId").asText();

        Instant deadline = Instant.now().plusSeconds(30);
        String log;
        do {
            log = send(HttpRequest.newBuilder(uri("/api/v1/events/" + eventId))
                    .header("x-admin-key", relay.keys().adminKey()).GET()).body();
        } while (!(log.contains("\"statusCode\":200") && log.contains("\"statusCode\":500"))
                && Instant.now().isBefore(deadline) && pause());
        JsonNode attempts = json.readTree(log).findValue("deliveryLogs");
        assertThat(attempts).extracting(a -> a.get("subscriptionId").asText() + " " + a.get("statusCode").asInt())
                .contains(ok + " 200");
        assertThat(attempts).extracting(a -> a.get("statusCode").asInt()).contains(500);

        JsonNode received = json.readTree(send(HttpRequest.newBuilder(uri("/demo/receiver")).GET()).body())
                .get("received");
        assertThat(received).extracting(r -> r.get("eventId").asText() + " " + r.get("answered").asInt())
                .contains(eventId + " 200", eventId + " 500");
        assertThat(received.toString()).doesNotContain("payload-is-not-kept");

        try (java.net.Socket socket = new java.net.Socket(relay.baseUri().getHost(), relay.baseUri().getPort())) {
            socket.getOutputStream().write(("GET /demo/receiver HTTP/1.1\r\nHost: evil.example:"
                    + relay.baseUri().getPort() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 421").doesNotContain(eventId);
        }
    }

    /**
     * DNS rebinding, as reproduced: a page on the attacker's name, re-pointed at 127.0.0.1, posts a subscription to
     * every event with the public default admin key, to read its signing secret from the answer. Every route
     * answers only a loopback Host of its own port.
     */
    @Test
    void api_whenARebindingPageSendsTheDefaultAdminKey_isRefused421AndCreatesNothing() throws Exception {
        int port = relay.baseUri().getPort();
        String url = "https://rebinding-" + UUID.randomUUID() + ".example.com/steal";
        com.algohire.relay.local.console.RawHttp.Response answer = com.algohire.relay.local.console.RawHttp.send(port,
                "POST", "/api/v1/subscriptions", java.util.Map.of("Host", "attacker.example:" + port,
                        "Origin", "http://attacker.example:" + port, "x-admin-key", relay.keys().adminKey(),
                        "Content-Type", "application/json"), "{\"url\":\"" + url + "\",\"eventTypes\":[\"*\"]}");

        assertThat(answer.status()).isEqualTo(421);
        assertThat(json.readTree(answer.body()).at("/error/code").asText()).isEqualTo("MISDIRECTED_REQUEST");
        assertThat(answer.body()).doesNotContain("whsec_");
        String list = send(HttpRequest.newBuilder(uri("/api/v1/subscriptions?limit=100"))
                .header("x-admin-key", relay.keys().adminKey()).GET()).body();
        assertThat(list).contains("\"success\":true").doesNotContain(url);
        for (String path : java.util.List.of("/health", "/console/", "/demo/receiver")) {
            assertThat(com.algohire.relay.local.console.RawHttp.send(port, "GET", path,
                    java.util.Map.of("Host", "attacker.example:" + port), null).status()).as(path).isEqualTo(421);
        }
    }

    private String subscribe(String url, String eventType) throws Exception {
        HttpResponse<String> created = send(HttpRequest.newBuilder(uri("/api/v1/subscriptions"))
                .header("x-admin-key", relay.keys().adminKey()).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"url\":\"" + url + "\",\"eventTypes\":[\"" + eventType + "\"]}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json.readTree(created.body()).findValue("subscriptionId").asText();
    }

    private HttpResponse<String> postEvent(String idempotencyKey, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri("/api/v1/events"))
                .header("Content-Type", "application/json")
                .header("x-idempotency-key", idempotencyKey)
                .header("x-api-key", relay.keys().apiKey())
                .POST(BodyPublishers.ofString(body)));
    }

    private URI uri(String path) {
        return URI.create(relay.baseUri() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
    }

    private static boolean pause() {
        try {
            Thread.sleep(200);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
