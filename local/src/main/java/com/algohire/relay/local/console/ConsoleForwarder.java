package com.algohire.relay.local.console;

import java.io.IOException;
import java.util.Map;

/**
 * Where the console's API calls go: the local relay's management API (with its admin key) or a deployed stack's
 * (signed with SigV4). The console's browser code never holds that credential; this side adds it.
 */
public interface ConsoleForwarder {

    /** An API answer, passed back to the browser as it came. */
    record Answer(int status, String contentType, byte[] body) {
    }

    /**
     * Sends one management API request.
     *
     * @param method       GET, POST, PATCH or DELETE
     * @param pathAndQuery the API path with its raw query, e.g. {@code /api/v1/events?limit=20}
     * @param headers      the request headers to pass on (content-type only; never the browser's cookies)
     * @param body         the request body, empty for none
     */
    Answer forward(String method, String pathAndQuery, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException;

    /** Says where calls go, for the page's header (e.g. the API's URL); never a credential. */
    String target();
}
