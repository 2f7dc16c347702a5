package com.algohire.relay.local;

import com.algohire.relay.localaws.SqsEventRecords;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Feeds a queue's messages to an SQS-triggered handler the way Lambda's event source mapping does with
 * {@code ReportBatchItemFailures}: batches of up to ten by long polling, deleting the messages the handler did not
 * report as failed and leaving the failed ones for their visibility timeout, so receive counts, backoff by
 * visibility change and the redrive to the DLQ behave as they do on AWS.
 */
public final class SqsEventSourcePoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqsEventSourcePoller.class);

    /**
     * @param batchSize       messages per invocation (the stack's event source batch size; SQS allows 1–10)
     * @param waitTimeSeconds long-poll wait; short enough that stopping is quick
     * @param pollers         concurrent pollers, i.e. at most this many invocations at once
     * @param functionTimeout what the handler's Context counts down from
     */
    public record Settings(int batchSize, int waitTimeSeconds, int pollers, Duration functionTimeout) {
        public Settings {
            if (batchSize < 1 || batchSize > 10) {
                throw new IllegalArgumentException("batchSize must be 1..10, was " + batchSize);
            }
            if (waitTimeSeconds < 0 || waitTimeSeconds > 20) {
                throw new IllegalArgumentException("waitTimeSeconds must be 0..20, was " + waitTimeSeconds);
            }
            if (pollers < 1) {
                throw new IllegalArgumentException("pollers must be positive, was " + pollers);
            }
        }

        public static Settings defaults(Duration functionTimeout) {
            return new Settings(10, 2, 2, functionTimeout);
        }
    }

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final String functionName;
    private final RequestHandler<SQSEvent, SQSBatchResponse> handler;
    private final Settings settings;
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    public SqsEventSourcePoller(SqsClient sqs, String queueUrl, String queueArn, String region, String functionName,
                                RequestHandler<SQSEvent, SQSBatchResponse> handler, Settings settings) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.region = region;
        this.functionName = functionName;
        this.handler = handler;
        this.settings = settings;
    }

    public synchronized void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        for (int i = 1; i <= settings.pollers(); i++) {
            Thread thread = new Thread(this::pollUntilStopped, functionName + "-poller-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Stops polling and waits for a batch in flight to finish, so no message is left half-processed. */
    @Override
    public synchronized void close() {
        running.set(false);
        long waitMillis = Duration.ofSeconds(settings.waitTimeSeconds() + 5).plus(settings.functionTimeout())
                .toMillis();
        for (Thread thread : threads) {
            try {
                thread.join(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        threads.clear();
    }

    private void pollUntilStopped() {
        while (running.get()) {
            try {
                pollOnce();
            } catch (SdkException e) {
                if (running.get()) {
                    LOG.warn("polling {} failed, retrying in 1 s: {}", queueUrl, e.getMessage());
                    sleep(Duration.ofSeconds(1));
                }
            }
        }
    }

    /** One receive, one invocation, one deletion: returns how many messages were received. */
    int pollOnce() {
        Duration attemptTimeout = Duration.ofSeconds(settings.waitTimeSeconds() + 5);
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(settings.batchSize())
                .waitTimeSeconds(settings.waitTimeSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")
                // A long poll outlasts the clients' default attempt timeout, which is sized for short calls.
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(attemptTimeout)
                        .apiCallTimeout(attemptTimeout.multipliedBy(2))))
                .messages();
        if (!messages.isEmpty()) {
            invoke(messages);
        }
        return messages.size();
    }

    private void invoke(List<Message> messages) {
        SQSEvent event = SqsEventRecords.batch(messages, queueArn, region);
        SQSBatchResponse response;
        try {
            response = handler.handleRequest(event,
                    LocalLambdaContext.create(functionName, settings.functionTimeout()));
        } catch (RuntimeException | Error e) {
            // A failed invocation returns the whole batch to the queue, as on Lambda.
            LOG.warn("{} threw on a batch of {}; every message stays on the queue", functionName, messages.size(), e);
            return;
        }
        Set<String> failed = failedIds(response, messages);
        if (failed == null) {
            return;
        }
        List<DeleteMessageBatchRequestEntry> deletions = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Message message = messages.get(i);
            if (!failed.contains(message.messageId())) {
                deletions.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i)).receiptHandle(message.receiptHandle()).build());
            }
        }
        if (!deletions.isEmpty()) {
            var result = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(deletions));
            result.failed()
                    .forEach(f -> LOG.warn("could not delete a delivered message ({}): {}", f.code(), f.message()));
        }
    }

    /**
     * The ids to keep on the queue; null means the whole batch, which is what Lambda does when the response names
     * an item that is empty or not in the batch.
     */
    private Set<String> failedIds(SQSBatchResponse response, List<Message> messages) {
        Set<String> failed = new HashSet<>();
        if (response == null || response.getBatchItemFailures() == null) {
            return failed;
        }
        Set<String> inBatch = new HashSet<>();
        messages.forEach(m -> inBatch.add(m.messageId()));
        for (SQSBatchResponse.BatchItemFailure failure : response.getBatchItemFailures()) {
            String id = failure == null ? null : failure.getItemIdentifier();
            if (id == null || !inBatch.contains(id)) {
                LOG.warn("{} reported an item failure for '{}', which is not in the batch; the whole batch stays "
                        + "on the queue", functionName, id);
                return null;
            }
            failed.add(id);
        }
        return failed;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
