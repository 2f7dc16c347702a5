package com.algohire.relay.subscription;

import com.algohire.relay.audit.Commit;
import com.algohire.relay.error.ErrorCode;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.event.DeliveryTask;
import com.algohire.relay.event.EventTypes;
import com.algohire.relay.event.TaskQueue;
import com.algohire.relay.internal.Text;
import com.algohire.relay.isolation.Notifier;
import com.algohire.relay.ssrf.SsrfGuard;
import com.algohire.relay.ssrf.UrlRejectedException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates, reads, changes and deletes subscriptions, rotates their secrets, pauses and resumes them, refusing what
 * a caller may not store (a URL the SSRF guard refuses, an unknown domain, an unknown field) with a
 * {@link RelayException}.
 *
 * <p>It takes a subscription as the JSON document the caller sent, not as typed values parsed beforehand: each
 * field is checked for its type and its value together, in the document's order, and a PATCH names a missing
 * subscription before any field, so which error a request with several defects hears depends on that order.
 *
 * <p>Pause, resume, enable and disable are operator decisions about deliveries: each is told to the
 * {@link Notifier} once, when it changes the state (a repeated pause changes nothing and says nothing). Resume and
 * re-enable also queue a DRAIN, which re-queues the tasks held meanwhile; they queue it even when the state had
 * already changed, since the earlier call that changed it may have failed to queue its DRAIN (two DRAINs are
 * harmless: the delivery side leases the drain).
 */
public final class SubscriptionService {
    static final int MAX_EVENT_TYPES = 50;
    static final int MAX_DESCRIPTION = 500;
    /** Rotated-out secrets kept signing at once; bounds the item and the signature header under rapid rotation. */
    static final int MAX_PREVIOUS_SECRETS = 4;
    private static final Set<String> CREATE_FIELDS = Set.of("url", "eventTypes", "description");
    /** Tries of a pause or resume that meets concurrent writes before it answers 409. */
    private static final int WRITE_ATTEMPTS = 3;
    private static final Set<String> PATCH_FIELDS = Set.of("url", "eventTypes", "description", "active");

    private final SubscriptionStore store;
    private final SsrfGuard guard;
    private final Set<String> knownDomains;
    private final Duration rotationOverlap;
    private final Clock clock;
    private final SecretGenerator secrets;
    private final TaskQueue deliveryQueue;
    private final Notifier notifier;

    /** A subscription with its new signing secret: what create and rotate answer, the only time it is shown. */
    public record WithSecret(Subscription subscription, String secret) {
        @Override
        public String toString() {
            return "WithSecret[" + subscription + ", secret redacted]";
        }
    }

    /**
     * @param deliveryQueue the main delivery queue, where resume and re-enable queue their DRAIN
     * @param notifier      hears of every pause, resume, enable and disable an operator makes
     */
    public SubscriptionService(SubscriptionStore store, SsrfGuard guard, Set<String> knownDomains,
                               Duration rotationOverlap, Clock clock, TaskQueue deliveryQueue, Notifier notifier) {
        this.store = store;
        this.guard = guard;
        this.knownDomains = knownDomains;
        this.rotationOverlap = rotationOverlap;
        this.clock = clock;
        this.secrets = new SecretGenerator();
        this.deliveryQueue = deliveryQueue;
        this.notifier = notifier;
    }

    public WithSecret create(JsonNode body) {
        requireObject(body, CREATE_FIELDS);
        String url = url(body.get("url"));
        List<String> eventTypes = eventTypes(body.get("eventTypes"));
        String description = description(body.get("description"));
        Instant now = clock.instant();
        String secret = secrets.next();
        Subscription subscription = new Subscription(Subscription.newId(), url,
                eventTypes, description, true, List.of(new Subscription.SigningSecret(secret, null)), now, now, null,
                false, SubscriptionHealth.INITIAL);
        store.create(subscription);
        return new WithSecret(subscription, secret);
    }

    /** @param cursor a previous page's nextCursor, or null for the first page */
    public SubscriptionStore.Page list(int limit, String cursor) {
        try {
            return store.list(limit, cursor);
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorCode.INVALID_CURSOR, "cursor is not one returned by this API",
                    Map.of("field", "cursor"));
        }
    }

    public Subscription get(String id) {
        return existing(id);
    }

    /**
     * Changes the fields {@code body} names ({@code url}, {@code eventTypes}, {@code description}, {@code active}).
     * Turning a disabled subscription back on ({@code "active": true}) clears its disabledReason, starts its health
     * afresh and queues a DRAIN of what was held while it was off.
     *
     * @param actor  who asks, for the notice of an enable or disable
     * @param commit told once the change is written (a DRAIN that then fails to queue leaves it standing)
     */
    public Subscription update(String id, JsonNode body, String actor, Commit commit) {
        requireObject(body, PATCH_FIELDS);
        Subscription current = existing(id);
        String url = body.has("url") ? url(body.get("url")) : current.url();
        List<String> eventTypes = body.has("eventTypes") ? eventTypes(body.get("eventTypes")) : current.eventTypes();
        String description = body.has("description") ? description(body.get("description")) : current.description();
        boolean active = current.active();
        String disabledReason = current.disabledReason();
        if (body.has("active")) {
            if (!body.get("active").isBoolean()) {
                throw new RelayException(ErrorCode.INVALID_ACTIVE, "active must be true or false", Map.of("field",
                        "active"));
            }
            active = body.get("active").booleanValue();
            disabledReason = active ? null : "disabled by operator";
        }
        boolean enabling = active && !current.active();
        boolean disabling = !active && current.active();
        Instant now = SubscriptionStore.nextUpdatedAt(current.updatedAt(), clock.instant());
        Subscription updated = new Subscription(current.subscriptionId(), url, eventTypes, description, active,
                current.secrets(), current.createdAt(), now, disabledReason, current.paused(),
                enabling ? SubscriptionHealth.INITIAL : current.health());
        boolean written = enabling ? store.replaceResettingHealth(updated, current.updatedAt())
                : store.replace(updated, current.updatedAt());
        if (!written) {
            throw changedOrGone(id);
        }
        commit.committed();
        if (enabling || disabling) {
            notifyChange(current, updated, enabling ? "ENABLED" : "DISABLED",
                    enabling ? "enabled by operator" : "disabled by operator", actor, now);
        }
        if (active && body.has("active")) {
            drain(id, "enabled");
        }
        return updated;
    }

    /**
     * Holds the subscription's deliveries (the delivery side keeps them, unattempted, until a resume). Idempotent:
     * pausing a paused subscription answers it as it is.
     */
    public Subscription pause(String id, String actor, Commit commit) {
        return setPaused(id, true, actor, commit);
    }

    /**
     * Lets deliveries go again and queues a DRAIN of the held ones (oldest first). Idempotent.
     *
     * @param commit told once the flag is written (a DRAIN that then fails to queue leaves the resume standing)
     */
    public Subscription resume(String id, String actor, Commit commit) {
        Subscription resumed = setPaused(id, false, actor, commit);
        drain(id, "resumed");
        return resumed;
    }

    /**
     * Sets {@code paused}, re-reading and trying again when another write came between the read and this one
     * (the flag does not depend on what else changed, so a concurrent PATCH or rotation is no reason to refuse).
     */
    private Subscription setPaused(String id, boolean paused, String actor, Commit commit) {
        for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
            Subscription current = existing(id);
            if (current.paused() == paused) {
                return current;
            }
            Instant now = SubscriptionStore.nextUpdatedAt(current.updatedAt(), clock.instant());
            Subscription updated = new Subscription(current.subscriptionId(), current.url(), current.eventTypes(),
                    current.description(), current.active(), current.secrets(), current.createdAt(), now,
                    current.disabledReason(), paused, current.health());
            if (store.replace(updated, current.updatedAt())) {
                commit.committed();
                notifyChange(current, updated, paused ? "PAUSED" : "RESUMED",
                        paused ? "paused by operator" : "resumed by operator", actor, now);
                return updated;
            }
        }
        throw changedOrGone(id);
    }

    /** Queues the DRAIN that re-queues the deliveries held for {@code id}; refused sends are a 503 to retry. */
    private void drain(String id, String what) {
        try {
            deliveryQueue.send(DeliveryTask.drain(id));
        } catch (RuntimeException e) {
            throw new RelayException(ErrorCode.QUEUE_UNAVAILABLE, "The subscription is " + what + " but its held "
                    + "deliveries could not be queued for delivery; retrying this request is safe and queues them",
                    Map.of("subscriptionId", id));
        }
    }

    private void notifyChange(Subscription before, Subscription after, String change, String reason, String actor,
                              Instant at) {
        notifier.notify(new Notifier.StateChange(after.subscriptionId(), change, before.displayState(),
                after.displayState(), reason, before.health().lastFailure(), before.health().lastResponseSnippet(),
                actor == null || actor.isBlank() ? "operator" : actor, at));
    }

    /**
     * 404 only when there was nothing to delete. Decided by a read first, not by what the delete returns: when its
     * reply is lost, the SDK's retry finds the item gone, and the caller would hear 404 for its own delete.
     */
    public void delete(String id) {
        existing(id);
        store.delete(id);
    }

    /** A new current secret; the old one keeps signing for the overlap, so receivers can switch without a gap. */
    public WithSecret rotateSecret(String id) {
        Subscription current = existing(id);
        Instant now = SubscriptionStore.nextUpdatedAt(current.updatedAt(), clock.instant());
        String secret = secrets.next();
        List<Subscription.SigningSecret> next = new ArrayList<>();
        next.add(new Subscription.SigningSecret(secret, null));
        if (!rotationOverlap.isZero()) {
            // The replaced secret starts its overlap; secrets rotated out earlier keep theirs (a second rotation
            // within the window must not cut off receivers still on the first secret). Newest first.
            current.secrets().stream().filter(s -> s.expiresAt() == null).findFirst()
                    .ifPresent(old -> next.add(new Subscription.SigningSecret(old.secret(),
                            now.plus(rotationOverlap))));
            current.secrets().stream().filter(s -> s.expiresAt() != null && s.activeAt(now))
                    .sorted(java.util.Comparator.comparing(Subscription.SigningSecret::expiresAt).reversed())
                    .limit(MAX_PREVIOUS_SECRETS - (next.size() - 1L))
                    .forEach(next::add);
        }
        Subscription rotated = current.withSecrets(next, now);
        if (!store.replace(rotated, current.updatedAt())) {
            throw changedOrGone(id);
        }
        return new WithSecret(rotated, secret);
    }

    private Subscription existing(String id) {
        if (!Subscription.isId(id)) {
            throw notFound(id);
        }
        return store.find(id).orElseThrow(() -> notFound(id));
    }

    /** After a refused conditional write: 404 when the subscription is gone, else 409 (changed since read). */
    private RelayException changedOrGone(String id) {
        if (store.find(id).isEmpty()) {
            return notFound(id);
        }
        return new RelayException(ErrorCode.SUBSCRIPTION_MODIFIED,
                "The subscription changed while this request was processed; read it again and retry",
                Map.of("subscriptionId", id));
    }

    private static RelayException notFound(String id) {
        return new RelayException(ErrorCode.SUBSCRIPTION_NOT_FOUND, "No subscription with this subscriptionId",
                Map.of("subscriptionId", id.length() > 64 ? id.substring(0, 64) : id));
    }

    private static void requireObject(JsonNode body, Set<String> allowed) {
        if (body == null || !body.isObject()) {
            throw new RelayException(ErrorCode.INVALID_BODY, "request body must be a JSON object");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new RelayException(ErrorCode.UNKNOWN_FIELD, "unknown field " + truncate(name) + "; allowed: "
                        + String.join(", ", allowed.stream().sorted().toList()), Map.of("field", truncate(name)));
            }
        }
    }

    private String url(JsonNode node) {
        if (node == null || !node.isTextual()) {
            throw new RelayException(ErrorCode.INVALID_URL, "url is required and must be a string", Map.of("field",
                    "url"));
        }
        try {
            return guard.checkUrl(node.textValue()).toString();
        } catch (UrlRejectedException e) {
            throw new RelayException(ErrorCode.INVALID_URL, e.getMessage(), Map.of("field", "url"));
        }
    }

    private List<String> eventTypes(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty() || node.size() > MAX_EVENT_TYPES) {
            throw invalidEventTypes("eventTypes must be a non-empty array of at most " + MAX_EVENT_TYPES
                    + " filters such as \"job.created\", \"job.*\" or \"*\"");
        }
        Set<String> filters = new LinkedHashSet<>();
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw invalidEventTypes("eventTypes entries must be strings");
            }
            String filter = element.textValue();
            String domain;
            if (filter.equals("*")) {
                filters.add(filter);
                continue;
            } else if (EventTypes.isDomainWildcard(filter) || EventTypes.isName(filter)) {
                domain = EventTypes.domain(filter);
            } else {
                throw invalidEventTypes("eventTypes entry " + truncate(filter)
                        + " is not an event type (domain.action), a domain wildcard (domain.*) or *");
            }
            if (!knownDomains.contains(domain)) {
                throw invalidEventTypes("eventTypes entry " + truncate(filter) + " names unknown domain "
                        + truncate(domain)
                        + "; known: " + String.join(", ", knownDomains.stream().sorted().toList()));
            }
            filters.add(filter);
        }
        return List.copyOf(filters);
    }

    private static RelayException invalidEventTypes(String message) {
        return new RelayException(ErrorCode.INVALID_EVENT_TYPES, message, Map.of("field", "eventTypes"));
    }

    private static String description(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.textValue().length() > MAX_DESCRIPTION) {
            throw new RelayException(ErrorCode.INVALID_DESCRIPTION, "description must be a string of at most "
                    + MAX_DESCRIPTION + " characters", Map.of("field", "description"));
        }
        return node.textValue();
    }

    private static String truncate(String text) {
        return Text.truncate(text, 100);
    }
}
