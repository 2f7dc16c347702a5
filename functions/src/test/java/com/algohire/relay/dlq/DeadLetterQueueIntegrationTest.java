package com.algohire.relay.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksRequest;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResponse;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.SqsException;
import software.amazon.awssdk.services.sqs.model.StartMessageMoveTaskRequest;

@ExtendWith(SharedAwsBackend.class)
class DeadLetterQueueIntegrationTest {

    @Test
    void redrive_mockitoInjectedRaceWithAnotherRedrive_reportsItInProgress(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        SqsClient real = env.resources.sqs;
        SqsClient sqs = spy(real);
        // Between our check and our start, another operator's move task starts: SQS refuses ours.
        AtomicInteger lists = new AtomicInteger();
        doAnswer(invocation -> lists.incrementAndGet() == 1
                ? real.listMessageMoveTasks((ListMessageMoveTasksRequest) invocation.getArgument(0))
                : ListMessageMoveTasksResponse.builder().results(ListMessageMoveTasksResultEntry.builder()
                        .status("RUNNING").taskHandle("other-operators-task").build()).build())
                .when(sqs).listMessageMoveTasks(any(ListMessageMoveTasksRequest.class));
        doThrow(SqsException.builder().statusCode(400).message("a message move task is already running").build())
                .when(sqs).startMessageMoveTask(any(StartMessageMoveTaskRequest.class));

        assertThatThrownBy(() -> new DeadLetterQueue(sqs, env.dlqUrl, env.queueUrl).redrive())
                .isInstanceOfSatisfying(DeadLetterQueue.RedriveInProgressException.class,
                        e -> assertThat(e.taskHandle()).isEqualTo("other-operators-task"));
    }
}
