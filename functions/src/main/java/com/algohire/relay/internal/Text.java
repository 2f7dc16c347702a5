package com.algohire.relay.internal;

/** Checks on text that arrives as JSON strings, shared by every route that stores what it is sent. */
public final class Text {
    private Text() {
    }

    /**
     * The index of the first UTF-16 surrogate without its pair, or -1. JSON lets a sender write one as an escape
     * ({@code "\ud800"}); such a string has no UTF-8 form, so DynamoDB refuses it (and a receiver could not
     * decode it), which must be the sender's 400, not our 500 on every retry.
     */
    public static int firstLoneSurrogate(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    public static boolean hasLoneSurrogate(CharSequence text) {
        return firstLoneSurrogate(text) >= 0;
    }
}
