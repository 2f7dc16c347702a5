package com.algohire.relay.dlq;

import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * The operator's view of parked delivery tasks: depth, a peek at some of them, and redrive back to the delivery
 * queue with SQS's StartMessageMoveTask.
 *
 * <p>The peek receives with VisibilityTimeout 0, so the messages stay available (to a redrive too). Receiving
 * increments their receive counts, which is harmless here: the DLQ has no redrive policy of its own, and the
 * count does not travel with a message moved back. SQS returns a sample of up to 10, not strictly the oldest;
 * each carries its SentTimestamp so the operator can tell.
 */
public final class DeadLetterQueue {
    /** A redrive could not start because one is already moving messages. */
    public static final class RedriveInProgressException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String taskHandle;

        RedriveInProgressException(String taskHandle) {
            super("a redrive is already running", null, false, false);
            this.taskHandle = taskHandle;
        }

        public String taskHandle() {
            return taskHandle;
        }
    }

    static final int PEEK_LIMIT = 10;

    private final SqsClient sqs;
    private final String dlqUrl;
    private final String sourceQueueUrl;

    public DeadLetterQueue(SqsClient sqs, String dlqUrl, String sourceQueueUrl) {
        this.sqs = sqs;
        this.dlqUrl = dlqUrl;
        this.sourceQueueUrl = sourceQueueUrl;
    }

    /** {@code {"approximateDepth", "approximateInFlight", "messages": [...]}}. */
    public Map<String, Object> describe() {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(dlqUrl).maxNumberOfMessages(PEEK_LIMIT)
                .visibilityTimeout(0).waitTimeSeconds(0)
                .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP,
                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
        List<Map<String, Object>> peek = new ArrayList<>();
        for (Message message : messages) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("messageId", message.messageId());
            String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
            item.put("sentAt", sent == null ? null : Instant.ofEpochMilli(Long.parseLong(sent)).toString());
            item.put("task", task(message.body()));
            peek.add(item);
        }
        peek.sort((a, b) -> String.valueOf(a.get("sentAt")).compareTo(String.valueOf(b.get("sentAt"))));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("approximateDepth", intAttribute(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
        body.put("approximateInFlight", intAttribute(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
        body.put("messages", peek);
        return body;
    }

    /**
     * Starts moving every DLQ message back to the delivery queue, where each gets a fresh retry budget.
     *
     * @return the move task's handle
     * @throws RedriveInProgressException when a move task is already running
     */
    public String redrive() {
        String dlqArn = arn(dlqUrl);
        String sourceArn = arn(sourceQueueUrl);
        throwIfRunning(dlqArn);
        try {
            return sqs.startMessageMoveTask(r -> r.sourceArn(dlqArn).destinationArn(sourceArn)).taskHandle();
        } catch (SqsException e) {
            // Another operator's redrive may have started since the check (SQS allows one per queue): that is a
            // conflict to report, not our fault.
            if (e.statusCode() >= 400 && e.statusCode() < 500) {
                throwIfRunning(dlqArn);
            }
            throw e;
        }
    }

    private void throwIfRunning(String dlqArn) {
        List<ListMessageMoveTasksResultEntry> tasks = sqs.listMessageMoveTasks(r -> r.sourceArn(dlqArn).maxResults(1)).results();
        if (!tasks.isEmpty() && "RUNNING".equals(tasks.getFirst().status())) {
            throw new RedriveInProgressException(tasks.getFirst().taskHandle());
        }
    }

    /** Asked of SQS rather than configured: one fewer setting to keep in step with the stack. */
    private String arn(String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    private static Object task(String body) {
        try {
            return Json.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            return "(not a delivery task)";
        }
    }

    private static Integer intAttribute(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        String value = attributes.get(name);
        return value == null ? null : Integer.valueOf(value);
    }
}
