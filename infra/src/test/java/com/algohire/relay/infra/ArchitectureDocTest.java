package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md writes the delivery timing down once, as numbers a reader can follow; this keeps those
 * numbers the constants' own, so a change to one of them fails here until the explanation is brought along.
 */
class ArchitectureDocTest {
    private static final Path DOC = InfraPaths.infraDir().resolve("../docs/architecture.md").normalize();

    @Test
    void deliveryTiming_whenConstantsChange_isUpdatedWithThem() throws IOException {
        String timing = section(Files.readString(DOC), "## Delivery timing");
        RelaySchema.Queue queue = RelaySchema.DELIVERY;
        List<String> schedule = Arrays.stream(RelayConfig.DEFAULT_RETRY_SCHEDULE.split(",")).map(String::trim).toList();
        assertThat(queue.dlqRetentionDays()).isEqualTo(queue.retentionDays());

        assertThat(timing).contains(
                "| one webhook attempt times out after | " + RelaySchema.DEFAULT_DELIVERY_TIMEOUT_SECONDS + " s |",
                "| delivery function timeout | " + RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS + " s |",
                "| delivery queue visibility timeout | " + queue.visibilityTimeoutSeconds() + " s |",
                "| retries after the first attempt | " + RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS + " |",
                "| queue's maxReceiveCount | " + queue.maxReceiveCount() + " |",
                "| receives without an attempt allowed for | " + RelaySchema.DELIVERY_RECEIVE_HEADROOM + " |",
                // the poison bound's arithmetic, as the text spells it out
                "2M + 1 = " + (2 * RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS + 1) + "; "
                        + RelaySchema.DELIVERY_RECEIVE_HEADROOM + " more",
                "so " + queue.maxReceiveCount() + ", well above",
                "after " + queue.maxReceiveCount() + " receives",
                "| retry schedule | " + String.join(", ", schedule) + " s |",
                "| longest visibility SQS allows | " + RelaySchema.SQS_MAX_VISIBILITY_SECONDS + " s (12 h) |",
                "| delivery queue and DLQ retention | " + queue.retentionDays() + " days |",
                // the budget in time: the first MAX_RETRY_ATTEMPTS waits, then the whole schedule
                String.join(" + ", schedule.subList(0, RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS)) + " s",
                String.join(" + ", schedule) + " s");
        // the lanes' Behind alarms: twice the visibility timeout
        assertThat(timing).contains("one visibility timeout (" + queue.visibilityTimeoutSeconds() + " s)",
                "twice that, " + (long) RelayAlarms.LATE_PICKUP_THRESHOLD.toSeconds().doubleValue() + " s");
        assertThat(RelayAlarms.LATE_PICKUP_THRESHOLD.toSeconds().intValue())
                .isEqualTo(2 * queue.visibilityTimeoutSeconds());
        assertThat(timing).contains(String.format("about %d minutes", Math.round(
                schedule.subList(0, RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS).stream().mapToLong(Long::parseLong).sum()
                        / 60.0)));
    }

    /** The text from {@code heading} to the next heading of the same level. */
    private static String section(String doc, String heading) {
        int start = doc.indexOf("\n" + heading + "\n");
        assertThat(start).as(heading + " in " + DOC).isNotNegative();
        int end = doc.indexOf("\n## ", start + heading.length() + 1);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }
}
