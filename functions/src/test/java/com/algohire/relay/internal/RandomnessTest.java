package com.algohire.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The SnapStart uniqueness rule of {@link Randomness}, as far as a test in one JVM can see it. */
class RandomnessTest {
    /** What would put generator state (or a value drawn at init) into the snapshot, with the reason. */
    private static final Map<Pattern, String> FROZEN_BY_A_SNAPSHOT = Map.of(
            Pattern.compile("\\bnew\\s+Random\\s*\\(|import\\s+java\\.util\\.Random\\s*;"), "java.util.Random",
            Pattern.compile("\\bMath\\.random\\s*\\("), "Math.random (one static java.util.Random)",
            Pattern.compile("\\bThreadLocalRandom\\b"), "ThreadLocalRandom (seeds from a static seeder)",
            Pattern.compile("\\bSplittableRandom\\b|\\bRandomGenerator\\b"), "a java.util.random generator",
            Pattern.compile("\\bnew\\s+SecureRandom\\s*\\("), "a SecureRandom outside Randomness (may be kept)",
            Pattern.compile("SecureRandom\\s*\\.\\s*getInstance"), "an explicit SecureRandom algorithm (e.g. DRBG)",
            Pattern.compile("\\.setSeed\\s*\\("), "a seeded generator");

    @Test
    void mainSources_drawRandomnessOnlyThroughRandomness() throws IOException {
        Path sources = Path.of("src/main/java");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.endsWith(Path.of("com/algohire/relay/internal/Randomness.java")))
                    .forEach(f -> {
                        String text = read(f);
                        FROZEN_BY_A_SNAPSHOT.forEach((pattern, what) -> {
                            if (pattern.matcher(text).find()) {
                                found.add(sources.relativize(f) + ": " + what);
                            }
                        });
                    });
        }
        assertThat(found).isEmpty();
    }

    @Test
    void generator_whenAskedTwice_isANewInstanceEachTime() {
        assertThat(Randomness.generator()).isNotSameAs(Randomness.generator());
    }

    /**
     * Serialization copies a generator's state the way a snapshot does for java.util.Random and SHA1PRNG (their
     * copies repeat each other). It cannot show the DRBG case (the JDK's DRBG re-seeds when deserialized, a memory
     * snapshot does not), which is why {@link Randomness} takes a new instance per draw and the scan above refuses
     * explicit algorithms.
     */
    @Test
    void generator_whenUsedThenCopiedAsIntoTwoRestoredEnvironments_copiesStillDrawDifferentBytes() throws Exception {
        SecureRandom generator = Randomness.generator();
        generator.nextBytes(new byte[32]); // used during init, before the snapshot
        byte[] snapshot = serialize(generator);

        byte[] first = new byte[32];
        byte[] second = new byte[32];
        ((SecureRandom) deserialize(snapshot)).nextBytes(first);
        ((SecureRandom) deserialize(snapshot)).nextBytes(second);

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void bytesAndUnitInterval_whenDrawn_haveTheAskedShape() {
        assertThat(Randomness.bytes(32)).hasSize(32).isNotEqualTo(Randomness.bytes(32));
        for (int i = 0; i < 100; i++) {
            assertThat(Randomness.unitInterval()).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(out)) {
            objects.writeObject(value);
        }
        return out.toByteArray();
    }

    private static Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return objects.readObject();
        }
    }
}
