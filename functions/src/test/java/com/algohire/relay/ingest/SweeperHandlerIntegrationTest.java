package com.algohire.relay.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.metrics.RelayMetrics;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.TestResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * The sweeper's heartbeat (SweeperRuns, which the SweeperHeartbeatMissing alarm reads) means "a sweep completed":
 * a run whose sweep or held-task check could not run at all beats no heart, so five minutes of them page.
 */
@ExtendWith(SharedAwsBackend.class)
class SweeperHandlerIntegrationTest {

    @Test
    void sweepOnce_whenTheSweepCompletes_countsOneRun(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        List<String> lines = new ArrayList<>();

        new SweeperHandler(aws.config(), aws.clients, lines::add).sweepOnce();

        assertThat(lines).hasSize(1).allSatisfy(line -> assertThat(line).contains(RelayMetrics.SWEEPER_RUNS));
    }

    @Test
    void sweepOnce_whenTheSweepThrows_countsNoRun(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        RelayConfig noEventsTable = aws.config(Map.of(EnvVars.EVENTS_TABLE, "relay-events-that-do-not-exist"));
        List<String> lines = new ArrayList<>();
        SweeperHandler handler = new SweeperHandler(noEventsTable, aws.clients, lines::add);

        assertThatThrownBy(handler::sweepOnce).isInstanceOf(ResourceNotFoundException.class);

        assertThat(lines).noneMatch(line -> line.contains(RelayMetrics.SWEEPER_RUNS));
    }

    @Test
    void sweepOnce_whenTheHeldTaskCheckCannotScan_countsNoRun(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        RelayConfig noSubscriptionsTable = aws.config(
                Map.of(EnvVars.SUBSCRIPTIONS_TABLE, "relay-subscriptions-that-do-not-exist"));
        List<String> lines = new ArrayList<>();

        new SweeperHandler(noSubscriptionsTable, aws.clients, lines::add).sweepOnce();

        assertThat(lines).noneMatch(line -> line.contains(RelayMetrics.SWEEPER_RUNS));
    }
}
