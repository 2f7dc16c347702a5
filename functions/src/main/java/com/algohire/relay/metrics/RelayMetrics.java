package com.algohire.relay.metrics;

import java.util.List;

/**
 * The relay's CloudWatch metrics: one namespace, every name, unit and dimension, shared by the code that emits
 * them (embedded metric format log lines from the functions) and the stack that graphs and alarms on them (the
 * dashboard and alarms in infra), so the two cannot drift apart.
 *
 * <p>Every metric carries the {@link #STACK} dimension (the stack's name, {@code local} locally), so two
 * deployments in one account keep apart. Other dimensions have a small, fixed set of values (an error code, an
 * outcome, an action): never a subscription id, an event id or a URL, since every distinct dimension value is a
 * separate, billed metric. Per-subscription figures live in the health records, and on AWS in a Contributor
 * Insights rule over the functions' log lines.
 */
public final class RelayMetrics {
    public static final String NAMESPACE = "AlgoHire/WebhookRelay";

    /** Dimension on every metric: the stack's name (env {@code METRICS_STACK}; {@code local} by default). */
    public static final String STACK = "Stack";
    /** Dimension of {@link #EVENTS_REJECTED}: the error code answered (e.g. {@code INVALID_EVENT_TYPE}). */
    public static final String CODE = "Code";
    /** Dimension of {@link #DELIVERIES}: one of {@link Outcome}. */
    public static final String OUTCOME = "Outcome";
    /** Dimension of {@link #BREAKER_TRANSITIONS}: the state entered (e.g. {@code OPEN}, {@code CLOSED}). */
    public static final String TO_STATE = "ToState";
    /** Dimension of {@link #OPERATOR_ACTIONS}: the audit action (e.g. {@code subscription.pause}). */
    public static final String ACTION = "Action";
    /** Dimension of {@link #PICKUP_DELAY}: one of {@link Lane}. */
    public static final String LANE = "Lane";

    // Ingest (Count)
    public static final String EVENTS_ACCEPTED = "EventsAccepted";
    public static final String EVENTS_REJECTED = "EventsRejected";
    public static final String EVENTS_DUPLICATE = "EventsDuplicate";

    // Delivery
    /** Count, by {@link #OUTCOME}: the end of one attempt (or of a task that made none, e.g. HELD). */
    public static final String DELIVERIES = "Deliveries";
    /** Count, Stack only: attempts answered 2xx. With {@link #ATTEMPTS_FAILED}, the success-rate alarm's inputs. */
    public static final String ATTEMPTS_SUCCEEDED = "AttemptsSucceeded";
    /** Count, Stack only: attempts that failed (any non-2xx, timeout, connection error). */
    public static final String ATTEMPTS_FAILED = "AttemptsFailed";
    /** Milliseconds: one HTTP attempt, request sent to answer read. */
    public static final String ATTEMPT_LATENCY = "AttemptLatency";
    /** Milliseconds: the event's receivedAt to its delivery to one subscription (2xx). */
    public static final String END_TO_END_LATENCY = "EndToEndLatency";
    /** Count: retries scheduled. */
    public static final String RETRIES = "Retries";
    /** Count: tasks parked in the DLQ after their last attempt. */
    public static final String DEAD_LETTERED = "DeadLettered";
    /**
     * Milliseconds, by {@link #LANE}: how late a due task reached the delivery function (from its notBefore, or from
     * when it was sent if it has none; a task that arrives early to wait out its backoff has none). What the lanes'
     * "delivery is behind" alarms read, instead of the queues' oldest-message age that scheduled waits hold up.
     */
    public static final String PICKUP_DELAY = "PickupDelay";

    // Subscriber health
    /** Count, by {@link #TO_STATE}. */
    public static final String BREAKER_TRANSITIONS = "BreakerTransitions";
    /** Count: subscriptions disabled (410 or DISABLE_AFTER_HOURS). */
    public static final String SUBSCRIPTIONS_DISABLED = "SubscriptionsDisabled";

    // Operations
    /** Count, by {@link #ACTION}: successful management mutations (the audit trail's records). */
    public static final String OPERATOR_ACTIONS = "OperatorActions";
    /** Count: one per sweeper run; the heartbeat alarm treats missing data as breaching. */
    public static final String SWEEPER_RUNS = "SweeperRuns";

    /** The values of {@link #OUTCOME}. */
    public enum Outcome {
        /** 2xx. */
        DELIVERED,
        /** Failed; a retry is scheduled. */
        RETRYING,
        /** Failed for the last time; parked in the DLQ. */
        DEAD_LETTERED,
        /** 410 Gone: the subscription was disabled. */
        DISABLED,
        /** Not attempted: the subscription's breaker is open or it is paused; kept until it may go. */
        HELD,
        /** Cut short by the invocation's deadline; comes back without spending an attempt. */
        CUT_SHORT
    }

    /** The values of {@link #LANE}: the delivery queue a task was received from. */
    public enum Lane {
        /** The main delivery queue. */
        MAIN,
        /** The slow lane: degraded and failing subscriptions' deliveries. */
        SLOW
    }

    /** Every metric name, for tests that check the dashboard and the alarms name only metrics that exist. */
    public static final List<String> ALL = List.of(EVENTS_ACCEPTED, EVENTS_REJECTED, EVENTS_DUPLICATE, DELIVERIES,
            ATTEMPTS_SUCCEEDED, ATTEMPTS_FAILED, ATTEMPT_LATENCY, END_TO_END_LATENCY, RETRIES, DEAD_LETTERED,
            PICKUP_DELAY, BREAKER_TRANSITIONS, SUBSCRIPTIONS_DISABLED, OPERATOR_ACTIONS, SWEEPER_RUNS);

    private RelayMetrics() {
    }
}
