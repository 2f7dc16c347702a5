package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lambda jar is reproducible: a second build of the same sources, later, in another directory and another time
 * zone, gives the same bytes. CDK's asset hash is a hash of those bytes, so this is what keeps {@code cdk deploy}
 * from publishing a new function version (and taking a new SnapStart snapshot) when no code changed.
 */
class FunctionsJarReproducibilityIntegrationTest {

    /** Build output and local state, not sources: never copied into the second checkout. */
    private static final Set<String> NOT_SOURCES = Set.of("target", ".git", "cdk.out", "node_modules", ".idea");

    @Test
    void functionsJar_whenBuiltAgainElsewhereLater_hasTheSameBytes(@TempDir Path checkout) throws Exception {
        Path built = InfraPaths.functionsJar();
        Path repository = InfraPaths.infraDir().getParent();
        copySources(repository, checkout);

        Path log = checkout.resolve("build.log");
        List<String> command = new ArrayList<>(List.of(maven(), "-B", "-o", "-q", "-f",
                checkout.resolve("pom.xml").toString(), "package", "-pl", "functions", "-am",
                "-Dmaven.test.skip=true", "-Dcheckstyle.skip=true"));
        String localRepository = System.getProperty("relay.maven.repo.local");
        if (localRepository != null && !localRepository.isBlank()) {
            command.add("-Dmaven.repo.local=" + localRepository);
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // The JDK this test runs on is the one the first build ran on; a different JDK may compile other bytes.
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("TZ", "Pacific/Chatham"); // UTC+12:45: no zone shares its offset
        Process process = builder.start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail("the second build did not finish within 10 minutes; its log: " + log);
        }
        assertThat(process.exitValue()).as("second build failed:\n" + Files.readString(log)).isZero();

        Path rebuilt = checkout.resolve(InfraPaths.FUNCTIONS_JAR);
        assertThat(sha256(rebuilt))
                .as("%s differs from a second build of the same sources (if functions/ changed since it was built, "
                        + "rebuild it: ./relay mvn -q package -pl functions -am -DskipTests). Entries that differ: %s",
                        built, differentEntries(built, rebuilt))
                .isEqualTo(sha256(built));
    }

    private static void copySources(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(file);
                boolean excluded = false;
                for (Path part : relative) {
                    excluded |= NOT_SOURCES.contains(part.toString());
                }
                if (excluded || !Files.isRegularFile(file)) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** The mvn of the build running this test (failsafe passes its home), else the one on PATH. */
    private static String maven() {
        String home = System.getProperty("relay.maven.home");
        if (home != null && !home.isBlank() && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
            return Path.of(home, "bin", "mvn").toString();
        }
        return "mvn";
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** What differs between the two jars, entry by entry (name, order, time, CRC), for the failure message. */
    private static List<String> differentEntries(Path a, Path b) throws IOException {
        List<String> differences = new ArrayList<>();
        try (ZipFile first = new ZipFile(a.toFile()); ZipFile second = new ZipFile(b.toFile())) {
            List<? extends ZipEntry> left = first.stream().toList();
            List<? extends ZipEntry> right = second.stream().toList();
            if (left.size() != right.size()) {
                differences.add(left.size() + " entries against " + right.size());
            }
            for (int i = 0; i < Math.min(left.size(), right.size()) && differences.size() < 20; i++) {
                ZipEntry x = left.get(i);
                ZipEntry y = right.get(i);
                if (!x.getName().equals(y.getName()) || x.getTime() != y.getTime() || x.getCrc() != y.getCrc()) {
                    differences.add("#" + i + " " + x.getName() + " (time " + x.getTime() + ", crc " + x.getCrc()
                            + ") against " + y.getName() + " (time " + y.getTime() + ", crc " + y.getCrc() + ")");
                }
            }
        }
        return differences;
    }
}
