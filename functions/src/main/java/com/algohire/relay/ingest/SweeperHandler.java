package com.algohire.relay.ingest;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.Priming;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.isolation.HeldTaskWatchdog;
import com.algohire.relay.isolation.HoldStore;
import com.algohire.relay.metrics.EmfSink;
import com.algohire.relay.metrics.Metrics;
import com.algohire.relay.metrics.RelayMetrics;
import com.algohire.relay.subscription.SubscriptionStore;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The scheduled sweeper function: queues events that were stored but never queued, and queues again the DRAIN or
 * PROBE that held deliveries wait for when it was lost ({@link HeldTaskWatchdog}).
 */
public final class SweeperHandler implements RequestHandler<ScheduledEvent, Void> {
    /** Left of the function's time after the watchdog's budget: its last check's calls, the log line, the flush. */
    static final Duration WATCHDOG_RESERVE = Duration.ofSeconds(15);
    /** The most a watchdog run takes, whatever the function's timeout: it ends before the next minute's run. */
    static final Duration WATCHDOG_MAX = Duration.ofSeconds(40);

    private final Sweeper sweeper;
    private final HeldTaskWatchdog watchdog;
    private final StructuredLog log;
    private final Metrics metrics;
    private final Priming priming;

    /** Lambda's init: with SnapStart, {@link #prime()} runs before the snapshot. */
    public SweeperHandler() {
        this(RelayConfig.fromEnvironment(), AwsClients.fromEnvironment());
        priming.register();
    }

    public SweeperHandler(RelayConfig config, AwsClients clients) {
        this(config, clients, EmfSink.stdout());
    }

    /** With the metrics' lines sent to {@code metricsSink} (the local runtime's, which also stores them). */
    public SweeperHandler(RelayConfig config, AwsClients clients, EmfSink metricsSink) {
        this(config, clients.dynamoDb(), clients.sqs(), Clock.systemUTC(), StructuredLog.stdout(), metricsSink);
    }

    /** The metrics' lines go to {@code log}'s stream, as on Lambda. */
    SweeperHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, Clock clock, StructuredLog log) {
        this(config, dynamoDb, sqs, clock, log, log::raw);
    }

    SweeperHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, Clock clock, StructuredLog log,
                   EmfSink metricsSink) {
        this.metrics = new Metrics(config.metricsStack(), metricsSink, clock);
        PendingEvents pending = new PendingEvents(dynamoDb, new TaskQueue(sqs, config.deliveryQueueUrl()),
                config.eventsTable(), clock, EventIngestion.DEFAULT_LEASE);
        this.sweeper = new Sweeper(dynamoDb, pending, config.eventsTable(), config.sweepGrace(), clock);
        this.watchdog = new HeldTaskWatchdog(new SubscriptionStore(dynamoDb, config.subscriptionsTable()),
                new HoldStore(dynamoDb, config.eventsTable(), config.retention()),
                new TaskQueue(sqs, config.deliveryQueueUrl()), clock, log);
        this.log = log;
        // Only calls the sweeper's role grants (RelayStackPermissionsTest checks it): a GetQueueAttributes, as the
        // other functions prime SQS with, would be denied on every version publish.
        this.priming = new Priming("sweeper", List.of(
                new Priming.Step("dynamodb-get-item", () -> Priming.readAbsentItem(dynamoDb, config.eventsTable())),
                new Priming.Step("unsent-writes", () -> {
                    Priming.unsentUpdateItem(dynamoDb, config.eventsTable());
                    Priming.unsentSendMessage(sqs, config.deliveryQueueUrl());
                    Priming.responseModels();
                })), log);
    }

    /**
     * SnapStart priming (what CRaC's beforeCheckpoint runs): the DynamoDB path by a GetItem of a key that is never
     * written, and the UpdateItem and SendMessage a sweep makes, built but never sent. No write, never throws
     * ({@link Priming}).
     *
     * @return the steps that failed (logged), empty when all ran through
     */
    public List<String> prime() {
        return priming.run();
    }

    @Override
    public Void handleRequest(ScheduledEvent event, Context context) {
        sweepOnce(deadline(Duration.ofMillis(context.getRemainingTimeInMillis())));
        return null;
    }

    /**
     * For the local runtime's schedule and tests: one run, its counts returned. The heartbeat (SweeperRuns, what the
     * SweeperHeartbeatMissing alarm reads) is counted only when the run completed: a sweep that threw, or a held-task
     * check that could not list the subscriptions, beats no heart, so that runs failing every minute page.
     */
    public Map<String, Integer> sweepOnce() {
        return sweepOnce(deadline(HeldTaskWatchdog.DEFAULT_BUDGET.plus(WATCHDOG_RESERVE)));
    }

    /** @param deadline when the function's time runs out, in {@link System#nanoTime()} */
    private Map<String, Integer> sweepOnce(long deadline) {
        try {
            Run run = sweepAndCount(deadline);
            if (run.completed()) {
                metrics.count(RelayMetrics.SWEEPER_RUNS);
            }
            return run.counts();
        } finally {
            metrics.flush();
        }
    }

    /** A run's counts, and whether both its parts ran through (single events failing to queue do not count). */
    private record Run(Map<String, Integer> counts, boolean completed) {
    }

    private Run sweepAndCount(long deadline) {
        Sweeper.Result result = sweeper.run();
        Map<String, Integer> counts = new LinkedHashMap<>(Map.of("found", result.found(), "queued", result.queued(),
                "skipped", result.skipped(), "failed", result.failed(), "discarded", result.discarded()));
        if (result.discarded() > 0) {
            log.warn("sweep discarded events whose idempotency key names another event (a write that landed after "
                    + "its request had read it back as absent)", Map.of("discarded", result.discarded()));
        }
        HeldTaskWatchdog.Result held = watchdog(deadline);
        HeldTaskWatchdog.Result shown = held == null ? HeldTaskWatchdog.Result.failedRun() : held;
        counts.put("drainsRequeued", shown.drains());
        counts.put("probesRequeued", shown.probes());
        counts.put("holdingChecked", shown.checked());
        counts.put("holdingUnfinished", shown.finished() ? 0 : 1);
        log.info("sweep finished", counts);
        return new Run(counts, held != null);
    }

    /**
     * The held-task check, with the function's remaining time less {@link #WATCHDOG_RESERVE} (at most
     * {@link #WATCHDOG_MAX}); what it has no time for, the next sweep carries on with. A failure of its reads is
     * logged and waits for the next sweep, like the sweep's own.
     *
     * @return its result, or null when it failed
     */
    private HeldTaskWatchdog.Result watchdog(long deadline) {
        Duration left = Duration.ofNanos(deadline - System.nanoTime()).minus(WATCHDOG_RESERVE);
        Duration budget = left.isNegative() ? Duration.ZERO : left.compareTo(WATCHDOG_MAX) > 0 ? WATCHDOG_MAX : left;
        try {
            return watchdog.run(budget);
        } catch (RuntimeException e) {
            log.error("held-task check failed", Map.of("exception", e.getClass().getName()));
            return null;
        }
    }

    private static long deadline(Duration remaining) {
        return System.nanoTime() + remaining.toNanos();
    }
}
