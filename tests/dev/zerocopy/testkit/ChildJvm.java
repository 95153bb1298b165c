package dev.zerocopy.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Child processes, mostly JVMs on the test class path: command lines, running with a timeout, key=value reports. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** What a child process printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        public String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }

        /** The stdout lines of the form key=value (the last one wins for a repeated key). */
        public Map<String, String> report() {
            Map<String, String> report = new LinkedHashMap<>();
            for (String line : stdout.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    report.put(line.substring(0, eq), line.substring(eq + 1).trim());
                }
            }
            return report;
        }

        /** The value of the last stdout line of the form key=value, or null. */
        public String value(String key) {
            return report().get(key);
        }
    }

    /** The java launcher running this test JVM, so a child runs on the same JDK (17 or 25). */
    public static String javaCommand() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The test class path (surefire passes the real one in surefire.test.class.path). */
    public static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    public static List<String> classPathEntries() {
        return List.of(classPath().split(File.pathSeparator));
    }

    /** The command line of a child JVM running {@code main} with the test class path. */
    public static List<String> javaArgs(List<String> jvmFlags, Class<?> main, String... args) {
        return javaArgs(classPath(), jvmFlags, main, args);
    }

    /** The command line of a child JVM running {@code main} with class path {@code cp}. */
    public static List<String> javaArgs(String cp, List<String> jvmFlags, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaCommand());
        cmd.add("--enable-native-access=ALL-UNNAMED"); // jffi loads with System.load, restricted on JDK 22+
        cmd.add("-XX:-UsePerfData"); // no hsperfdata file: a child under ulimit -f must not write one
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Runs a command, collecting its output; on timeout ends it and its descendants by their own
     * pids (strace's tracee included) and fails.
     */
    public static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> slurp(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(p.getErrorStream()));
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + timeout + ": " + command + "\n" + out.getNow("") + err.getNow(""));
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static String slurp(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }
}
