package com.algohire.relay.subscription;

import java.time.Instant;
import java.util.List;

/**
 * A webhook subscription: where to send which event types, and the secrets that sign them.
 *
 * @param secrets        the current secret first, then rotated-out secrets that keep signing until their expiry
 * @param disabledReason why delivery stopped on its own (e.g. the receiver answered 410), null otherwise
 */
public record Subscription(String subscriptionId, String url, List<String> eventTypes, String description,
                           boolean active, List<SigningSecret> secrets, Instant createdAt, Instant updatedAt,
                           String disabledReason) {

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
                disabledReason);
    }

    @Override
    public String toString() {
        // Secrets never reach a log line through toString.
        return "Subscription[" + subscriptionId + ", active=" + active + "]";
    }
}
