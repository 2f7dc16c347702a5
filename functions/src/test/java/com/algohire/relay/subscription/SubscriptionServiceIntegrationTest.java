package com.algohire.relay.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import com.algohire.relay.audit.Commit;
import com.algohire.relay.delivery.DeliveryTestEnvironment;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Json;
import com.algohire.relay.isolation.Notifier;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.ssrf.SsrfGuard;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.verifier.WebhookSignature;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

@ExtendWith(SharedAwsBackend.class)
class SubscriptionServiceIntegrationTest {
    private static final Duration OVERLAP = Duration.ofHours(24);

    private record Fixture(SubscriptionService service, SubscriptionStore store, MutableClock clock) {
    }

    private static Fixture fixture(AwsBackend backend) {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        SubscriptionStore store = new SubscriptionStore(env.resources.dynamoDb, env.subscriptionsTable);
        MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));
        SubscriptionService service = new SubscriptionService(store, new SsrfGuard(Set.of()), Set.of("job"), OVERLAP,
                clock, new TaskQueue(env.resources.sqs, env.queueUrl), Notifier.logOnly(env.log));
        return new Fixture(service, store, clock);
    }

    private static String secretOf(SubscriptionService.WithSecret written) {
        return written.secret();
    }

    private static String idOf(SubscriptionService.WithSecret written) {
        return written.subscription().subscriptionId();
    }

    @Test
    void rotateSecret_whenRotatedTwiceWithinOverlap_everySecretSignsUntilItsOwnOverlapEnds(AwsBackend backend)
            throws Exception {
        Fixture f = fixture(backend);
        SubscriptionService.WithSecret created = f.service().create(Json.mapper().readTree(
                "{\"url\":\"https://hooks.example.com/x\",\"eventTypes\":[\"*\"]}"));
        String id = idOf(created);
        String a = secretOf(created);
        Instant firstRotation = f.clock().instant();
        String b = secretOf(f.service().rotateSecret(id));
        f.clock().advance(Duration.ofHours(1));
        Instant secondRotation = f.clock().instant();
        String c = secretOf(f.service().rotateSecret(id));

        Subscription s = f.store().find(id).orElseThrow();
        assertThat(s.signingSecrets(secondRotation)).containsExactly(c, b, a);
        assertThat(s.signingSecrets(firstRotation.plus(OVERLAP).minusSeconds(1))).containsExactlyInAnyOrder(a, b, c);
        assertThat(s.signingSecrets(firstRotation.plus(OVERLAP).plusSeconds(1))).containsExactlyInAnyOrder(b, c);
        assertThat(s.signingSecrets(secondRotation.plus(OVERLAP).plusSeconds(1))).containsExactly(c);
        assertThat(s.toString()).doesNotContain(a).doesNotContain(b).doesNotContain(c);
    }

    @Test
    void rotateSecret_whenOverlapOfOldSecretsHasEnded_dropsThemFromTheItem(AwsBackend backend) throws Exception {
        Fixture f = fixture(backend);
        String id = idOf(f.service().create(Json.mapper().readTree(
                "{\"url\":\"https://hooks.example.com/x\",\"eventTypes\":[\"*\"]}")));
        for (int i = 0; i < 20; i++) {
            f.service().rotateSecret(id);
        }
        Subscription s = f.store().find(id).orElseThrow();
        assertThat(s.secrets()).hasSizeLessThanOrEqualTo(1 + SubscriptionService.MAX_PREVIOUS_SECRETS);
        f.clock().advance(OVERLAP.plusSeconds(1));
        String latest = secretOf(f.service().rotateSecret(id));
        s = f.store().find(id).orElseThrow();
        assertThat(s.secrets()).hasSize(2); // the new one, and the one it replaced, for the overlap
        assertThat(s.signingSecrets(f.clock().instant())).first().isEqualTo(latest);
        for (String secret : s.signingSecrets(f.clock().instant())) {
            assertThat(WebhookSignature.decodeSecret(secret).length).isBetween(24, 64);
        }
    }

    @Test
    void replace_whenSubscriptionChangedSinceRead_refusesSoA410DisableIsNotUndone(AwsBackend backend) throws Exception {
        Fixture f = fixture(backend);
        String id = idOf(f.service().create(Json.mapper().readTree(
                "{\"url\":\"https://hooks.example.com/x\",\"eventTypes\":[\"*\"]}")));
        Subscription read = f.store().find(id).orElseThrow(); // a PATCH reads ...
        f.clock().advance(Duration.ofSeconds(1));
        // ... a delivery disables ...
        assertThat(f.store().disable(read, "receiver answered 410 Gone", f.clock().instant())).isTrue();
        Subscription patched = new Subscription(id, read.url(), read.eventTypes(), "renamed", read.active(),
                read.secrets(), read.createdAt(), f.clock().instant(), null, read.paused(), read.health());

        assertThat(f.store().replace(patched, read.updatedAt())).isFalse(); // ... and the PATCH's write is refused
        Subscription stored = f.store().find(id).orElseThrow();
        assertThat(stored.active()).isFalse();
        assertThat(stored.disabledReason()).contains("410");

        Subscription fresh = f.service().update(id, Json.mapper().readTree("{\"description\":\"renamed\"}"),
                "operator", Commit.NONE);
        assertThat(fresh.description()).isEqualTo("renamed");
        assertThat(fresh.active()).isFalse();
    }

    @Test
    void disable_whenSubscriptionChangedSinceTheAttemptReadIt_leavesItActive(AwsBackend backend) throws Exception {
        Fixture f = fixture(backend);
        String id = idOf(f.service().create(Json.mapper().readTree(
                "{\"url\":\"https://old.example.com/x\",\"eventTypes\":[\"*\"]}")));
        Subscription readByAttempt = f.store().find(id).orElseThrow();
        f.clock().advance(Duration.ofSeconds(1));
        f.service().update(id, Json.mapper().readTree("{\"url\":\"https://new.example.com/x\"}"), "operator",
                Commit.NONE);
        Subscription patched = f.store().find(id).orElseThrow();

        assertThat(f.store().disable(readByAttempt, "receiver answered 410 Gone", f.clock().instant())).isFalse();
        assertThat(f.store().find(id).orElseThrow()).usingRecursiveComparison().isEqualTo(patched);
    }

    @Test
    void writes_whenThisClockIsBehindTheLastWriter_neverMoveUpdatedAtBackwards(AwsBackend backend) throws Exception {
        Fixture f = fixture(backend);
        String id = idOf(f.service().create(Json.mapper().readTree(
                "{\"url\":\"https://hooks.example.com/x\",\"eventTypes\":[\"*\"]}")));
        Instant created = f.store().find(id).orElseThrow().updatedAt();

        f.clock().set(created.minus(Duration.ofMinutes(5))); // this function's clock runs behind the creator's
        f.service().update(id, Json.mapper().readTree("{\"description\":\"skewed\"}"), "operator",
                Commit.NONE);
        Instant patched = f.store().find(id).orElseThrow().updatedAt();
        f.service().rotateSecret(id);
        Instant rotated = f.store().find(id).orElseThrow().updatedAt();
        Subscription beforeDisable = f.store().find(id).orElseThrow();
        assertThat(f.store().disable(beforeDisable, "receiver answered 410 Gone", f.clock().instant())).isTrue();
        Instant disabled = f.store().find(id).orElseThrow().updatedAt();

        assertThat(patched).isAfter(created);
        assertThat(rotated).isAfter(patched);
        assertThat(disabled).isAfter(rotated);
    }

    @Test
    void disable_mockitoInjectedLostReplyRetriedBySdk_reportsItDisabled(AwsBackend backend) throws Exception {
        DeliveryTestEnvironment env = DeliveryTestEnvironment.create(backend);
        DynamoDbClient real = env.resources.dynamoDb;
        DynamoDbClient dynamoDb = spy(real);
        // The update lands, its reply is lost, and the SDK's retry meets the real ConditionalCheckFailedException.
        doAnswer(invocation -> {
            UpdateItemRequest request = invocation.getArgument(0);
            real.updateItem(request);
            return real.updateItem(request);
        }).when(dynamoDb).updateItem(any(UpdateItemRequest.class));
        SubscriptionStore store = new SubscriptionStore(dynamoDb, env.subscriptionsTable);
        MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));
        SubscriptionService service = new SubscriptionService(store, new SsrfGuard(Set.of()), Set.of("job"), OVERLAP,
                clock, new TaskQueue(env.resources.sqs, env.queueUrl), Notifier.logOnly(env.log));
        String id = idOf(service.create(Json.mapper().readTree(
                "{\"url\":\"https://hooks.example.com/x\",\"eventTypes\":[\"*\"]}")));

        assertThat(store.disable(store.find(id).orElseThrow(), "receiver answered 410 Gone", clock.instant())).isTrue();
        assertThat(store.find(id).orElseThrow().active()).isFalse();
    }
}
