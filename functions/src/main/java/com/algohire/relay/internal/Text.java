package com.algohire.relay.internal;

import java.nio.charset.StandardCharsets;

/**
 * Checks on text that arrives as JSON strings, shared by every route that stores what it is sent, the two ways an
 * error message may quote what it was sent, and the one way text a receiver sent us becomes text we can store.
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

    /** What stands in for a character that cannot be kept, as a UTF-8 decoder writes it for bytes it cannot read. */
    public static final char REPLACEMENT = '\uFFFD';

    /**
     * {@code text} with every character that SQS, DynamoDB or a JSON log line could refuse replaced by U+FFFD, so
     * that text a receiver sent us (an error body) can be stored, queued and logged whatever it held. SQS takes
     * only XML 1.0's characters (#x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF): so NUL and the other
     * C0 controls but tab, LF and CR, U+FFFE and U+FFFF, and any surrogate without its pair (which has no UTF-8
     * form, so DynamoDB and the log's encoder refuse it) are replaced. The same instance when nothing is.
     */
    public static String wellFormed(String text) {
        if (text == null || firstIllFormed(text) < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i)); // a pair: U+10000 and above, all allowed
            } else {
                out.append(allowed(c) ? c : REPLACEMENT);
            }
        }
        return out.toString();
    }

    /** Whether {@link #wellFormed} would keep {@code text} as it is. */
    public static boolean isWellFormed(String text) {
        return text == null || firstIllFormed(text) < 0;
    }

    /**
     * Bytes a receiver sent, as text: decoded as UTF-8 (what cannot be decoded becomes U+FFFD), then
     * {@link #wellFormed}.
     */
    public static String fromUtf8(byte[] bytes, int length) {
        return wellFormed(new String(bytes, 0, length, StandardCharsets.UTF_8));
    }

    /** At most {@code max} characters of {@code text}, one fewer rather than half of a surrogate pair. */
    public static String cut(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int end = max > 0 && Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end);
    }

    private static int firstIllFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (!allowed(c)) {
                return i;
            }
        }
        return -1;
    }

    /** XML 1.0's Char production for one UTF-16 unit that is not part of a pair. */
    private static boolean allowed(char c) {
        return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
    }
}
