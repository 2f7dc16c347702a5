package com.algohire.relay.internal;

import java.security.SecureRandom;

/**
 * Where the functions' random values come from (signing secrets, retry jitter), so that none is shared between the
 * execution environments SnapStart resumes from one snapshot.
 *
 * <p>Lambda snapshots the initialized JVM and resumes many environments from it: a generator built during init,
 * and any value drawn from it, is in that snapshot and would be the same in all of them (AWS, "Handling uniqueness
 * with Lambda SnapStart"). The rule: keep no generator and no random value across the snapshot; every draw takes a
 * new, unseeded {@code SecureRandom} of the platform's default algorithm. On Lambda's Java runtime that is
 * NativePRNG over {@code /dev/urandom}, which AWS lists as keeping uniqueness after a restore; a new instance per
 * draw keeps it as well if the default provider is ever a DRBG or SHA1PRNG, whose state a kept instance would carry
 * into the snapshot. The cost is a provider lookup per secret or per failed delivery.
 *
 * <p>Not used anywhere in the functions (RandomnessTest scans for them): {@code java.util.Random},
 * {@code Math.random}, {@code ThreadLocalRandom} and {@code SplittableRandom} (seeded once per JVM or thread, so
 * restored alike), {@code SecureRandom.getInstance} and {@code setSeed}, or a {@code SecureRandom} outside this
 * class. {@code UUID.randomUUID} (event, subscription and webhook ids) draws from the JDK's own default
 * {@code SecureRandom}, restore-safe for the same reason.
 */
public final class Randomness {
    private Randomness() {
    }

    /** A new generator for one draw; never stored. */
    static SecureRandom generator() {
        return new SecureRandom();
    }

    public static byte[] bytes(int count) {
        byte[] bytes = new byte[count];
        generator().nextBytes(bytes);
        return bytes;
    }

    /** Uniform in [0, 1). */
    public static double unitInterval() {
        return generator().nextDouble();
    }
}
