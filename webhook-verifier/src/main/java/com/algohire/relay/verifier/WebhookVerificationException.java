package com.algohire.relay.verifier;

/** A delivery that must not be trusted: missing headers, a timestamp out of tolerance, or no matching signature. */
public class WebhookVerificationException extends Exception {
    private static final long serialVersionUID = 1L;

    public WebhookVerificationException(String message) {
        super(message);
    }
}
