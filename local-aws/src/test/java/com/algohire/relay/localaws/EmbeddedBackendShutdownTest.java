package com.algohire.relay.localaws;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM stopped (SIGTERM) while it waits for {@code moto_server} to listen takes the child down with it. The child
 * here is a stand-in that never listens (a shell that records its pid and sleeps), since the point is the process
 * lifecycle, not what the server serves; a real moto_server listens too quickly to be caught in start-up.
 */
class EmbeddedBackendShutdownTest {

    /** Run in a child JVM: starts the embedded backend and waits. */
    public static void main(String[] args) throws Exception {
        EmbeddedBackend.start();
        Thread.sleep(Long.MAX_VALUE);
    }

    @Test
    void start_whenJvmIsTerminatedDuringStartUp_stopsTheChildServer(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        Path fakeMoto = dir.resolve("slow-moto-server");
        Files.writeString(fakeMoto, "#!/bin/sh\necho $$ > '" + pidFile + "'\nexec sleep 300\n");
        Files.setPosixFilePermissions(fakeMoto, PosixFilePermissions.fromString("rwx------"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                EmbeddedBackendShutdownTest.class.getName())
                .redirectErrorStream(true).redirectOutput(dir.resolve("jvm.log").toFile());
        builder.environment().put(EmbeddedBackend.MOTO_SERVER, fakeMoto.toString());
        Process jvm = builder.start();
        try {
            long childPid = awaitPid(pidFile, jvm, dir);
            ProcessHandle child = ProcessHandle.of(childPid).orElseThrow();
            assertThat(child.isAlive()).isTrue();

            jvm.destroy(); // SIGTERM, as Ctrl-C's neighbour or an IDE's stop button sends
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).as("the JVM exits").isTrue();

            Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
            while (child.isAlive() && Instant.now().isBefore(deadline)) {
                Thread.sleep(100);
            }
            assertThat(child.isAlive()).as("moto_server stand-in " + childPid + " outlived its JVM").isFalse();
        } finally {
            jvm.destroyForcibly();
            readPid(pidFile).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static long awaitPid(Path pidFile, Process jvm, Path dir) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Optional<Long> pid = readPid(pidFile);
            if (pid.isPresent()) {
                return pid.get();
            }
            if (!jvm.isAlive()) {
                throw new AssertionError("child JVM exited: " + Files.readString(dir.resolve("jvm.log")));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the stand-in never started");
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            String text = Files.readString(pidFile).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        } catch (java.io.IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
