package com.algohire.relay.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweeperScheduleTest {

    @Test
    void start_whenARunThrows_keepsInvokingWithScheduledEvents() throws Exception {
        List<ScheduledEvent> events = Collections.synchronizedList(new ArrayList<>());
        RequestHandler<ScheduledEvent, Void> handler = (event, context) -> {
            events.add(event);
            if (events.size() == 1) {
                throw new IllegalStateException("first sweep fails");
            }
            return null;
        };

        try (SweeperSchedule schedule = SweeperSchedule.start(handler, "sweeper", "us-east-1",
                Duration.ofMillis(50), Duration.ofSeconds(5))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (events.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        assertThat(events).hasSizeGreaterThanOrEqualTo(3);
        ScheduledEvent event = events.getFirst();
        assertThat(event.getSource()).isEqualTo("aws.events");
        assertThat(event.getDetailType()).isEqualTo("Scheduled Event");
        assertThat(event.getRegion()).isEqualTo("us-east-1");
        assertThat(event.getResources()).singleElement().asString().contains(":rule/");
        assertThat(event.getTime()).isNotNull();
    }

    @Test
    void close_whenClosed_stopsInvoking() throws Exception {
        List<ScheduledEvent> events = Collections.synchronizedList(new ArrayList<>());
        SweeperSchedule schedule = SweeperSchedule.start((event, context) -> {
            events.add(event);
            return null;
        }, "sweeper", "us-east-1", Duration.ofMillis(20), Duration.ofSeconds(5));
        Thread.sleep(100);

        schedule.close();
        int afterClose = events.size();
        Thread.sleep(150);

        assertThat(events).hasSize(afterClose);
    }
}
