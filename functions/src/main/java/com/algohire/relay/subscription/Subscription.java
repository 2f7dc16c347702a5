package com.algohire.relay.subscription;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A webhook subscription: where to send which event types, and the secrets that sign them.
 *
 * @param secrets        the current secret first, then rotated-out secrets that keep signing until their expiry
 * @param disabledReason why delivery stopped on its own (e.g. the receiver answered 410), null otherwise
 * @param paused         an operator paused it: its deliveries are held, not attempted, until it is resumed
 * @param health         how its receiver has been answering (never null; written by the delivery side only)
 */
public record Subscription(String subscriptionId, String url, List<String> eventTypes, String description,
                           boolean active, List<SigningSecret> secrets, Instant createdAt, Instant updatedAt,
                           String disabledReason, boolean paused, SubscriptionHealth health) {
    private static final Pattern ID = Pattern.compile("sub_[0-9a-f]{32}");

    public Subscription {
        health = health == null ? SubscriptionHealth.INITIAL : health;
    }

    /** The one state a person sees: disabled, paused, or the delivery side's healthy / degraded / failing. */
    public String displayState() {
        if (!active) {
            return "disabled";
        }
        if (paused) {
            return "paused";
        }
        return health.state().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A new subscription id: {@code sub_} and 32 lower-case hex digits. */
    public static String newId() {
        return "sub_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Whether {@code text} has the form of a subscription id (only such text is ever sent to the table as a key). */
    public static boolean isId(String text) {
        return text != null && ID.matcher(text).matches();
    }

    /** A {@code whsec_...} secret; {@code expiresAt} is null for the current one. */
    public record SigningSecret(String secret, Instant expiresAt) {
        public boolean activeAt(Instant now) {
            return expiresAt == null || expiresAt.isAfter(now);
        }

        @Override
        public String toString() {
            return "SigningSecret[redacted, expiresAt=" + expiresAt + "]";
        }
    }

    /** The secrets that sign a delivery made at {@code now}: the current one and any still in their overlap. */
    public List<String> signingSecrets(Instant now) {
        return secrets.stream().filter(s -> s.activeAt(now)).map(SigningSecret::secret).toList();
    }

    /** When the newest rotated-out secret stops signing, or null when only the current one signs. */
    public Instant previousSecretExpiresAt(Instant now) {
        return secrets.stream().filter(s -> s.expiresAt() != null && s.activeAt(now)).map(SigningSecret::expiresAt)
                .max(Instant::compareTo).orElse(null);
    }

    public Subscription withSecrets(List<SigningSecret> newSecrets, Instant now) {
        return new Subscription(subscriptionId, url, eventTypes, description, active, newSecrets, createdAt, now,
                disabledReason, paused, health);
    }

    @Override
    public String toString() {
        // Secrets never reach a log line through toString.
        return "Subscription[" + subscriptionId + ", active=" + active + "]";
    }
}
