package com.algohire.relay.local;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.config.ResourceProvisioner;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(SharedAwsBackend.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqsEventSourcePollerIntegrationTest {
    /** One second of visibility and two receives before the DLQ keep the redelivery paths quick to observe. */
    private static final RelaySchema.Queue FAST_QUEUE = new RelaySchema.Queue("Test", 1, 2, 1, 1);

    private SqsClient sqs;
    private ResourceProvisioner provisioner;
    private String region;
    private final List<SqsEventSourcePoller> started = new ArrayList<>();

    @BeforeAll
    void clients(AwsBackend backend) {
        var clients = LocalRelay.clients(backend);
        sqs = clients.sqs();
        provisioner = new ResourceProvisioner(clients.dynamoDb(), clients.s3(), sqs);
        region = backend.region().id();
    }

    @AfterEach
    void stopPollers() {
        started.forEach(SqsEventSourcePoller::close);
        started.clear();
    }

    @AfterAll
    void close() {
        sqs.close();
    }

    @Test
    void poll_whenOneMessageOfBatchFails_deletesOthersAndRedeliversFailedAfterVisibility() {
        var queue = queue();
        send(queue, "ok-1", "ok-2", "fail-1");
        var handler = new RecordingHandler();

        start(queue, handler);

        await(() -> handler.receiveCountsOf("fail-1").contains("2"));
        assertThat(handler.batches.getFirst()).extracting(SQSEvent.SQSMessage::getBody)
                .containsExactlyInAnyOrder("ok-1", "ok-2", "fail-1");
        assertThat(handler.receiveCountsOf("fail-1")).startsWith("1", "2");
        // The failed message has come back, so an undeleted success would have come back with it.
        assertThat(handler.receiveCountsOf("ok-1")).containsExactly("1");
        assertThat(handler.receiveCountsOf("ok-2")).containsExactly("1");
    }

    @Test
    void poll_whenMessageFailsMaxReceiveCountTimes_itLandsInTheDlq() {
        var queue = queue();
        send(queue, "fail-forever");
        var handler = new RecordingHandler();

        start(queue, handler);

        var dlqMessages = new ArrayList<String>();
        await(() -> {
            sqs.receiveMessage(r -> r.queueUrl(queue.dlqUrl()).waitTimeSeconds(1))
                    .messages().forEach(m -> dlqMessages.add(m.body()));
            return !dlqMessages.isEmpty();
        });
        assertThat(dlqMessages).containsExactly("fail-forever");
        assertThat(handler.receiveCountsOf("fail-forever")).containsExactly("1", "2");
    }

    @Test
    void poll_whenHandlerThrows_leavesTheWholeBatchOnTheQueue() {
        var queue = queue();
        send(queue, "a", "b");
        var invocations = Collections.synchronizedList(new ArrayList<List<String>>());
        RequestHandler<SQSEvent, SQSBatchResponse> throwing = (event, context) -> {
            invocations.add(event.getRecords().stream()
                    .map(m -> m.getBody() + "#" + m.getAttributes().get("ApproximateReceiveCount")).toList());
            throw new IllegalStateException("invocation failed");
        };

        start(queue, throwing);

        await(() -> invocations.stream().flatMap(List::stream).filter(s -> s.endsWith("#2")).count() == 2);
        assertThat(invocations.getFirst()).containsExactlyInAnyOrder("a#1", "b#1");
    }

    @Test
    void poll_whenMessagesArrive_buildsRecordsAsTheLambdaEventSourceDoes() {
        var queue = queue();
        sqs.sendMessage(r -> r.queueUrl(queue.queueUrl()).messageBody("{\"kind\":\"FAN_OUT\"}")
                .messageAttributes(java.util.Map.of("traceId", MessageAttributeValue.builder()
                        .dataType("String").stringValue("t-1").build())));
        var handler = new RecordingHandler();

        start(queue, handler);

        await(() -> !handler.batches.isEmpty());
        SQSEvent.SQSMessage record = handler.batches.getFirst().getFirst();
        assertThat(record.getEventSource()).isEqualTo("aws:sqs");
        assertThat(record.getEventSourceArn()).isEqualTo(queue.queueArn());
        assertThat(record.getAwsRegion()).isEqualTo(region);
        assertThat(record.getMessageId()).isNotBlank();
        assertThat(record.getReceiptHandle()).isNotBlank();
        assertThat(record.getMd5OfBody()).isEqualTo(md5Hex("{\"kind\":\"FAN_OUT\"}"));
        assertThat(record.getAttributes())
                .containsEntry(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT.toString(), "1")
                .containsKey(MessageSystemAttributeName.SENT_TIMESTAMP.toString());
        assertThat(record.getMessageAttributes().get("traceId").getStringValue()).isEqualTo("t-1");
        assertThat(record.getMessageAttributes().get("traceId").getDataType()).isEqualTo("String");
        assertThat(handler.contexts.getFirst().getFunctionName()).isEqualTo("delivery");
    }

    @Test
    void poll_whenMoreMessagesArriveWithinTheBatchingWindow_invokesOnceWithAllOfThem() throws Exception {
        // visibility longer than the window, so the first message is not received twice while the batch fills
        var queue = provisioner.createQueue(new RelaySchema.Queue("Test", 30, 2, 1, 1),
                "poller-" + UUID.randomUUID().toString().substring(0, 8));
        var handler = new RecordingHandler();
        var poller = new SqsEventSourcePoller(sqs, queue.queueUrl(), queue.queueArn(), region, "delivery", handler,
                new SqsEventSourcePoller.Settings(10, 1, 1, Duration.ofSeconds(30), Duration.ofSeconds(3)));
        started.add(poller);
        poller.start();

        send(queue, "first");
        Thread.sleep(500);
        send(queue, "second", "third");

        await(() -> new ArrayList<>(handler.batches).stream().mapToInt(List::size).sum() >= 3);
        assertThat(handler.batches).hasSize(1);
        assertThat(handler.batches.getFirst()).extracting(SQSEvent.SQSMessage::getBody)
                .containsExactlyInAnyOrder("first", "second", "third");
    }

    @Test
    void pollers_ofTwoLanes_tagEachRecordWithItsOwnQueuesArn() {
        var main = queue();
        var slow = queue();
        var mainHandler = new RecordingHandler();
        var slowHandler = new RecordingHandler();
        start(main, mainHandler);
        start(slow, slowHandler);

        send(main, "on-main");
        send(slow, "on-slow");

        await(() -> !mainHandler.batches.isEmpty() && !slowHandler.batches.isEmpty());
        assertThat(mainHandler.batches.getFirst().getFirst().getEventSourceArn()).isEqualTo(main.queueArn());
        assertThat(mainHandler.batches.getFirst().getFirst().getBody()).isEqualTo("on-main");
        assertThat(slowHandler.batches.getFirst().getFirst().getEventSourceArn()).isEqualTo(slow.queueArn());
        assertThat(slowHandler.batches.getFirst().getFirst().getBody()).isEqualTo("on-slow");
    }

    @Test
    void settings_forAnEventSource_areItsBatchSizeAndWindowWithOnePollerPerUnitOfConcurrency() {
        var settings = SqsEventSourcePoller.Settings.forSource(RelaySchema.DELIVERY_SLOW_SOURCE, 5,
                Duration.ofSeconds(30));

        assertThat(settings.batchSize()).isEqualTo(RelaySchema.DELIVERY_SLOW_SOURCE.batchSize());
        assertThat(settings.batchingWindow().toSeconds())
                .isEqualTo(RelaySchema.DELIVERY_SLOW_SOURCE.maxBatchingWindowSeconds());
        assertThat(settings.pollers()).isEqualTo(5);
        assertThat(settings.describe()).contains("batch " + RelaySchema.DELIVERY_SLOW_SOURCE.batchSize())
                .contains("5 pollers");
    }

    @Test
    void close_whenPolling_stopsWithinTheLongPollWait() {
        var queue = queue();
        SqsEventSourcePoller poller = start(queue, new RecordingHandler());
        Instant before = Instant.now();

        poller.close();

        assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofSeconds(8));
        send(queue, "after-close");
        assertThat(sqs.receiveMessage(r -> r.queueUrl(queue.queueUrl()).waitTimeSeconds(2)).messages())
                .extracting(m -> m.body()).containsExactly("after-close");
    }

    private ResourceProvisioner.QueuePair queue() {
        return provisioner.createQueue(FAST_QUEUE, "poller-" + UUID.randomUUID().toString().substring(0, 8));
    }

    private void send(ResourceProvisioner.QueuePair queue, String... bodies) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < bodies.length; i++) {
            entries.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody(bodies[i]).build());
        }
        assertThat(sqs.sendMessageBatch(r -> r.queueUrl(queue.queueUrl()).entries(entries)).failed()).isEmpty();
    }

    private SqsEventSourcePoller start(ResourceProvisioner.QueuePair queue,
            RequestHandler<SQSEvent, SQSBatchResponse> handler) {
        var poller = new SqsEventSourcePoller(sqs, queue.queueUrl(), queue.queueArn(), region, "delivery", handler,
                new SqsEventSourcePoller.Settings(10, 1, 1, Duration.ofSeconds(30)));
        started.add(poller);
        poller.start();
        return poller;
    }

    private static void await(BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("condition within 20 s").isBefore(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String md5Hex(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("MD5")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fails every message whose body starts with "fail"; records each batch and the receive count it saw. */
    private static final class RecordingHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
        final List<List<SQSEvent.SQSMessage>> batches = Collections.synchronizedList(new ArrayList<>());
        final List<Context> contexts = Collections.synchronizedList(new ArrayList<>());

        @Override
        public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
            batches.add(List.copyOf(event.getRecords()));
            contexts.add(context);
            return new SQSBatchResponse(event.getRecords().stream()
                    .filter(m -> m.getBody().startsWith("fail"))
                    .map(m -> new SQSBatchResponse.BatchItemFailure(m.getMessageId()))
                    .toList());
        }

        List<String> receiveCountsOf(String body) {
            synchronized (batches) {
                return batches.stream().flatMap(List::stream).filter(m -> m.getBody().equals(body))
                        .map(m -> m.getAttributes().get("ApproximateReceiveCount")).toList();
            }
        }
    }
}
