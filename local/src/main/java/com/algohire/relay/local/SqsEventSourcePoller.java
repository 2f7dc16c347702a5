package com.algohire.relay.local;

import com.algohire.relay.config.RelaySchema;
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
 * {@code ReportBatchItemFailures}: batches of up to the batch size by long polling, filled for up to the batching
 * window, at most one batch per poller in flight (so the pollers are the maximum concurrency), deleting the
 * messages the handler did not report as failed and leaving the failed ones for their visibility timeout, so
 * receive counts, backoff by visibility change and the redrive to the DLQ behave as they do on AWS. Each record's
 * {@code eventSourceARN} is this queue's ARN, which is how the delivery code tells its two lanes apart.
 */
public final class SqsEventSourcePoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqsEventSourcePoller.class);
    /** While a batch fills: a short receive this often, until it is full or the window has passed. */
    private static final Duration FILL_POLL = Duration.ofMillis(50);

    /**
     * @param batchSize       messages per invocation (the stack's event source batch size; SQS allows 1–10)
     * @param waitTimeSeconds long-poll wait of an idle poller; short enough that stopping is quick
     * @param pollers         concurrent pollers, i.e. at most this many invocations at once
     * @param functionTimeout what the handler's Context counts down from
     * @param batchingWindow  once a receive brought fewer than {@code batchSize} messages, how long to keep
     *                        receiving to fill the batch (Lambda's MaximumBatchingWindowInSeconds); zero: invoke
     *                        with what the first receive brought
     */
    public record Settings(int batchSize, int waitTimeSeconds, int pollers, Duration functionTimeout,
                           Duration batchingWindow) {

        /** Long polls of an idle poller: Lambda's are up to 20 s, but a local relay must stop within seconds. */
        static final int IDLE_WAIT_SECONDS = 1;

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
            if (batchingWindow == null || batchingWindow.isNegative() || batchingWindow.toSeconds() > 300) {
                throw new IllegalArgumentException("batchingWindow must be 0..300 s, was " + batchingWindow);
            }
        }

        /** Without a batching window: each invocation gets what one receive brought. */
        public Settings(int batchSize, int waitTimeSeconds, int pollers, Duration functionTimeout) {
            this(batchSize, waitTimeSeconds, pollers, functionTimeout, Duration.ZERO);
        }

        /**
         * What Lambda's event source mapping does for {@code source} with {@code maxConcurrency}: the same batch
         * size and batching window, and one poller per unit of maximum concurrency. Pollers are not scaled down
         * to this machine's cores: each is a thread that waits on I/O (a long poll, then the handler, whose
         * deliveries run on virtual threads and wait on their receivers), so 25 of them cost little on two cores,
         * and fewer would cap concurrency below the stack's, which is what an isolation measurement is about. The
         * one thing scaled is the idle long-poll wait ({@link #IDLE_WAIT_SECONDS} instead of up to 20 s), so that
         * stopping is quick; a long poll returns as soon as a message arrives, so it adds no latency.
         */
        public static Settings forSource(RelaySchema.EventSource source, int maxConcurrency,
                                         Duration functionTimeout) {
            return new Settings(source.batchSize(), IDLE_WAIT_SECONDS, maxConcurrency, functionTimeout,
                    Duration.ofSeconds(source.maxBatchingWindowSeconds()));
        }

        /** One line for a banner or a benchmark's header. */
        public String describe() {
            return "batch " + batchSize + ", batching window " + batchingWindow.toMillis() + " ms, " + pollers
                    + " pollers (max concurrency), idle long poll " + waitTimeSeconds + " s";
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
        String queueName = queueArn == null ? "queue" : queueArn.substring(queueArn.lastIndexOf(':') + 1);
        for (int i = 1; i <= settings.pollers(); i++) {
            Thread thread = new Thread(this::pollUntilStopped, functionName + "-" + queueName + "-poller-" + i);
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

    /**
     * One batch (a receive, then more receives to fill it within the batching window), one invocation, one
     * deletion: returns how many messages were received.
     */
    int pollOnce() {
        List<Message> messages = new ArrayList<>(receive(settings.batchSize(), settings.waitTimeSeconds()));
        if (messages.isEmpty()) {
            return 0;
        }
        long windowEnds = System.nanoTime() + settings.batchingWindow().toNanos();
        while (messages.size() < settings.batchSize() && System.nanoTime() < windowEnds && running.get()) {
            List<Message> more = receive(settings.batchSize() - messages.size(), 0);
            if (more.isEmpty()) {
                sleep(Duration.ofMillis(Math.min(FILL_POLL.toMillis(),
                        Math.max(1, (windowEnds - System.nanoTime()) / 1_000_000))));
            }
            messages.addAll(more);
        }
        invoke(messages);
        return messages.size();
    }

    private List<Message> receive(int max, int waitSeconds) {
        Duration attemptTimeout = Duration.ofSeconds(waitSeconds + 5);
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(max)
                .waitTimeSeconds(waitSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")
                // A long poll outlasts the clients' default attempt timeout, which is sized for short calls.
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(attemptTimeout)
                        .apiCallTimeout(attemptTimeout.multipliedBy(2))))
                .messages();
    }

    /** The settings this poller runs with (the banner and the bench print them). */
    public Settings settings() {
        return settings;
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
