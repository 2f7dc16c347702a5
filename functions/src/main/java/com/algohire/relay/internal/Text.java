package com.algohire.relay.internal;

/**
 * Checks on text that arrives as JSON strings, shared by every route that stores what it is sent, and the two ways
 * an error message may quote what it was sent.
 */
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

    /**
     * At most {@code max} characters of a rejected value for an error message: visible ASCII as itself, anything
     * else (control characters, non-ASCII, halves of surrogate pairs) as '?', and "..." when cut.
     */
    public static String printable(String value, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && i < max; i++) {
            char c = value.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (value.length() > max) {
            out.append("...");
        }
        return out.toString();
    }

    /** At most {@code max} characters of a value, unchanged, and "..." when cut. */
    public static String truncate(String value, int max) {
        return value.length() > max ? value.substring(0, max) + "..." : value;
    }
}
