package com.algohire.relay.recover;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.delivery.DeliveryHandler;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryLogItems;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.event.WebhookIds;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * POST /api/v1/subscriptions/{id}/recover and its background RECOVER steps, on the real servers: what it queues
 * (exactly the undelivered matching events since the time, under their original webhook-ids), its validation, a
 * recovery longer than one step, and duplicated RECOVER tasks.
 */
@ExtendWith(SharedAwsBackend.class)
class RecoverIntegrationTest {
    private DeliveryTestEnvironment env;
    private RelayConfig config;
    private ManagementApiHandler management;
    private SubscriptionStore subscriptions;
    /** Whole milliseconds: the index's sort keys are millisecond timestamps. */
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private record Response(int status, JsonNode body) {
    }

    private void start(AwsBackend backend) {
        env = DeliveryTestEnvironment.create(backend);
        config = env.config(Map.of());
        management = new ManagementApiHandler(config, env.resources.clients);
        subscriptions = new SubscriptionStore(env.resources.dynamoDb, config.subscriptionsTable());
    }

    /** A subscription to job.* created three hours ago (so that events of the last hours were meant for it). */
    private String subscribe(Instant createdAt) {
        Subscription s = new Subscription(Subscription.newId(), "https://hooks.example.com/a", List.of("job.*"), null,
                true, List.of(new Subscription.SigningSecret("whsec_" + "A".repeat(43) + "=", null)), createdAt,
                createdAt, null, false, null);
        subscriptions.create(s);
        return s.subscriptionId();
    }

    /** Stores an accepted event received at {@code receivedAt}, as ingest does (list index keys included). */
    private String putEvent(String eventType, Instant receivedAt) {
        String eventId = "evt_" + UUID.randomUUID().toString().replace("-", "");
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)));
        item.put(RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK));
        item.put(EventItems.EVENT_ID, AttributeValue.fromS(eventId));
        item.put(RelaySchema.EVENT_TYPE, AttributeValue.fromS(eventType));
        item.put(EventItems.IDEMPOTENCY_KEY, AttributeValue.fromS("key-" + eventId));
        item.put(EventItems.PAYLOAD, AttributeValue.fromS("{}"));
        item.put(EventItems.RECEIVED_AT, AttributeValue.fromS(EventItems.timestamp(receivedAt)));
        item.putAll(EventItems.listKeys(eventId, eventType, receivedAt));
        item.put(EventItems.STATUS, AttributeValue.fromS(EventItems.STATUS_QUEUED));
        env.resources.dynamoDb.putItem(r -> r.tableName(config.eventsTable()).item(item));
        return eventId;
    }

    /** Logs an attempt of {@code eventId} to {@code subscriptionId} with this outcome, as the delivery side does. */
    private void logAttempt(String eventId, String subscriptionId, String outcome, Instant at) {
        DeliveryLogEntry entry = new DeliveryLogEntry(1, subscriptionId, WebhookIds.of(eventId, subscriptionId),
                "https://hooks.example.com/a", DeliveryLogItems.OUTCOME_DELIVERED.equals(outcome) ? 204 : 503, 12,
                DeliveryLogItems.OUTCOME_DELIVERED.equals(outcome) ? null : "HTTP_STATUS", null, outcome,
                at.toString(), at.getEpochSecond(), null);
        Map<String, AttributeValue> item = DeliveryLogItems.item(eventId, entry, now.plus(Duration.ofDays(30))
                .getEpochSecond());
        env.resources.dynamoDb.putItem(r -> r.tableName(config.eventsTable()).item(item));
    }

    private Response call(String method, String path, String body) throws Exception {
        APIGatewayProxyResponseEvent response = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod(method).withPath(path).withHeaders(Map.of("content-type", "application/json"))
                .withBody(body), null);
        return new Response(response.getStatusCode(), Json.mapper().readTree(response.getBody()));
    }

    private Response recover(String subscriptionId, String since) throws Exception {
        return call("POST", "/api/v1/subscriptions/" + subscriptionId + "/recover",
                since == null ? "{}" : "{\"since\":\"" + since + "\"}");
    }

    private JsonNode recovery(String subscriptionId, String recoveryId) throws Exception {
        Response r = call("GET", "/api/v1/subscriptions/" + subscriptionId + "/recoveries/" + recoveryId, null);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return r.body().get("recovery");
    }

    /** What the queue holds now, split by kind (and deleted). */
    private Map<DeliveryTask.Kind, List<Message>> takeQueue() {
        Map<DeliveryTask.Kind, List<Message>> byKind = new LinkedHashMap<>();
        for (Message m : env.receiveAll()) {
            byKind.computeIfAbsent(TaskQueue.fromJson(m.body()).kind(), k -> new ArrayList<>()).add(m);
        }
        return byKind;
    }

    @Test
    void recover_redeliversExactlyTheUndeliveredMatchingEventsSinceTheTime_underTheirOriginalWebhookIds(
            AwsBackend backend) throws Exception {
        start(backend);
        String id = subscribe(now.minus(Duration.ofHours(3)));
        String other = Subscription.newId();
        putEvent("job.created", now.minus(Duration.ofMinutes(120)));               // before since
        String failed = putEvent("job.created", now.minus(Duration.ofMinutes(50))); // only a failed attempt
        logAttempt(failed, id, "RETRYING", now.minus(Duration.ofMinutes(50)));
        String never = putEvent("job.updated", now.minus(Duration.ofMinutes(40)));  // never attempted
        String elsewhere = putEvent("job.closed", now.minus(Duration.ofMinutes(30))); // delivered to another only
        logAttempt(elsewhere, other, DeliveryLogItems.OUTCOME_DELIVERED, now.minus(Duration.ofMinutes(30)));
        String delivered = putEvent("job.created", now.minus(Duration.ofMinutes(20))); // delivered to this one
        logAttempt(delivered, id, "RETRYING", now.minus(Duration.ofMinutes(20)));
        logAttempt(delivered, id, DeliveryLogItems.OUTCOME_DELIVERED, now.minus(Duration.ofMinutes(19)));
        putEvent("candidate.applied", now.minus(Duration.ofMinutes(10)));          // a type it did not ask for
        Instant since = now.minus(Duration.ofMinutes(60));

        Response started = recover(id, since.toString());

        assertThat(started.status()).as(started.body().toString()).isEqualTo(202);
        JsonNode recovery = started.body().get("recovery");
        String recoveryId = recovery.get("recoveryId").asText();
        assertThat(recoveryId).startsWith("rcv_");
        assertThat(recovery.get("subscriptionId").asText()).isEqualTo(id);
        assertThat(Instant.parse(recovery.get("since").asText())).isEqualTo(since);
        assertThat(recovery.get("status").asText()).isEqualTo("running");
        assertThat(recovery.get("queued").asLong()).isZero();
        // The delivery function runs the RECOVER task it finds on the queue (DeliveryBatch's dispatch).
        DeliveryHandler handler = new DeliveryHandler(config, env.resources.clients);
        SQSBatchResponse batch = env.poll(handler, 1);
        assertThat(env.lastReceived).isEqualTo(1);
        assertThat(batch.getBatchItemFailures()).isEmpty();

        Map<DeliveryTask.Kind, List<Message>> queued = takeQueue();
        assertThat(queued.keySet()).containsExactly(DeliveryTask.Kind.DELIVER);
        List<DeliveryTask> tasks = queued.get(DeliveryTask.Kind.DELIVER).stream()
                .map(m -> TaskQueue.fromJson(m.body())).toList();
        assertThat(tasks).extracting(DeliveryTask::eventId).containsExactlyInAnyOrder(failed, never, elsewhere);
        assertThat(tasks).allSatisfy(t -> {
            assertThat(t.subscriptionId()).isEqualTo(id);
            assertThat(t.webhookId()).isEqualTo(WebhookIds.of(t.eventId(), id));
            assertThat(t.attemptsMade()).isZero();
        });
        JsonNode done = recovery(id, recoveryId);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("examined").asLong()).isEqualTo(5);
        assertThat(done.get("matched").asLong()).isEqualTo(4);
        assertThat(done.get("alreadyDelivered").asLong()).isEqualTo(1);
        assertThat(done.get("queued").asLong()).isEqualTo(3);
        assertThat(done.get("completedAt").isNull()).isFalse();
    }

    @Test
    void recover_whenSinceIsBeforeTheSubscriptionExisted_startsAtItsCreation(AwsBackend backend) throws Exception {
        start(backend);
        Instant createdAt = now.minus(Duration.ofMinutes(30));
        String id = subscribe(createdAt);
        putEvent("job.created", now.minus(Duration.ofMinutes(45)));  // before the subscription: never meant for it
        String after = putEvent("job.created", now.minus(Duration.ofMinutes(15)));

        Response started = recover(id, now.minus(Duration.ofHours(2)).toString());
        assertThat(Instant.parse(started.body().at("/recovery/from").asText())).isEqualTo(createdAt);
        env.poll(new DeliveryHandler(config, env.resources.clients), 1);

        assertThat(takeQueue().get(DeliveryTask.Kind.DELIVER)).extracting(m -> TaskQueue.fromJson(m.body()).eventId())
                .containsExactly(after);
    }

    @Test
    void recover_whenRequestInvalid_answers4xxWithCodeAndFieldAndQueuesNothing(AwsBackend backend) throws Exception {
        start(backend);
        String id = subscribe(now.minus(Duration.ofHours(3)));
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{}", "required");
        cases.put("{\"since\":null}", "required");
        cases.put("{\"since\":5}", "ISO-8601");
        cases.put("{\"since\":\"yesterday\"}", "ISO-8601");
        cases.put("{\"since\":\"" + now.minus(Duration.ofHours(1)).toString().replace("Z", "") + "\"}", "offset");
        cases.put("{\"since\":\"" + now.plus(Duration.ofHours(1)) + "\"}", "future");
        cases.put("{\"since\":\"" + now.minus(Duration.ofDays(31)) + "\"}", "retention period");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Response r = call("POST", "/api/v1/subscriptions/" + id + "/recover", c.getKey());
            assertThat(r.status()).as(c.getKey()).isEqualTo(400);
            assertThat(r.body().at("/error/code").asText()).as(c.getKey()).isEqualTo("INVALID_SINCE");
            assertThat(r.body().at("/error/field").asText()).as(c.getKey()).isEqualTo("since");
            assertThat(r.body().at("/error/message").asText()).as(c.getKey()).contains("since")
                    .contains(c.getValue());
        }
        Response unknownField = call("POST", "/api/v1/subscriptions/" + id + "/recover",
                "{\"since\":\"" + now + "\",\"until\":\"" + now + "\"}");
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.body().at("/error/code").asText()).isEqualTo("UNKNOWN_FIELD");
        assertThat(unknownField.body().at("/error/field").asText()).isEqualTo("until");
        assertThat(call("POST", "/api/v1/subscriptions/" + id + "/recover", "[1]").body().at("/error/code")
                .asText()).isEqualTo("INVALID_BODY");
        Response unknown = recover("sub_" + "0".repeat(32), now.toString());
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().at("/error/code").asText()).isEqualTo("SUBSCRIPTION_NOT_FOUND");
        assertThat(env.depth(env.queueUrl)).isZero();

        Response noRecovery = call("GET", "/api/v1/subscriptions/" + id + "/recoveries/rcv_" + "0".repeat(32), null);
        assertThat(noRecovery.status()).isEqualTo(404);
        assertThat(noRecovery.body().at("/error/code").asText()).isEqualTo("RECOVERY_NOT_FOUND");
        assertThat(call("GET", "/api/v1/subscriptions/" + id + "/recoveries/nonsense", null).status()).isEqualTo(404);
        // A recovery is only found under its own subscription.
        String recoveryId = recover(id, now.toString()).body().at("/recovery/recoveryId").asText();
        String otherId = subscribe(now.minus(Duration.ofHours(1)));
        assertThat(call("GET", "/api/v1/subscriptions/" + otherId + "/recoveries/" + recoveryId, null).status())
                .isEqualTo(404);
        assertThat(recovery(id, recoveryId).get("recoveryId").asText()).isEqualTo(recoveryId);
    }

    /** A worker whose steps read at most 3 events with at most 4 index queries. */
    private RecoveryWorker smallStepWorker() {
        return new RecoveryWorker(new RecoveryStore(env.resources.dynamoDb, config.eventsTable(), config.retention()),
                subscriptions, env.resources.dynamoDb, config.eventsTable(), env.resources.sqs, env.queueUrl,
                Clock.systemUTC(), env.log, 3, 4);
    }

    /** Eleven events since the time: nine matching (two of them delivered), two of another type. */
    private record Scenario(String subscriptionId, List<String> undelivered, Instant since) {
    }

    private Scenario elevenEvents() {
        String id = subscribe(now.minus(Duration.ofHours(3)));
        List<String> undelivered = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            Instant at = now.minus(Duration.ofMinutes(55 - i * 4L));
            if (i % 4 == 3) {
                putEvent("interview.scheduled", at);
            } else if (i == 0 || i == 5) {
                logAttempt(putEvent("job.created", at), id, DeliveryLogItems.OUTCOME_DELIVERED, at);
            } else {
                undelivered.add(putEvent("job.created", at));
            }
        }
        return new Scenario(id, undelivered, now.minus(Duration.ofHours(1)));
    }

    /** Runs RECOVER tasks from the queue through {@code worker} until none is left; returns the DELIVERs queued. */
    private List<DeliveryTask> runSteps(RecoveryWorker worker, String subscriptionId, String recoveryId,
                                        List<JsonNode> progress) throws Exception {
        List<DeliveryTask> delivers = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            Map<DeliveryTask.Kind, List<Message>> queued = takeQueue();
            queued.getOrDefault(DeliveryTask.Kind.DELIVER, List.of())
                    .forEach(m -> delivers.add(TaskQueue.fromJson(m.body())));
            List<Message> recovers = queued.getOrDefault(DeliveryTask.Kind.RECOVER, List.of());
            if (recovers.isEmpty()) {
                return delivers;
            }
            for (Message m : recovers) {
                assertThat(worker.step(TaskQueue.fromJson(m.body()), m.messageId())).isTrue();
                progress.add(recovery(subscriptionId, recoveryId));
            }
        }
        throw new AssertionError("the recovery did not finish in 50 rounds");
    }

    @Test
    void recover_whenMoreEventsThanOneStepHandles_completesOverSeveralStepsWithCorrectCountsAndVisibleProgress(
            AwsBackend backend) throws Exception {
        start(backend);
        Scenario s = elevenEvents();
        String recoveryId = recover(s.subscriptionId(), s.since().toString()).body().at("/recovery/recoveryId")
                .asText();

        List<JsonNode> progress = new ArrayList<>();
        List<DeliveryTask> delivers = runSteps(smallStepWorker(), s.subscriptionId(), recoveryId, progress);

        assertThat(delivers).extracting(DeliveryTask::eventId).containsExactlyInAnyOrderElementsOf(s.undelivered());
        // 11 events at 3 a step: at least 4 steps, and the first ones show a recovery under way.
        assertThat(progress.size()).isGreaterThanOrEqualTo(4);
        JsonNode first = progress.getFirst();
        assertThat(first.get("status").asText()).isEqualTo("running");
        assertThat(first.get("examined").asLong()).isBetween(1L, 3L);
        assertThat(progress).extracting(p -> p.get("examined").asLong()).isSorted();
        assertElevenEventsRecovered(progress.getLast());
    }

    /** The eleven-event scenario's recovery, completed: 9 of the subscription's types, 2 delivered, 7 queued. */
    private static void assertElevenEventsRecovered(JsonNode done) {
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("examined").asLong()).isEqualTo(11);
        assertThat(done.get("matched").asLong()).isEqualTo(9);
        assertThat(done.get("alreadyDelivered").asLong()).isEqualTo(2);
        assertThat(done.get("queued").asLong()).isEqualTo(7);
    }

    @Test
    void recover_whenRecoverTaskDuplicated_neitherQueuesTwiceNorCountsTwice(AwsBackend backend) throws Exception {
        start(backend);
        Scenario s = elevenEvents();
        String recoveryId = recover(s.subscriptionId(), s.since().toString()).body().at("/recovery/recoveryId")
                .asText();
        // A second copy of the first task (a SendMessage whose reply was lost and was sent again).
        String task = TaskQueue.toJson(DeliveryTask.recover(s.subscriptionId(), recoveryId));
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl).messageBody(task));

        List<JsonNode> progress = new ArrayList<>();
        List<DeliveryTask> delivers = runSteps(smallStepWorker(), s.subscriptionId(), recoveryId, progress);

        assertThat(delivers).extracting(DeliveryTask::eventId).containsExactlyInAnyOrderElementsOf(s.undelivered());
        assertElevenEventsRecovered(recovery(s.subscriptionId(), recoveryId));
    }

    @Test
    void recover_whenTwoCopiesOfItsTaskArriveInOneBatch_onlyOneRunsTheStep(AwsBackend backend) throws Exception {
        start(backend);
        Scenario s = elevenEvents();
        String recoveryId = recover(s.subscriptionId(), s.since().toString()).body().at("/recovery/recoveryId")
                .asText();
        String task = TaskQueue.toJson(DeliveryTask.recover(s.subscriptionId(), recoveryId));
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.queueUrl).messageBody(task));
        List<Message> both = env.receiveBatch(2, Duration.ofSeconds(5));
        assertThat(both).hasSize(2);

        // Both copies run at once, on their own virtual threads, as the delivery function runs a batch.
        SQSBatchResponse response = new DeliveryHandler(config, env.resources.clients)
                .handleRequest(env.batchOf(both), null);
        assertThat(response.getBatchItemFailures()).isEmpty();
        for (Message m : both) {
            env.resources.sqs.deleteMessage(r -> r.queueUrl(env.queueUrl).receiptHandle(m.receiptHandle()));
        }

        List<DeliveryTask> delivers = takeQueue().get(DeliveryTask.Kind.DELIVER).stream()
                .map(m -> TaskQueue.fromJson(m.body())).toList();
        assertThat(delivers).extracting(DeliveryTask::eventId)
                .containsExactlyInAnyOrderElementsOf(s.undelivered());
        JsonNode done = recovery(s.subscriptionId(), recoveryId);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("examined").asLong()).isEqualTo(11);
        assertThat(done.get("queued").asLong()).isEqualTo(7);
    }
}
