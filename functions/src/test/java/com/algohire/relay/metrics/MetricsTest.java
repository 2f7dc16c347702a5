package com.algohire.relay.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    private final List<String> lines = new ArrayList<>();
    private final Metrics metrics = new Metrics("prod", lines::add, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void flush_whenCountsAndLatencies_writesOneEmfLineWithSummedCountsAndLatencyArray() throws Exception {
        metrics.count(RelayMetrics.EVENTS_ACCEPTED);
        metrics.count(RelayMetrics.EVENTS_ACCEPTED);
        metrics.milliseconds(RelayMetrics.ATTEMPT_LATENCY, 12);
        metrics.milliseconds(RelayMetrics.ATTEMPT_LATENCY, 30);
        metrics.count(RelayMetrics.EVENTS_REJECTED, RelayMetrics.CODE, "INVALID_EVENT_TYPE");

        metrics.flush();

        assertThat(lines).hasSize(1);
        JsonNode line = Json.mapper().readTree(lines.get(0));
        JsonNode aws = line.get("_aws");
        assertThat(aws.get("Timestamp").asLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(line.get("Stack").asText()).isEqualTo("prod");
        assertThat(line.get("Code").asText()).isEqualTo("INVALID_EVENT_TYPE");
        assertThat(line.get(RelayMetrics.EVENTS_ACCEPTED).asDouble()).isEqualTo(2.0);
        assertThat(line.get(RelayMetrics.ATTEMPT_LATENCY)).hasSize(2);
        assertThat(line.get(RelayMetrics.ATTEMPT_LATENCY).get(1).asDouble()).isEqualTo(30.0);
        JsonNode directives = aws.get("CloudWatchMetrics");
        assertThat(directives).hasSize(2);
        JsonNode stackOnly = directives.get(0);
        assertThat(stackOnly.get("Namespace").asText()).isEqualTo(RelayMetrics.NAMESPACE);
        assertThat(stackOnly.get("Dimensions").toString()).isEqualTo("[[\"Stack\"]]");
        assertThat(stackOnly.get("Metrics").toString()).isEqualTo("[{\"Name\":\"EventsAccepted\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"AttemptLatency\",\"Unit\":\"Milliseconds\"}]");
        JsonNode byCode = directives.get(1);
        assertThat(byCode.get("Dimensions").toString()).isEqualTo("[[\"Stack\",\"Code\"],[\"Stack\"]]");
        assertThat(byCode.get("Metrics").toString()).isEqualTo("[{\"Name\":\"EventsRejected\",\"Unit\":\"Count\"}]");
        for (JsonNode directive : directives) {
            directive.get("Metrics").forEach(m -> assertThat(RelayMetrics.ALL).contains(m.get("Name").asText()));
        }
    }

    @Test
    void flush_whenOneDimensionHasTwoValues_writesOneLinePerValue() throws Exception {
        metrics.count(RelayMetrics.DELIVERIES, RelayMetrics.OUTCOME, "DELIVERED");
        metrics.count(RelayMetrics.DELIVERIES, RelayMetrics.OUTCOME, "RETRYING");
        metrics.count(RelayMetrics.DELIVERIES, RelayMetrics.OUTCOME, "DELIVERED");
        metrics.count(RelayMetrics.RETRIES);

        metrics.flush();

        assertThat(lines).hasSize(2);
        JsonNode first = Json.mapper().readTree(lines.get(0));
        JsonNode second = Json.mapper().readTree(lines.get(1));
        assertThat(first.get("Outcome").asText()).isEqualTo("DELIVERED");
        assertThat(first.get(RelayMetrics.DELIVERIES).asDouble()).isEqualTo(2.0);
        assertThat(first.get(RelayMetrics.RETRIES).asDouble()).isEqualTo(1.0);
        assertThat(second.get("Outcome").asText()).isEqualTo("RETRYING");
        assertThat(second.get(RelayMetrics.DELIVERIES).asDouble()).isEqualTo(1.0);
        assertThat(second.has(RelayMetrics.RETRIES)).isFalse();
    }

    @Test
    void flush_whenMoreThan100Values_splitsThemOverLinesOf100() throws Exception {
        for (int i = 0; i < 250; i++) {
            metrics.milliseconds(RelayMetrics.ATTEMPT_LATENCY, i);
        }

        metrics.flush();

        assertThat(lines).hasSize(3);
        assertThat(Json.mapper().readTree(lines.get(0)).get(RelayMetrics.ATTEMPT_LATENCY)).hasSize(100);
        assertThat(Json.mapper().readTree(lines.get(2)).get(RelayMetrics.ATTEMPT_LATENCY)).hasSize(50);
    }

    @Test
    void flush_whenNothingCollectedOrAlreadyFlushed_writesNothing() {
        metrics.flush();
        metrics.count(RelayMetrics.SWEEPER_RUNS);
        metrics.flush();
        metrics.flush();

        assertThat(lines).hasSize(1);
    }

    @Test
    void flush_whenSinkThrows_doesNotThrow() {
        Metrics failing = new Metrics("prod", line -> {
            throw new IllegalStateException("stdout closed");
        }, Clock.systemUTC());
        failing.count(RelayMetrics.SWEEPER_RUNS);

        failing.flush();
    }
}
