package com.algohire.relay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryLogEntry;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.ssrf.SsrfGuard;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionStore;
import com.algohire.relay.testing.ReplyLosingProxy;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A batch never outlives its invocation: attempts get the time left (less the bookkeeping margin), DNS included,
 * and whatever has not finished by the deadline is reported failed, hurried back, with no attempt spent.
 */
@ExtendWith(SharedAwsBackend.class)
class DeliveryDeadlineIntegrationTest {

    private record Setup(DeliveryTestEnvironment env, RelayConfig config, DeliveryHandler handler) {
    }

    private static Setup setup(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        RelayConfig config = env.config(Map.of());
        return new Setup(env, config, new DeliveryHandler(config, env.resources.dynamoDb, env.resources.sqs,
                env.eventStore(config), Clock.systemUTC(), env.log));
    }

    /** A subscription to every event type, stored directly (no registration-time DNS check of its URL). */
    private static String storeSubscription(Setup s, String url) {
        Instant now = Instant.now();
        String id = Subscription.newId();
        new SubscriptionStore(s.env().resources.dynamoDb, s.config().subscriptionsTable()).create(new Subscription(id,
                url, List.of("*"), null, true,
                List.of(new Subscription.SigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)), now, now,
                null, false, null));
        return id;
    }

    /** Queues a DELIVER task for a stored event and receives it, as the event source would hand it over. */
    private static List<Message> queuedDelivery(Setup s, String eventId, String subscriptionId) {
        DeliveryTask task = DeliveryTask.deliver(eventId, "job.created", subscriptionId, "msg_" + eventId);
        s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl).messageBody(TaskQueue.toJson(task)));
        List<Message> batch = s.env().receiveBatch(1, Duration.ofSeconds(5));
        assertThat(batch).hasSize(1);
        return batch;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** The message back on the queue, received within {@code within}: its body is the task as it was. */
    private static DeliveryTask comesBack(Setup s, Duration within) {
        List<Message> back = s.env().receiveBatch(1, within);
        assertThat(back).as("hurried back, not after the 180 s visibility timeout").hasSize(1);
        s.env().resources.sqs.deleteMessage(r -> r.queueUrl(s.env().queueUrl)
                .receiptHandle(back.getFirst().receiptHandle()));
        return TaskQueue.fromJson(back.getFirst().body());
    }

    @Test
    void handleRequest_whenReceiverIsSlowerThanTheTimeLeft_returnsBeforeTheDeadlineWithoutSpendingAnAttempt(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver receiver = new WebhookReceiver(n -> new WebhookReceiver.Answer(200,
                n == 1 ? 8000 : 0, Map.of()))) {
            String subscriptionId = storeSubscription(s, receiver.url());
            String eventId = s.env().putEvent(s.config(), "job.created", "{}");
            List<Message> batch = queuedDelivery(s, eventId, subscriptionId);

            long start = System.nanoTime();
            SQSBatchResponse response = s.handler().handleRequest(s.env().batchOf(batch),
                    RemainingTimeContext.of(Duration.ofMillis(5500)));
            long millis = millisSince(start);

            assertThat(millis).as("returned before the invocation's end").isLessThan(5500);
            assertThat(response.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                    .containsExactly(batch.getFirst().messageId());
            assertThat(s.env().logText()).contains("cut short by the invocation's deadline");
            DeliveryTask back = comesBack(s, Duration.ofSeconds(10));
            assertThat(back.attemptsMade()).as("no budget spent").isZero();

            // Its next receive, with time to spare, is attempt 1 again.
            s.env().resources.sqs.sendMessage(r -> r.queueUrl(s.env().queueUrl).messageBody(TaskQueue.toJson(back)));
            assertThat(s.env().poll(s.handler(), 2).getBatchItemFailures()).isEmpty();
            assertThat(s.env().eventStore(s.config()).deliveryLogs(eventId))
                    .extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::outcome)
                    .containsExactly(tuple(1, "CUT_SHORT"), tuple(1, "DELIVERED"));
        }
    }

    @Test
    void handleRequest_whenTooLittleTimeIsLeftForAUsefulAttempt_startsNoneAndReportsTheTaskUnfinished(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            String subscriptionId = storeSubscription(s, receiver.url());
            String eventId = s.env().putEvent(s.config(), "job.created", "{}");
            List<Message> batch = queuedDelivery(s, eventId, subscriptionId);

            SQSBatchResponse response = s.handler().handleRequest(s.env().batchOf(batch),
                    RemainingTimeContext.of(Duration.ofMillis(3500)));

            assertThat(response.getBatchItemFailures()).hasSize(1);
            assertThat(receiver.requests()).isEmpty();
            assertThat(s.env().eventStore(s.config()).deliveryLogs(eventId)).isEmpty();
            assertThat(comesBack(s, Duration.ofSeconds(10)).attemptsMade()).isZero();
        }
    }

    @Test
    void handleRequest_whenDynamoDbAnswersSlowerThanTheTimeLeft_doesNotOverrunAndReportsTheTaskUnfinished(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver receiver = WebhookReceiver.answering(200);
             ReplyLosingProxy proxy = ReplyLosingProxy.to(backend.dynamoDbEndpoint())) {
            String subscriptionId = storeSubscription(s, receiver.url());
            String eventId = s.env().putEvent(s.config(), "job.created", "{}");
            // DynamoDB takes 20 s over the subscription's read (the SDK's own timeouts give up after 10 s).
            proxy.delayRequest("DynamoDB_20120810.GetItem", body -> body.contains(s.config().subscriptionsTable()),
                    Duration.ofSeconds(20), 5);
            AwsClients slow = new AwsClients(backend.region(), backend.credentials(), backend.sqsEndpoint(),
                    proxy.endpoint(), backend.s3Endpoint());
            DeliveryHandler handler = new DeliveryHandler(s.config(), slow.dynamoDb(), s.env().resources.sqs,
                    s.env().eventStore(s.config()), Clock.systemUTC(), s.env().log);
            List<Message> batch = queuedDelivery(s, eventId, subscriptionId);

            long start = System.nanoTime();
            SQSBatchResponse response = handler.handleRequest(s.env().batchOf(batch),
                    RemainingTimeContext.of(Duration.ofSeconds(5)));
            long millis = millisSince(start);

            assertThat(millis).as("returned before the invocation's end").isLessThan(5000);
            assertThat(response.getBatchItemFailures()).hasSize(1);
            assertThat(s.env().logText()).contains("batch deadline reached");
            assertThat(receiver.requests()).isEmpty();
            assertThat(comesBack(s, Duration.ofSeconds(10)).attemptsMade()).isZero();
        }
    }

    @Test
    void handleRequest_whenSlowReadsBeforeThePostLeaveTooLittleTime_logsTheAttemptCutShortAndBlamesNoReceiver(
            AwsBackend backend) throws Exception {
        Setup s = setup(backend);
        try (WebhookReceiver receiver = new WebhookReceiver(n -> new WebhookReceiver.Answer(200, 20_000, Map.of()));
             ReplyLosingProxy proxy = ReplyLosingProxy.to(backend.dynamoDbEndpoint())) {
            String subscriptionId = storeSubscription(s, receiver.url());
            String eventId = s.env().putEvent(s.config(), "job.created", "{}");
            // The subscription's read and the event's take 2.5 s each (a slow DynamoDB, on the wire through the
            // proxy; each under the SDK's 3 s attempt timeout): the attempt can start only after 5 s, with about 2 s
            // left of the 7 s the invocation leaves attempts.
            proxy.delayRequest("DynamoDB_20120810.GetItem", body -> body.contains(subscriptionId),
                    Duration.ofMillis(2500), 1);
            proxy.delayRequest("DynamoDB_20120810.GetItem", body -> body.contains(eventId),
                    Duration.ofMillis(2500), 1);
            AwsClients slow = new AwsClients(backend.region(), backend.credentials(), backend.sqsEndpoint(),
                    proxy.endpoint(), backend.s3Endpoint());
            DeliveryHandler handler = new DeliveryHandler(s.config(), slow.dynamoDb(), s.env().resources.sqs,
                    new EventStore(slow.dynamoDb(), s.env().resources.s3, s.config()),
                    Clock.systemUTC(), s.env().log);
            List<Message> batch = queuedDelivery(s, eventId, subscriptionId);

            long start = System.nanoTime();
            SQSBatchResponse response = handler.handleRequest(s.env().batchOf(batch),
                    RemainingTimeContext.of(Duration.ofSeconds(10)));
            long millis = millisSince(start);
            Thread.sleep(3000); // whatever a straggler of the batch would still do, it has done by now

            assertThat(millis).as("returned before the invocation's end").isLessThan(10_000);
            assertThat(response.getBatchItemFailures()).hasSize(1);
            assertThat(receiver.requests()).as("the attempt was made: %s", s.env().logText()).hasSize(1);
            List<DeliveryLogEntry> logs = s.env().eventStore(s.config()).deliveryLogs(eventId);
            assertThat(logs).extracting(DeliveryLogEntry::attempt, DeliveryLogEntry::outcome)
                    .containsExactly(tuple(1, "CUT_SHORT"));
            assertThat(logs.getFirst().latencyMs()).as("given the time left, not the time when the task started")
                    .isLessThan(4000);
            assertThat(s.env().logText()).contains("cut short by the invocation's deadline");
            SubscriptionHealth health = new SubscriptionStore(s.env().resources.dynamoDb,
                    s.config().subscriptionsTable()).find(subscriptionId).orElseThrow().health();
            assertThat(health.state()).isEqualTo(SubscriptionHealth.State.HEALTHY);
            assertThat(health.consecutiveFailures()).isZero();
            assertThat(health.lastFailure()).isNull();
            assertThat(comesBack(s, Duration.ofSeconds(10)).attemptsMade()).as("no budget spent").isZero();
            assertThat(s.env().depth(s.env().queueUrl)).as("no retry queued beside it").isZero();
        }
    }

    @Test
    void handleRequest_whenDnsHangs_cutsTheLookupAtTheDeadlineAndSpendsNoAttempt(AwsBackend backend)
            throws Exception {
        Setup base = setup(backend);
        SsrfGuard.Resolver hanging = host -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new InetAddress[] {InetAddress.getByName("93.184.215.14")};
        };
        DeliveryHandler handler = new DeliveryHandler(base.config(), base.env().resources.dynamoDb,
                base.env().resources.sqs, base.env().eventStore(base.config()), new SsrfGuard(Set.of(), hanging),
                Clock.systemUTC(), base.env().log);
        String subscriptionId = storeSubscription(base, "https://hangs.example.com/hook");
        String eventId = base.env().putEvent(base.config(), "job.created", "{}");
        List<Message> batch = queuedDelivery(base, eventId, subscriptionId);

        long start = System.nanoTime();
        SQSBatchResponse response = handler.handleRequest(base.env().batchOf(batch),
                RemainingTimeContext.of(Duration.ofSeconds(5)));
        long millis = millisSince(start);

        assertThat(millis).as("the lookup did not hold the batch").isLessThan(5000);
        assertThat(response.getBatchItemFailures()).hasSize(1);
        List<DeliveryLogEntry> logs = base.env().eventStore(base.config()).deliveryLogs(eventId);
        assertThat(logs).extracting(DeliveryLogEntry::errorKind, DeliveryLogEntry::outcome)
                .containsExactly(tuple("DNS_TIMEOUT", "CUT_SHORT"));
        assertThat(logs.getFirst().latencyMs()).isLessThan(3000);
        assertThat(comesBack(base, Duration.ofSeconds(10)).attemptsMade()).isZero();
    }
}
