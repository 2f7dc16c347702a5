package com.algohire.relay.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.audit.Commit;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.internal.Json;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.MutableClock;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
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

        assertThatThrownBy(() -> new DeadLetterQueue(sqs, env.dlqUrl, env.queueUrl, Clock.systemUTC())
                .redrive(Commit.NONE))
                .isInstanceOfSatisfying(DeadLetterQueue.RedriveInProgressException.class,
                        e -> assertThat(e.taskHandle()).isEqualTo("other-operators-task"));
    }

    /** What SQS answers a StartMessageMoveTask while another task runs (as recorded against AWS by LocalStack). */
    private static SqsException refusal(String message) {
        return (SqsException) SqsException.builder().statusCode(400).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("InvalidParameterValue").errorMessage(message)
                        .build()).build();
    }

    @Test
    void redrive_mockitoInjectedStartRefusedAsRunningButTheOtherTaskAlreadyFinished_reportsConflict(
            AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        SqsClient sqs = spy(env.resources.sqs);
        // Another operator's task ran between our check and our start and was done before our re-check; SQS's list
        // (real, here empty) no longer shows it running.
        doThrow(refusal("There is already a task running. Only one active task is allowed for a source queue arn at "
                + "a given time.")).when(sqs).startMessageMoveTask(any(StartMessageMoveTaskRequest.class));

        assertThatThrownBy(() -> new DeadLetterQueue(sqs, env.dlqUrl, env.queueUrl, Clock.systemUTC())
                .redrive(Commit.NONE))
                .isInstanceOfSatisfying(DeadLetterQueue.RedriveInProgressException.class,
                        e -> assertThat(e.taskHandle()).isNull());
    }

    @Test
    void redrive_mockitoInjectedRefusalForAnotherReason_isNotMistakenForAConflict(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        SqsClient sqs = spy(env.resources.sqs);
        doThrow(refusal("Source queue must be configured as a Dead Letter Queue."))
                .when(sqs).startMessageMoveTask(any(StartMessageMoveTaskRequest.class));

        assertThatThrownBy(() -> new DeadLetterQueue(sqs, env.dlqUrl, env.queueUrl, Clock.systemUTC())
                .redrive(Commit.NONE))
                .isInstanceOf(SqsException.class);
    }

    @Test
    void redrive_whenThePreviousRedriveStartedLongerAgoThanTheWindow_startsAnother(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        MutableClock clock = new MutableClock(Instant.now());
        DeadLetterQueue dlq = new DeadLetterQueue(env.resources.sqs, env.dlqUrl, env.queueUrl, clock);
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.dlqUrl).messageBody("{}"));

        String first = dlq.redrive(Commit.NONE);
        assertThatThrownBy(() -> dlq.redrive(Commit.NONE))
                .isInstanceOf(DeadLetterQueue.RedriveInProgressException.class);
        clock.advance(DeadLetterQueue.CONCURRENT_WINDOW.plus(Duration.ofSeconds(1)));

        assertThat(dlq.redrive(Commit.NONE)).isNotBlank().isNotEqualTo(first);
    }

    @Test
    void getDlq_beforeAndAfterARedrive_showsTheMoveTaskAndItsProgress(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        ManagementApiHandler management = new ManagementApiHandler(env.config(java.util.Map.of()),
                env.resources.clients);
        JsonNode before = get(management, "/api/v1/dlq").get("redrive");
        assertThat(before.get("running").booleanValue()).isFalse();
        assertThat(before.get("tasks")).isEmpty();
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.dlqUrl).messageBody("{\"n\":1}"));
        env.resources.sqs.sendMessage(r -> r.queueUrl(env.dlqUrl).messageBody("{\"n\":2}"));

        APIGatewayProxyResponseEvent started = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withPath("/api/v1/dlq/redrive"), null);
        assertThat(started.getStatusCode()).as(started.getBody()).isEqualTo(202);
        String handle = Json.mapper().readTree(started.getBody()).get("taskHandle").textValue();

        JsonNode after = get(management, "/api/v1/dlq").get("redrive");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (after.get("running").booleanValue() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            after = get(management, "/api/v1/dlq").get("redrive");
        }
        assertThat(after.get("running").booleanValue()).as(after.toString()).isFalse();
        assertThat(after.get("tasks")).hasSize(1);
        JsonNode task = after.get("tasks").get(0);
        assertThat(task.get("status").textValue()).isEqualTo("COMPLETED");
        assertThat(task.get("movedMessages").intValue()).isEqualTo(2);
        assertThat(Instant.parse(task.get("startedAt").textValue())).isBefore(Instant.now().plusSeconds(1));
        assertThat(task.has("messagesToMove")).isTrue();
        assertThat(task.has("failureReason")).isTrue();
        // SQS names a task only while it runs; ElasticMQ names finished ones too.
        assertThat(task.get("taskHandle").isNull() || handle.equals(task.get("taskHandle").textValue())).isTrue();
        assertThat(env.depth(env.queueUrl)).isEqualTo(2);
    }

    private static JsonNode get(ManagementApiHandler management, String path) throws Exception {
        APIGatewayProxyResponseEvent response = management.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("GET").withPath(path), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return Json.mapper().readTree(response.getBody());
    }
}
