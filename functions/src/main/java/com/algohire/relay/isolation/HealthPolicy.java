package com.algohire.relay.isolation;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.internal.Text;
import com.algohire.relay.subscription.Subscription;
import com.algohire.relay.subscription.SubscriptionHealth;
import com.algohire.relay.subscription.SubscriptionHealth.Breaker;
import com.algohire.relay.subscription.SubscriptionHealth.Bucket;
import com.algohire.relay.subscription.SubscriptionHealth.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The rules of subscriber health, without any I/O: how a batch's attempt outcomes fold into
 * {@link SubscriptionHealth}, when the breaker opens, who may probe, and which state changes a fold made.
 *
 * <p><b>Breaker</b> (Convoy's rule): CLOSED opens after {@code consecutiveFailures} failed attempts in a row, or when
 * the window holds at least {@code minRequests} attempts of which {@code failureRatePercent} failed. OPEN holds every
 * task until {@code retryAt}; then one probe claims HALF_OPEN with a lease. Only the probe's own outcome moves it
 * on: success closes it (counters and window reset, so old failures cannot re-open it at once), failure re-opens it
 * with the cool-down doubled up to {@code maxCooldown}. Stragglers (attempts admitted before it opened) update the
 * counters but never move the breaker.
 *
 * <p><b>Degraded</b>, with hysteresis so that a subscription near a threshold does not flap between the lanes: it
 * becomes DEGRADED when its latency EWMA exceeds {@code slowLatency}, or {@value #DEGRADED_AFTER_FAILURES} attempts
 * in a row failed, or the window holds at least {@value #DEGRADED_AFTER_FAILURES} failures that make half the
 * breaker's rate; it is HEALTHY again only when the EWMA is back under {@value #RECOVER_LATENCY_FACTOR} of
 * {@code slowLatency}, its last attempt succeeded, and the window's failures are under a quarter of the breaker's
 * rate (or fewer than {@value #DEGRADED_AFTER_FAILURES}). The band between half and a quarter is the hysteresis.
 * A breaker that closes leaves the subscription DEGRADED: the drain of its held tasks runs on the slow lane, and
 * the subscription earns the main lane back by the rule above.
 *
 * <p><b>Latency</b>: an EWMA with alpha {@value #EWMA_ALPHA}: its memory is about the last ten attempts (2/alpha - 1
 * = 9), so one slow answer does not move a subscription to the slow lane while a slow spell does within a few
 * attempts, and it needs no per-attempt history on the item (p95 would). Timeouts count at their full length: a
 * receiver that times out holds a delivery slot exactly as long as a slow one.
 */
public final class HealthPolicy {
    static final double EWMA_ALPHA = 0.2;
    static final int DEGRADED_AFTER_FAILURES = 3;
    static final double RECOVER_LATENCY_FACTOR = 0.75;

    private final RelayConfig.Isolation limits;

    public HealthPolicy(RelayConfig.Isolation limits) {
        this.limits = limits;
    }

    public RelayConfig.Isolation limits() {
        return limits;
    }

    /** What the gate before an attempt decides for a DELIVER task. */
    public enum Gate {
        /** Attempt it (breaker closed, subscription active and not paused). */
        ATTEMPT,
        /** The breaker is due a probe: try to claim it, attempt as the probe if claimed, hold otherwise. */
        CLAIM_PROBE,
        /** Hold it: paused, disabled, or the breaker is open (or a probe is out). */
        HOLD
    }

    public Gate gate(Subscription subscription, Instant now) {
        if (!subscription.active() || subscription.paused()) {
            return Gate.HOLD;
        }
        SubscriptionHealth h = subscription.health();
        if (h.breaker() == Breaker.CLOSED) {
            return Gate.ATTEMPT;
        }
        return probeDue(h, now) ? Gate.CLAIM_PROBE : Gate.HOLD;
    }

    /** Why a task is held, in a word for the log line. */
    public static String holdReason(Subscription subscription) {
        if (!subscription.active()) {
            return "disabled";
        }
        if (subscription.paused()) {
            return "paused";
        }
        return "breaker " + subscription.health().breaker().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether a probe may go out now: OPEN past retryAt, or HALF_OPEN whose probe's lease has run out. */
    public static boolean probeDue(SubscriptionHealth h, Instant now) {
        return switch (h.breaker()) {
            case OPEN -> h.retryAt() == null || !now.isBefore(h.retryAt());
            case HALF_OPEN -> h.probeLeaseUntil() == null || !now.isBefore(h.probeLeaseUntil());
            case CLOSED -> false;
        };
    }

    /** The health a probe claims (HALF_OPEN, leased until {@code now + lease}), or empty when none is due. */
    public Optional<SubscriptionHealth> claimProbe(SubscriptionHealth h, Instant now, Duration lease) {
        if (!probeDue(h, now)) {
            return Optional.empty();
        }
        Draft d = new Draft(h);
        d.breaker = Breaker.HALF_OPEN;
        d.state = State.FAILING;
        d.probeLeaseUntil = now.plus(lease);
        return Optional.of(d.build());
    }

    /** Folds one batch's outcomes (any order) into {@code before}; the version is left for the writer to bump. */
    public SubscriptionHealth fold(SubscriptionHealth before, List<AttemptOutcome> outcomes, Instant now) {
        Draft d = new Draft(before);
        TreeMap<Long, int[]> buckets = new TreeMap<>();
        before.window().forEach(b -> buckets.put(b.minute(), new int[] {b.successes(), b.failures()}));
        boolean anyFailure = false;
        Boolean probeSucceeded = null;
        for (AttemptOutcome o : outcomes.stream().sorted(Comparator.comparing(AttemptOutcome::at)).toList()) {
            int[] bucket = buckets.computeIfAbsent(o.at().getEpochSecond() / 60 * 60, m -> new int[2]);
            d.latencyEwmaMs = d.latencyEwmaMs == null ? o.latencyMs()
                    : Math.round(EWMA_ALPHA * o.latencyMs() + (1 - EWMA_ALPHA) * d.latencyEwmaMs);
            if (o.success()) {
                bucket[0]++;
                d.consecutiveFailures = 0;
                d.failingSince = null;
                d.lastSuccessAt = o.at();
            } else {
                bucket[1]++;
                anyFailure = true;
                d.consecutiveFailures++;
                d.failingSince = d.failingSince == null ? o.at() : d.failingSince;
                d.lastFailureAt = o.at();
                d.lastFailure = o.failure();
                d.lastResponseSnippet = snippet(o.snippet());
            }
            if (o.probe()) {
                probeSucceeded = o.success();
            }
        }
        long oldest = now.minus(limits.window()).getEpochSecond();
        List<Bucket> window = new ArrayList<>();
        buckets.forEach((minute, counts) -> {
            if (minute + 60 > oldest) { // the bucket overlaps the window
                window.add(new Bucket(minute, counts[0], counts[1]));
            }
        });
        d.window = window;
        moveBreaker(d, before.breaker(), anyFailure, probeSucceeded, now);
        d.state = nextState(before.state(), d);
        return d.build();
    }

    private void moveBreaker(Draft d, Breaker before, boolean anyFailure, Boolean probeSucceeded, Instant now) {
        if (before == Breaker.CLOSED && anyFailure && tripped(d)) {
            open(d, now, limits.cooldown());
        } else if (before == Breaker.HALF_OPEN && Boolean.TRUE.equals(probeSucceeded)) {
            d.breaker = Breaker.CLOSED;
            d.consecutiveFailures = 0;
            d.failingSince = null;
            d.window = List.of();
            d.retryAt = null;
            d.probeLeaseUntil = null;
            d.cooldownSeconds = 0;
        } else if (before == Breaker.HALF_OPEN && Boolean.FALSE.equals(probeSucceeded)) {
            Duration doubled = Duration.ofSeconds(Math.max(1, d.cooldownSeconds) * 2);
            open(d, now, doubled.compareTo(limits.maxCooldown()) > 0 ? limits.maxCooldown() : doubled);
        }
    }

    private static void open(Draft d, Instant now, Duration cooldown) {
        d.breaker = Breaker.OPEN;
        d.breakerOpenedAt = now;
        d.retryAt = now.plus(cooldown);
        d.probeLeaseUntil = null;
        d.cooldownSeconds = cooldown.toSeconds();
    }

    private boolean tripped(Draft d) {
        return d.consecutiveFailures >= limits.consecutiveFailures()
                || (attempts(d.window) >= limits.minRequests()
                && failures(d.window) * 100L >= (long) limits.failureRatePercent() * attempts(d.window));
    }

    private State nextState(State before, Draft d) {
        if (d.breaker != Breaker.CLOSED) {
            return State.FAILING;
        }
        if (before == State.FAILING) {
            return State.DEGRADED; // just closed: it drains on the slow lane and earns the main lane back
        }
        long ewma = d.latencyEwmaMs == null ? 0 : d.latencyEwmaMs;
        long slowMs = limits.slowLatency().toMillis();
        int attempts = attempts(d.window);
        int failures = failures(d.window);
        long rateTimesAttempts = (long) limits.failureRatePercent() * attempts;
        if (before == State.HEALTHY) {
            boolean degrade = ewma > slowMs || d.consecutiveFailures >= DEGRADED_AFTER_FAILURES
                    || (failures >= DEGRADED_AFTER_FAILURES && failures * 100L * 2 >= rateTimesAttempts);
            return degrade ? State.DEGRADED : State.HEALTHY;
        }
        boolean recovered = ewma <= RECOVER_LATENCY_FACTOR * slowMs && d.consecutiveFailures == 0
                && (failures < DEGRADED_AFTER_FAILURES || failures * 100L * 4 < rateTimesAttempts);
        return recovered ? State.HEALTHY : State.DEGRADED;
    }

    /**
     * Since when a subscription has been failing without a break that counts: its first failure after the last
     * success, or the operator's last change of it ({@code updatedAt}: a re-enable, a new URL) if that is later, so
     * that a subscription re-enabled after an auto-disable gets a full {@code disableAfter} again rather than being
     * disabled by its first failed attempt. Null while it is not failing.
     */
    public static Instant failingSince(SubscriptionHealth h, Instant operatorChangedAt) {
        if (h.failingSince() == null) {
            return null;
        }
        return operatorChangedAt != null && operatorChangedAt.isAfter(h.failingSince()) ? operatorChangedAt
                : h.failingSince();
    }

    /** Whether it has been failing (see {@link #failingSince}) for longer than {@code disableAfter}. */
    public boolean failingTooLong(SubscriptionHealth h, Instant operatorChangedAt, Instant now) {
        Instant since = failingSince(h, operatorChangedAt);
        return since != null && Duration.between(since, now).compareTo(limits.disableAfter()) > 0;
    }

    /** The reason a person reads for auto-disabling, e.g. "failing continuously since 2026-11-23T10:00:00Z (120 h)". */
    public static String disableReason(SubscriptionHealth h, Instant operatorChangedAt, Instant now) {
        Instant since = failingSince(h, operatorChangedAt);
        return "failing continuously since " + since + " (" + Duration.between(since, now).toHours() + " h)";
    }

    /**
     * The state changes from {@code before} to {@code after}, in the order they are reported: BREAKER_OPENED (also
     * when a failed probe re-opens it), BREAKER_HALF_OPEN, BREAKER_CLOSED, DEGRADED, RECOVERED.
     */
    public static List<String> changes(SubscriptionHealth before, SubscriptionHealth after) {
        List<String> changes = new ArrayList<>();
        if (after.breaker() != before.breaker()) {
            changes.add(switch (after.breaker()) {
                case OPEN -> "BREAKER_OPENED";
                case HALF_OPEN -> "BREAKER_HALF_OPEN";
                case CLOSED -> "BREAKER_CLOSED";
            });
        }
        if (before.state() == State.HEALTHY && after.state() == State.DEGRADED) {
            changes.add("DEGRADED");
        }
        if (before.state() != State.HEALTHY && after.state() == State.HEALTHY) {
            changes.add("RECOVERED");
        }
        return changes;
    }

    /** Why {@code change} happened, in words a person reads. */
    public String reason(String change, SubscriptionHealth before, SubscriptionHealth after) {
        return switch (change) {
            case "BREAKER_OPENED" -> before.breaker() == Breaker.HALF_OPEN
                    ? "probe failed (" + after.lastFailure() + "); next probe in " + after.cooldownSeconds() + " s"
                    : openingReason(after);
            case "BREAKER_HALF_OPEN" -> "cool-down over; one probe delivery goes out";
            case "BREAKER_CLOSED" -> "probe delivered; held deliveries drain";
            case "DEGRADED" -> after.latencyEwmaMs() != null && after.latencyEwmaMs() > limits.slowLatency().toMillis()
                    ? "latency EWMA " + after.latencyEwmaMs() + " ms above " + limits.slowLatency().toMillis() + " ms"
                    : "recent failures (" + after.consecutiveFailures() + " in a row, "
                            + failures(after.window()) + " of " + attempts(after.window()) + " in the window)";
            case "RECOVERED" -> "latency and failure rate back under their limits";
            default -> change;
        };
    }

    private String openingReason(SubscriptionHealth h) {
        if (h.consecutiveFailures() >= limits.consecutiveFailures()) {
            return h.consecutiveFailures() + " consecutive failures";
        }
        return failures(h.window()) + " of " + attempts(h.window()) + " attempts failed in the last "
                + limits.window().toSeconds() + " s (limit " + limits.failureRatePercent() + " %)";
    }

    private static int attempts(List<Bucket> window) {
        return window.stream().mapToInt(b -> b.successes() + b.failures()).sum();
    }

    private static int failures(List<Bucket> window) {
        return window.stream().mapToInt(Bucket::failures).sum();
    }

    private static String snippet(String text) {
        if (text == null) {
            return null;
        }
        return Text.cut(text, SubscriptionHealth.SNIPPET_CHARS); // never half a character: DynamoDB refuses one
    }

    /** A mutable copy of a health record, so each rule reads as assignments. */
    private static final class Draft {
        State state;
        Breaker breaker;
        int consecutiveFailures;
        Instant failingSince;
        Instant lastSuccessAt;
        Instant lastFailureAt;
        String lastFailure;
        String lastResponseSnippet;
        List<Bucket> window;
        Long latencyEwmaMs;
        Instant breakerOpenedAt;
        Instant retryAt;
        Instant probeLeaseUntil;
        long cooldownSeconds;
        final long version;

        Draft(SubscriptionHealth h) {
            state = h.state();
            breaker = h.breaker();
            consecutiveFailures = h.consecutiveFailures();
            failingSince = h.failingSince();
            lastSuccessAt = h.lastSuccessAt();
            lastFailureAt = h.lastFailureAt();
            lastFailure = h.lastFailure();
            lastResponseSnippet = h.lastResponseSnippet();
            window = h.window();
            latencyEwmaMs = h.latencyEwmaMs();
            breakerOpenedAt = h.breakerOpenedAt();
            retryAt = h.retryAt();
            probeLeaseUntil = h.probeLeaseUntil();
            cooldownSeconds = h.cooldownSeconds();
            version = h.version();
        }

        SubscriptionHealth build() {
            return new SubscriptionHealth(state, breaker, consecutiveFailures, failingSince, lastSuccessAt,
                    lastFailureAt, lastFailure, lastResponseSnippet, window, latencyEwmaMs, breakerOpenedAt, retryAt,
                    probeLeaseUntil, cooldownSeconds, version);
        }
    }
}
