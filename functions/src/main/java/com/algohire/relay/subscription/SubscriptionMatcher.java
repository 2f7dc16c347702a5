package com.algohire.relay.subscription;

import java.util.List;

/**
 * Decides whether an event type is one a subscription asked for: exact ({@code job.created}), domain ({@code job.*}) or
 * all ({@code *}).
 */
public final class SubscriptionMatcher {
    private SubscriptionMatcher() {
    }

    public static boolean matches(List<String> filters, String eventType) {
        if (filters == null || eventType == null) {
            return false;
        }
        for (String filter : filters) {
            if (filter.equals("*") || filter.equals(eventType)) {
                return true;
            }
            if (filter.endsWith(".*") && eventType.startsWith(filter.substring(0, filter.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
