package com.algohire.relay.event;

import com.algohire.relay.internal.Text;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A message on a delivery queue, carrying ids only (the event itself stays in DynamoDB/S3), as Svix does.
 * <ul>
 *   <li>{@code FAN_OUT}: an accepted event, to be split into one {@code DELIVER} task per matching subscription.</li>
 *   <li>{@code DELIVER}: one event to one subscription; {@code webhookId} stays the same across its retries.
 *       {@code attempts} counts the HTTP attempts already made for it (absent: none), so that receives which made
 *       no attempt (throttling, a batch cut short, a held task) never spend its budget; {@code notBefore} is the
 *       earliest time of its next attempt (absent: now); {@code lastError} what its last attempt got, kept on
 *       the copy parked in the DLQ for whoever looks at it.</li>
 *   <li>{@code DRAIN}: re-queue the tasks held for {@code subscriptionId}, oldest first, a page at a time.</li>
 *   <li>{@code PROBE}: the breaker of {@code subscriptionId} has cooled down; try one held task.</li>
 *   <li>{@code RECOVER}: carry recovery {@code recoveryId} of {@code subscriptionId} one bounded step on.</li>
 * </ul>
 *
 * <p>{@code round} (DELIVER only; absent: 0) says which budget of its webhook-id the attempts spend: a copy parked in
 * the DLQ, or queued by a recover, starts the next one, and {@link AttemptClaims} lets one chain per round run.
 *
 * <p>{@code replayId} is set on the FAN_OUT of an operator's replay only: the original delivery's webhook-ids are
 * derived from eventId and subscriptionId alone (so any re-queue of the event repeats them), a replay's from the
 * replay as well (so receivers that deduplicate on webhook-id do not discard what the operator asked for).
 */
@JsonInclude(JsonInclude.Include.NON_NULL) // absent, not null: a task carries only what it has
public record DeliveryTask(Kind kind, String eventId, String eventType, String subscriptionId, String webhookId,
                           String replayId, Integer attempts, String notBefore, String lastError,
                           String recoveryId, Integer round) {

    public enum Kind { FAN_OUT, DELIVER, DRAIN, PROBE, RECOVER }

    /**
     * {@code lastError} is the one field that may quote a receiver: kept {@link Text#wellFormed}, so a task can
     * always be queued (SQS refuses a message holding one character outside XML 1.0's set) and read back clean.
     */
    public DeliveryTask {
        lastError = Text.wellFormed(lastError);
    }

    public static DeliveryTask fanOut(String eventId, String eventType) {
        return new DeliveryTask(Kind.FAN_OUT, eventId, eventType, null, null, null, null, null, null, null, null);
    }

    /** The FAN_OUT of an operator's replay: every matching subscription gets a webhook-id of this replay's own. */
    public static DeliveryTask replayFanOut(String eventId, String eventType, String replayId) {
        return new DeliveryTask(Kind.FAN_OUT, eventId, eventType, null, null, replayId, null, null, null, null, null);
    }

    public static DeliveryTask deliver(String eventId, String eventType, String subscriptionId, String webhookId) {
        return new DeliveryTask(Kind.DELIVER, eventId, eventType, subscriptionId, webhookId, null, null, null, null,
                null, null);
    }

    public static DeliveryTask drain(String subscriptionId) {
        return new DeliveryTask(Kind.DRAIN, null, null, subscriptionId, null, null, null, null, null, null, null);
    }

    public static DeliveryTask probe(String subscriptionId) {
        return new DeliveryTask(Kind.PROBE, null, null, subscriptionId, null, null, null, null, null, null, null);
    }

    /**
     * The PROBE an opening of the breaker queues: {@code notBefore} is that opening's retryAt, which also tells a
     * PROBE of an earlier opening (stale: dropped) from this one.
     */
    public static DeliveryTask probe(String subscriptionId, String notBefore) {
        return new DeliveryTask(Kind.PROBE, null, null, subscriptionId, null, null, null, notBefore, null, null,
                null);
    }

    public static DeliveryTask recover(String subscriptionId, String recoveryId) {
        return new DeliveryTask(Kind.RECOVER, null, null, subscriptionId, null, null, null, null, null, recoveryId,
                null);
    }

    /** HTTP attempts already made for this task (0 when none). */
    @JsonIgnore
    public int attemptsMade() {
        return attempts == null ? 0 : attempts;
    }

    /** The same task after one more attempt, to come back no earlier than {@code notBefore}. */
    public DeliveryTask afterAttempt(String nextNotBefore, String error) {
        return new DeliveryTask(kind, eventId, eventType, subscriptionId, webhookId, replayId, attemptsMade() + 1,
                nextNotBefore, error, recoveryId, round);
    }

    /**
     * The copy parked in the DLQ: a redrive gives it a fresh attempt budget, in the next round of its webhook-id's
     * attempt claims (see {@link AttemptClaims}); {@code lastError} says what failed.
     */
    public DeliveryTask deadLettered(String error) {
        return new DeliveryTask(kind, eventId, eventType, subscriptionId, webhookId, replayId, null, null, error,
                recoveryId, roundNumber() + 1);
    }

    /** This task's attempts under a fresh budget in round {@code nextRound} (a recover's), from the first. */
    public DeliveryTask inRound(int nextRound) {
        return new DeliveryTask(kind, eventId, eventType, subscriptionId, webhookId, replayId, null, null, null,
                recoveryId, nextRound == 0 ? null : nextRound);
    }

    /** Which budget of its webhook-id this task's attempts spend (0, absent on the wire, for the original one). */
    @JsonIgnore
    public int roundNumber() {
        return round == null ? 0 : round;
    }
}
