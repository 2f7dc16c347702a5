package com.algohire.relay.ssrf;

import java.net.UnknownHostException;

/**
 * A webhook URL or address the relay refuses to call. It is an {@link UnknownHostException} so that it can leave
 * the HTTP client's DNS hook unchanged; its message never contains the URL (which may carry credentials).
 */
public final class UrlRejectedException extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    /** True when the refusal is about where the URL points (SSRF), false when the URL is malformed. */
    private final boolean blockedAddress;

    UrlRejectedException(String message, boolean blockedAddress) {
        super(message);
        this.blockedAddress = blockedAddress;
    }

    public boolean blockedAddress() {
        return blockedAddress;
    }
}
