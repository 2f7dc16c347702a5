package com.algohire.relay.queues;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The operator's view of the delivery queues (the main lane, the slow lane when there is one, and the DLQ): how
 * many messages each holds waiting, in flight and delayed, one GetQueueAttributes per queue.
 *
 * <p>The age of the oldest message is not here: SQS has no queue attribute for it, only CloudWatch's
 * {@code ApproximateAgeOfOldestMessage} metric, which the stack's alarms watch. The counts are SQS's approximate
 * ones: eventually consistent, about a minute behind a burst.
 */
public final class QueueStatistics {
    /** One queue's counts. */
    public record Stats(String name, String url, long waiting, long inFlight, long delayed) {
    }

    /** A queue by the name the answer gives it ({@code main}, {@code slow}, {@code dlq}) and its URL. */
    private record Named(String name, String url) {
    }

    private final SqsClient sqs;
    private final List<Named> queues;

    /** @param slowQueueUrl the slow lane's queue, or empty (or null) when the relay runs one lane */
    public QueueStatistics(SqsClient sqs, String mainQueueUrl, String slowQueueUrl, String dlqUrl) {
        this.sqs = sqs;
        List<Named> named = new ArrayList<>();
        named.add(new Named("main", mainQueueUrl));
        if (slowQueueUrl != null && !slowQueueUrl.isEmpty()) {
            named.add(new Named("slow", slowQueueUrl));
        }
        named.add(new Named("dlq", dlqUrl));
        this.queues = List.copyOf(named);
    }

    /** Every queue's counts: main, then slow (when configured), then the DLQ. */
    public List<Stats> all() {
        return queues.stream().map(this::stats).toList();
    }

    private Stats stats(Named queue) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queue.url())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return new Stats(queue.name(), queue.url(),
                count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
                count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
    }

    private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        String value = attributes.get(name);
        return value == null ? 0 : Long.parseLong(value);
    }
}
