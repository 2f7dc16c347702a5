package com.algohire.relay.dlq;

import com.algohire.relay.audit.Commit;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>Redrive: one wins, the others hear {@link RedriveInProgressException}. SQS runs one move task per queue and
 * refuses a second while the first runs, but a move task over few messages can finish within milliseconds, after
 * which SQS accepts the next caller's: so redrives started within {@link #CONCURRENT_WINDOW} of each other count as
 * one, the earliest task (in SQS's own list) being the redrive and the later callers being told it is in progress.
 * The state lives in SQS's task list alone, since it is all that concurrent management functions share.
 */
public final class DeadLetterQueue {
    /** A redrive could not start because one is running, or has just run. */
    public static final class RedriveInProgressException extends RelayException {
        private static final long serialVersionUID = 1L;
        private final String taskHandle;

        RedriveInProgressException(String taskHandle) {
            super(ErrorCode.REDRIVE_IN_PROGRESS, "A redrive is moving messages or has just moved them; check "
                    + "GET /api/v1/dlq before starting another", taskHandle == null ? Map.of()
                    : Map.of("taskHandle", taskHandle));
            this.taskHandle = taskHandle;
        }

        /** The other redrive's task, or null when SQS no longer reports it (it finished). */
        public String taskHandle() {
            return taskHandle;
        }
    }

    static final int PEEK_LIMIT = 10;
    /** Redrives started this close together are one redrive: seconds, where concurrent requests take milliseconds. */
    static final Duration CONCURRENT_WINDOW = Duration.ofSeconds(10);
    private static final Set<String> STARTED = Set.of("RUNNING", "COMPLETED");

    private final SqsClient sqs;
    private final String dlqUrl;
    private final String sourceQueueUrl;
    private final Clock clock;

    public DeadLetterQueue(SqsClient sqs, String dlqUrl, String sourceQueueUrl, Clock clock) {
        this.sqs = sqs;
        this.dlqUrl = dlqUrl;
        this.sourceQueueUrl = sourceQueueUrl;
        this.clock = clock;
    }

    /**
     * {@code {"approximateDepth", "approximateInFlight", "messages": [...], "redrive": {"running", "tasks": [...]}}}:
     * the redrive's progress is SQS's own list of move tasks from the DLQ (the latest first, at most 10), so it
     * shows every operator's redrive, whichever function instance started it.
     */
    public Map<String, Object> describe() {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.QUEUE_ARN)).attributes();
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
        body.put("approximateInFlight",
                intAttribute(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
        body.put("messages", peek);
        body.put("redrive", redriveProgress(tasks(attributes.get(QueueAttributeName.QUEUE_ARN))));
        return body;
    }

    /**
     * {@code {"running": bool, "tasks": [{"taskHandle", "status", "startedAt", "movedMessages", "messagesToMove",
     * "failureReason"}]}}. SQS reports a handle only for a RUNNING task, and messagesToMove only when it knew the
     * count at the start; absent values are null.
     */
    static Map<String, Object> redriveProgress(List<ListMessageMoveTasksResultEntry> tasks) {
        List<Map<String, Object>> views = new ArrayList<>();
        for (ListMessageMoveTasksResultEntry task : tasks) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("taskHandle", task.taskHandle());
            view.put("status", task.status());
            view.put("startedAt", task.startedTimestamp() == null ? null
                    : Instant.ofEpochMilli(task.startedTimestamp()).toString());
            view.put("movedMessages", task.approximateNumberOfMessagesMoved());
            view.put("messagesToMove", task.approximateNumberOfMessagesToMove());
            view.put("failureReason", task.failureReason());
            views.add(view);
        }
        Map<String, Object> redrive = new LinkedHashMap<>();
        redrive.put("running", tasks.stream().anyMatch(t -> "RUNNING".equals(t.status())));
        redrive.put("tasks", views);
        return redrive;
    }

    /**
     * Starts moving every DLQ message back to the delivery queue, where each gets a fresh retry budget.
     *
     * @param commit told once SQS has started the move (the check for a concurrent start that follows may fail)
     * @return the move task's handle
     * @throws RedriveInProgressException when another redrive is running, has just run, or started together with
     *                                    this one and came first
     */
    public String redrive(Commit commit) {
        String dlqArn = arn(dlqUrl);
        String sourceArn = arn(sourceQueueUrl);
        throwIfStartedRecently(tasks(dlqArn));
        String handle;
        try {
            handle = sqs.startMessageMoveTask(r -> r.sourceArn(dlqArn).destinationArn(sourceArn)).taskHandle();
        } catch (SqsException e) {
            // Another operator's redrive started since the check: SQS refuses a second task while one runs
            // (InvalidParameterValue "There is already a task running..."; ElasticMQ: UnsupportedOperation "A
            // message move task is already running..."). That task may have finished by now, so the refusal itself
            // is the answer. Any other refusal is a fault, unless a redrive has started meanwhile.
            List<ListMessageMoveTasksResultEntry> now = tasks(dlqArn);
            if (refusedAsAlreadyRunning(e)) {
                throw new RedriveInProgressException(now.isEmpty() ? null : now.getFirst().taskHandle());
            }
            throwIfStartedRecently(now);
            throw e;
        }
        commit.committed();
        throwIfAnotherStartedFirst(tasks(dlqArn), handle);
        return handle;
    }

    private void throwIfStartedRecently(List<ListMessageMoveTasksResultEntry> tasks) {
        if (!tasks.isEmpty() && "RUNNING".equals(tasks.getFirst().status())) {
            throw new RedriveInProgressException(tasks.getFirst().taskHandle());
        }
        List<ListMessageMoveTasksResultEntry> recent = recent(tasks);
        if (!recent.isEmpty()) {
            throw new RedriveInProgressException(recent.getFirst().taskHandle());
        }
    }

    /**
     * Concurrent callers whose starts SQS accepted one after another: the oldest of the recent tasks is the
     * redrive. SQS lists the newest first and reports a handle only for RUNNING tasks (ElasticMQ for all); when the
     * oldest has none and ours is not among the others, it is taken to be ours, so a lone caller whose task has
     * already finished is never told of a conflict with itself.
     */
    private void throwIfAnotherStartedFirst(List<ListMessageMoveTasksResultEntry> tasks, String ours) {
        List<ListMessageMoveTasksResultEntry> recent = recent(tasks);
        if (recent.isEmpty()) {
            return;
        }
        ListMessageMoveTasksResultEntry oldest = recent.getLast();
        if (ours.equals(oldest.taskHandle())) {
            return;
        }
        boolean oursListed = recent.stream().anyMatch(t -> ours.equals(t.taskHandle()));
        if (oldest.taskHandle() != null || oursListed) {
            throw new RedriveInProgressException(oldest.taskHandle());
        }
    }

    /** Tasks started (running or completed) within the window, newest first as SQS lists them. */
    private List<ListMessageMoveTasksResultEntry> recent(List<ListMessageMoveTasksResultEntry> tasks) {
        long since = clock.instant().minus(CONCURRENT_WINDOW).toEpochMilli();
        return tasks.stream().filter(t -> STARTED.contains(t.status()) && t.startedTimestamp() != null
                && t.startedTimestamp() >= since).toList();
    }

    private List<ListMessageMoveTasksResultEntry> tasks(String dlqArn) {
        return sqs.listMessageMoveTasks(r -> r.sourceArn(dlqArn).maxResults(10)).results();
    }

    private static boolean refusedAsAlreadyRunning(SqsException e) {
        String message = e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                ? e.awsErrorDetails().errorMessage() : e.getMessage();
        String text = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return e.statusCode() == 400 && text.contains("already") && text.contains("running");
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
