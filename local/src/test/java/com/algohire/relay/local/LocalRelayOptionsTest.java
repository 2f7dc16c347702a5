package com.algohire.relay.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.config.ResourceProvisioner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalRelayOptionsTest {

    @Test
    void parse_whenNothingGiven_usesPort3000OnLoopbackWithLocalAllowlist() {
        LocalRelay.Options options = LocalRelay.Options.parse(new String[0], Map.of());

        assertThat(options.port()).isEqualTo(3000);
        assertThat(options.host()).isEqualTo("127.0.0.1");
        assertThat(options.sweepInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.ssrfAllowlist()).isEqualTo("localhost,127.0.0.1");
    }

    @Test
    void parse_whenFlagAndEnvironmentBothSet_flagWins() {
        LocalRelay.Options options = LocalRelay.Options.parse(
                new String[] {"--port", "4000", "--sweep-interval-seconds=5"},
                Map.of("PORT", "5000", "RELAY_LOCAL_API_KEY", "k1", "SSRF_ALLOWLIST", "receiver.test"));

        assertThat(options.port()).isEqualTo(4000);
        assertThat(options.sweepInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.keys().apiKey()).isEqualTo("k1");
        assertThat(options.ssrfAllowlist()).isEqualTo("receiver.test");
    }

    @Test
    void parse_whenNothingGiven_pollsEachLaneWithItsEventSourcesDefaultConcurrency() {
        LocalRelay.Options options = LocalRelay.Options.parse(new String[0], Map.of());

        assertThat(options.deliveryMaxConcurrency()).isEqualTo(RelaySchema.DELIVERY_SOURCE.defaultMaxConcurrency());
        assertThat(options.deliverySlowMaxConcurrency())
                .isEqualTo(RelaySchema.DELIVERY_SLOW_SOURCE.defaultMaxConcurrency());
    }

    @Test
    void parse_whenConcurrencyGivenByFlagOrEnvironment_usesIt() {
        LocalRelay.Options options = LocalRelay.Options.parse(new String[] {"--delivery-max-concurrency", "7"},
                Map.of("RELAY_LOCAL_DELIVERY_MAX_CONCURRENCY", "9", "RELAY_LOCAL_DELIVERY_SLOW_MAX_CONCURRENCY", "3"));

        assertThat(options.deliveryMaxConcurrency()).isEqualTo(7);
        assertThat(options.deliverySlowMaxConcurrency()).isEqualTo(3);
        assertThatThrownBy(() -> LocalRelay.Options.parse(new String[] {"--delivery-slow-max-concurrency", "0"},
                Map.of())).hasMessageContaining("--delivery-slow-max-concurrency").hasMessageContaining("0");
    }

    @Test
    void lanes_whenDefaults_followTheStacksEventSourceSettingsFromRelaySchema() {
        var main = new ResourceProvisioner.QueuePair("http://sqs/q/p-Delivery", "arn:aws:sqs:r:0:p-Delivery",
                "http://sqs/q/p-Delivery-dlq", "arn:aws:sqs:r:0:p-Delivery-dlq");
        var slow = new ResourceProvisioner.QueuePair("http://sqs/q/p-DeliverySlow", "arn:aws:sqs:r:0:p-DeliverySlow",
                main.dlqUrl(), main.dlqArn());
        var resources = new ResourceProvisioner.Resources("e", "s", "b", main, slow);

        List<LocalRelay.Lane> lanes = LocalRelay.lanes(LocalRelay.Options.defaults(), resources);

        assertThat(lanes).extracting(LocalRelay.Lane::name).containsExactly("main", "slow");
        assertLane(lanes.get(0), main, RelaySchema.DELIVERY_SOURCE);
        assertLane(lanes.get(1), slow, RelaySchema.DELIVERY_SLOW_SOURCE);
        // the bulkhead: fewer pollers on the slow lane
        assertThat(lanes.get(1).settings().pollers()).isLessThan(lanes.get(0).settings().pollers());
    }

    @Test
    void lanes_whenConcurrencyChosen_pollWithThatManyPollers() {
        var queue = new ResourceProvisioner.QueuePair("u", "a", "du", "da");
        var resources = new ResourceProvisioner.Resources("e", "s", "b", queue, queue);

        List<LocalRelay.Lane> lanes = LocalRelay.lanes(LocalRelay.Options.defaults().withDeliveryConcurrency(4, 2),
                resources);

        assertThat(lanes).extracting(lane -> lane.settings().pollers()).containsExactly(4, 2);
    }

    private static void assertLane(LocalRelay.Lane lane, ResourceProvisioner.QueuePair queue,
                                   RelaySchema.EventSource source) {
        assertThat(lane.queueUrl()).isEqualTo(queue.queueUrl());
        assertThat(lane.queueArn()).isEqualTo(queue.queueArn());
        assertThat(lane.settings().batchSize()).isEqualTo(source.batchSize());
        assertThat(lane.settings().batchingWindow()).isEqualTo(Duration.ofSeconds(source.maxBatchingWindowSeconds()));
        assertThat(lane.settings().pollers()).isEqualTo(source.defaultMaxConcurrency());
        assertThat(lane.settings().functionTimeout())
                .isEqualTo(Duration.ofSeconds(RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS));
    }

    @Test
    void parse_whenEnvironmentPortSet_usesIt() {
        assertThat(LocalRelay.Options.parse(new String[0], Map.of("PORT", "8080")).port()).isEqualTo(8080);
    }

    @Test
    void parse_whenOptionUnknownOrValueBad_failsNamingIt() {
        assertThatThrownBy(() -> LocalRelay.Options.parse(new String[] {"--prot", "1"}, Map.of()))
                .hasMessageContaining("--prot");
        assertThatThrownBy(() -> LocalRelay.Options.parse(new String[] {"--port", "70000"}, Map.of()))
                .hasMessageContaining("--port").hasMessageContaining("70000");
        assertThatThrownBy(() -> LocalRelay.Options.parse(new String[] {"--port"}, Map.of()))
                .hasMessageContaining("--port needs a value");
    }
}
