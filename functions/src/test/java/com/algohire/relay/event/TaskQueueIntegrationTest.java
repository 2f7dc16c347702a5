package com.algohire.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.TestResources;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.Message;

/** Task messages on a real SQS-protocol server: whatever a task's text holds, SQS accepts the message. */
@ExtendWith(SharedAwsBackend.class)
class TaskQueueIntegrationTest {

    @Test
    void send_whenLastErrorHoldsCharactersSqsRefuses_queuesTheTaskWithThemReplaced(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        String queueUrl = aws.deliveryQueueUrl();
        // Not from an attempt's result (that is sanitised where it is made): the guard is for any other text.
        DeliveryTask task = DeliveryTask.deliver("evt-1", "job.created", "sub_1", "msg_1")
                .afterAttempt(null, "HTTP 503: \uFFFF\uFFFE\u0000\uD800!");

        new TaskQueue(aws.sqs, queueUrl).send(task, Duration.ZERO);
        new TaskQueue(aws.sqs, queueUrl).sendAll(List.of(task));

        List<Message> received = aws.sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds(1)).messages();
        assertThat(received).hasSize(2).extracting(m -> TaskQueue.fromJson(m.body()).lastError())
                .containsOnly("HTTP 503: \uFFFD\uFFFD\uFFFD\uFFFD!");
    }
}
