package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.event.EventItems;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.internal.Json;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SqsEventRecords;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.testing.WireCounter;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The delivery side's view of {@link TestResources} (the delivery queue, its DLQ with the redrive policy of
 * {@link RelaySchema#DELIVERY}, the subscriptions table), a short retry schedule, and a poller that
 * feeds the handler the way Lambda's event source mapping does (receive, invoke, delete what did not fail).
 */
public final class DeliveryTestEnvironment {
    public final TestResources resources;
    public final String queueUrl;
    public final String dlqUrl;
    public final String subscriptionsTable;
    public final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    public final StructuredLog log = new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8),
            Clock.systemUTC());

    private DeliveryTestEnvironment(TestResources resources, String queueUrl, String dlqUrl,
            String subscriptionsTable) {
        this.resources = resources;
        this.queueUrl = queueUrl;
        this.dlqUrl = dlqUrl;
        this.subscriptionsTable = subscriptionsTable;
    }

    public static DeliveryTestEnvironment create(AwsBackend backend) {
        TestResources resources = TestResources.create(backend);
        return new DeliveryTestEnvironment(resources, resources.names.deliveryQueue().queueUrl(),
                resources.names.deliveryQueue().dlqUrl(), resources.names.subscriptionsTable());
    }

    /** Config with a short test schedule; {@code overrides} win. */
    public RelayConfig config(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>();
        merged.put(EnvVars.RETRY_SCHEDULE_SECONDS, "0");
        merged.put(EnvVars.SSRF_ALLOWLIST, "127.0.0.1");
        merged.putAll(overrides);
        return resources.config(merged);
    }

    public EventStore eventStore(RelayConfig config) {
        return new EventStore(resources.dynamoDb, resources.s3, config);
    }

    /** Stores an accepted event the way ingest does (inline payload). */
    public String putEvent(RelayConfig config, String eventType, String payloadJson) {
        return putEvent(config, "evt_" + UUID.randomUUID().toString().replace("-", ""), eventType, payloadJson);
    }

    /** Stores a queued event under a given id, e.g. the one a sample SQS event in events/ refers to. */
    public String putEvent(RelayConfig config, String eventId, String eventType, String payloadJson) {
        Instant now = Instant.now();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(eventId)));
        item.put(RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK));
        item.put(EventItems.EVENT_ID, AttributeValue.fromS(eventId));
        item.put(RelaySchema.EVENT_TYPE, AttributeValue.fromS(eventType));
        item.put(EventItems.IDEMPOTENCY_KEY, AttributeValue.fromS("key-" + eventId));
        item.put(EventItems.PAYLOAD, AttributeValue.fromS(payloadJson));
        item.put(EventItems.RECEIVED_AT, AttributeValue.fromS(EventItems.timestamp(now)));
        item.putAll(EventItems.listKeys(eventId, eventType, now));
        item.put(EventItems.STATUS, AttributeValue.fromS(EventItems.STATUS_QUEUED));
        resources.dynamoDb.putItem(r -> r.tableName(config.eventsTable()).item(item));
        return eventId;
    }

    /** One event-source-mapping poll: receive up to 10, invoke, delete the messages not reported as failures. */
    public volatile int lastReceived;

    /** How many messages one poll received (0 when nothing was visible). */
    public int pollReceived(DeliveryHandler handler, int waitSeconds) {
        poll(handler, waitSeconds);
        return lastReceived;
    }

    public SQSBatchResponse poll(DeliveryHandler handler, int waitSeconds) {
        List<Message> messages = resources.sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(waitSeconds).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
        lastReceived = messages.size();
        SQSBatchResponse response = handler.handleRequest(batchOf(messages), null);
        return settle(queueUrl, messages, response);
    }

    /**
     * Invokes the handler on messages received from the main delivery queue and deletes those it did not report as
     * failures, as the event source mapping does; failures stay in flight until their visibility ends.
     */
    public SQSBatchResponse handleAndSettle(DeliveryHandler handler, List<Message> messages) {
        SQSBatchResponse response = handler.handleRequest(batchOf(messages), null);
        return settle(queueUrl, messages, response);
    }

    /** What the event source mapping does after an invocation: deletes the messages not reported as failures. */
    private SQSBatchResponse settle(String url, List<Message> messages, SQSBatchResponse response) {
        Set<String> failed = response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).collect(Collectors.toSet());
        for (Message m : messages) {
            if (!failed.contains(m.messageId())) {
                resources.sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        return response;
    }

    /** The SQS event the event source mapping would build from these messages of the delivery queue. */
    public SQSEvent batchOf(List<Message> messages) {
        return SqsEventRecords.batch(messages, resources.names.deliveryQueue().queueArn(),
                resources.clients.region().id());
    }

    /** The slow lane's queue (DELIVERY_SLOW_QUEUE_URL in {@link #config} unless a test opts out). */
    public String slowQueueUrl() {
        return resources.slowQueueUrl();
    }

    /**
     * As {@link #poll}, from the slow lane: its records carry the slow queue's ARN as {@code eventSourceARN}, as
     * the slow lane's event source mapping builds them.
     */
    public SQSBatchResponse pollSlowLane(DeliveryHandler handler, int waitSeconds) {
        String url = resources.slowQueueUrl();
        List<Message> messages = resources.sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                .waitTimeSeconds(waitSeconds).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
        SQSBatchResponse response = handler.handleRequest(SqsEventRecords.batch(messages, resources.slowQueueArn(),
                resources.clients.region().id()), null);
        return settle(url, messages, response);
    }

    /**
     * Receives messages of the delivery queue, with their system attributes, until {@code count} are in hand or
     * {@code within} has passed; they are not deleted, like a batch the event source mapping holds.
     */
    public List<Message> receiveBatch(int count, Duration within) {
        List<Message> batch = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (batch.size() < count && System.nanoTime() < deadline) {
            batch.addAll(resources.sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages());
        }
        return batch;
    }

    /** Receives, and deletes, every message now visible on the delivery queue. */
    public List<Message> receiveAll() {
        List<Message> all = new ArrayList<>();
        List<Message> messages;
        do {
            messages = resources.sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            for (Message m : messages) {
                all.add(m);
                resources.sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        } while (!messages.isEmpty());
        return all;
    }

    /** Subscribes https://hooks.example.com/algohire to job.* through the management API; returns its id. */
    public static String subscribe(ManagementApiHandler management) throws Exception {
        return subscribe(management, "https://hooks.example.com/algohire");
    }

    /** A subscription to {@code job.*} at {@code url}, created through the management API; its id. */
    public static String subscribe(ManagementApiHandler management, String url) throws Exception {
        APIGatewayProxyResponseEvent response = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withPath("/api/v1/subscriptions")
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"url\":\"" + url + "\",\"eventTypes\":[\"job.*\"]}"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
        return Json.mapper().readTree(response.getBody()).get("subscription").get("subscriptionId").asText();
    }

    /**
     * The delivery function on {@code dynamoDb} (counted by {@code wire}, or a spy on such a client) and on SQS and
     * S3 clients counted by {@code wire}: every AWS call it makes is on the wire counter.
     */
    public DeliveryHandler countedHandler(RelayConfig config, WireCounter wire, DynamoDbClient dynamoDb,
                                          AwsBackend backend) {
        return new DeliveryHandler(config, dynamoDb, wire.sqs(backend, backend.sqsEndpoint()),
                new EventStore(dynamoDb, wire.s3(backend, backend.s3Endpoint()), config), Clock.systemUTC(), log);
    }

    /** Messages on the queue: visible, in flight, or delayed (a retry is a new message, delayed by its backoff). */
    public int depth(String url) {
        Map<QueueAttributeName, String> a = resources.sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
                .attributes();
        return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                + delayed(url);
    }

    /** Messages on the queue that SQS still holds back (their DelaySeconds have not passed). */
    public int delayed(String url) {
        return Integer.parseInt(resources.sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes()
                .getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED, "0"));
    }

    public String logText() {
        return logs.toString(StandardCharsets.UTF_8);
    }
}
