package com.algohire.relay.event;

import java.util.regex.Pattern;

/**
 * The form of an event type, one definition for what ingest accepts, what the list filters on and what a
 * subscription may ask for: dotted lower case, {@code domain.action} with optional further segments
 * ({@code interview.feedback.submitted}).
 */
public final class EventTypes {
    /** Longest event type ingest accepts (a subscription filter is not bound by it). */
    public static final int MAX_LENGTH = 100;

    private static final String SEGMENT = "[a-z][a-z0-9_]*";
    private static final Pattern NAME = Pattern.compile(SEGMENT + "(\\." + SEGMENT + ")+");
    private static final Pattern DOMAIN_WILDCARD = Pattern.compile(SEGMENT + "\\.\\*");

    private EventTypes() {
    }

    /** Whether {@code text} is an event type such as {@code job.created} (its length aside). */
    public static boolean isName(String text) {
        return NAME.matcher(text).matches();
    }

    /** Whether {@code text} is a subscription filter for every type of one domain, such as {@code job.*}. */
    public static boolean isDomainWildcard(String text) {
        return DOMAIN_WILDCARD.matcher(text).matches();
    }

    /** The domain of an event type or a domain wildcard: the text before its first dot. */
    public static String domain(String typeOrWildcard) {
        return typeOrWildcard.substring(0, typeOrWildcard.indexOf('.'));
    }
}
