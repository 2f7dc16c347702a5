package com.algohire.relay.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invokes a scheduled function at a fixed rate with the event an EventBridge schedule rule delivers, as the stack's
 * rule does for the sweeper. A failed run is logged and the next one still happens, as with a rule.
 */
public final class SweeperSchedule implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SweeperSchedule.class);
    private static final String ACCOUNT = "000000000000";

    private final ScheduledExecutorService scheduler;
    private final RequestHandler<ScheduledEvent, ?> handler;
    private final String functionName;
    private final String region;
    private final Duration functionTimeout;

    private SweeperSchedule(RequestHandler<ScheduledEvent, ?> handler, String functionName, String region,
                            Duration functionTimeout) {
        this.handler = handler;
        this.functionName = functionName;
        this.region = region;
        this.functionTimeout = functionTimeout;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, functionName + "-schedule");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** First run after one {@code interval}, as a rule's first firing comes one period after it is created. */
    public static SweeperSchedule start(RequestHandler<ScheduledEvent, ?> handler, String functionName,
                                        String region, Duration interval, Duration functionTimeout) {
        SweeperSchedule schedule = new SweeperSchedule(handler, functionName, region, functionTimeout);
        schedule.scheduler.scheduleAtFixedRate(schedule::invoke, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return schedule;
    }

    private void invoke() {
        try {
            handler.handleRequest(event(), LocalLambdaContext.create(functionName, functionTimeout));
        } catch (RuntimeException | Error e) {
            // Swallowed so the executor keeps the schedule: an exception would cancel every later run.
            LOG.warn("{} failed; the next scheduled run will try again", functionName, e);
        }
    }

    ScheduledEvent event() {
        return new ScheduledEvent()
                .withVersion("0")
                .withId(UUID.randomUUID().toString())
                .withDetailType("Scheduled Event")
                .withSource("aws.events")
                .withAccount(ACCOUNT)
                .withTime(DateTime.now(DateTimeZone.UTC))
                .withRegion(region)
                .withResources(
                        List.of("arn:aws:events:" + region + ":" + ACCOUNT + ":rule/" + functionName + "-schedule"))
                .withDetail(Map.of());
    }

    /** Stops the schedule and waits for a run in progress, so it does not outlive the backends it uses. */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(functionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
