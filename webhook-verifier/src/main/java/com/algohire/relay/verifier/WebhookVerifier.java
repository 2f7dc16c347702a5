package com.algohire.relay.verifier;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Verifies a webhook delivered by the relay (Standard Webhooks): receivers create one with their subscription's
 * {@code whsec_...} secret and call {@link #verify} with the raw request body and headers before trusting it.
 *
 * <pre>{@code
 * WebhookVerifier verifier = new WebhookVerifier(System.getenv("WEBHOOK_SECRET"));
 * verifier.verify(rawBody, headers); // throws WebhookVerificationException when not genuine
 * }</pre>
 *
 * <p>Depends on nothing beyond the JDK so that receivers can copy it. Signatures are compared in constant time;
 * a timestamp more than five minutes from now either way is refused, which bounds replays of captured requests.
 * Several secrets may be given (a receiver mid-rotation): a signature by any of them is accepted.
 */
public final class WebhookVerifier {
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private final List<byte[]> keys;
    private final Clock clock;
    private final Duration tolerance;

    public WebhookVerifier(String secret) {
        this(List.of(secret));
    }

    public WebhookVerifier(List<String> secrets) {
        this(secrets, Clock.systemUTC(), DEFAULT_TOLERANCE);
    }

    public WebhookVerifier(List<String> secrets, Clock clock, Duration tolerance) {
        if (secrets == null || secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is required");
        }
        this.keys = secrets.stream().map(WebhookSignature::decodeSecret).toList();
        this.clock = clock;
        this.tolerance = tolerance;
    }

    /**
     * @param body    the raw request body exactly as received (re-serialized JSON would not verify)
     * @param headers request headers; names are matched case-insensitively
     */
    public void verify(String body, Map<String, String> headers) throws WebhookVerificationException {
        String id = header(headers, WebhookSignature.HEADER_ID);
        String timestampText = header(headers, WebhookSignature.HEADER_TIMESTAMP);
        String signatures = header(headers, WebhookSignature.HEADER_SIGNATURE);
        long timestamp;
        try {
            timestamp = Long.parseLong(timestampText.trim());
        } catch (NumberFormatException e) {
            throw new WebhookVerificationException(WebhookSignature.HEADER_TIMESTAMP + " is not epoch seconds");
        }
        long now = clock.instant().getEpochSecond();
        if (timestamp < now - tolerance.toSeconds()) {
            throw new WebhookVerificationException(WebhookSignature.HEADER_TIMESTAMP + " is too old");
        }
        if (timestamp > now + tolerance.toSeconds()) {
            throw new WebhookVerificationException(WebhookSignature.HEADER_TIMESTAMP + " is too far in the future");
        }
        String signedBody = body == null ? "" : body;
        for (byte[] key : keys) {
            byte[] expected = WebhookSignature.hmac(key, id, timestamp, signedBody);
            for (String candidate : signatures.trim().split(" +")) {
                int comma = candidate.indexOf(',');
                if (comma < 0 || !WebhookSignature.VERSION.equals(candidate.substring(0, comma))) {
                    continue; // other versions (e.g. v1a asymmetric) are not ours to check
                }
                byte[] given;
                try {
                    given = Base64.getDecoder()
                            .decode(candidate.substring(comma + 1).getBytes(StandardCharsets.US_ASCII));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                if (MessageDigest.isEqual(expected, given)) {
                    return;
                }
            }
        }
        throw new WebhookVerificationException("no matching signature");
    }

    private static String header(Map<String, String> headers, String name) throws WebhookVerificationException {
        if (headers != null) {
            for (Map.Entry<String, String> entry : headers.entrySet()) {
                if (entry.getKey() != null && entry.getKey().toLowerCase(Locale.ROOT).equals(name)
                        && entry.getValue() != null && !entry.getValue().isBlank()) {
                    return entry.getValue();
                }
            }
        }
        throw new WebhookVerificationException("missing header " + name);
    }
}
