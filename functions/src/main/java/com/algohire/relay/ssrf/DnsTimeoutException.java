package com.algohire.relay.ssrf;

import java.net.UnknownHostException;

/** DNS did not answer within the time a webhook attempt had left: the attempt fails as {@code DNS_TIMEOUT}. */
public final class DnsTimeoutException extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    public DnsTimeoutException(String message) {
        super(message);
    }
}
