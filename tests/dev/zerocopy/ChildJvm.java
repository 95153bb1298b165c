package dev.zerocopy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs LoadProbe in a child JVM (the same java binary) and parses its key=value report. */
final class ChildJvm {
    private ChildJvm() {
    }

    record Result(int exitCode, Map<String, String> report, String stdout, String stderr) {
        String get(String key) {
            return report.get(key);
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The test class path as entries (surefire and failsafe set java.class.path to the real one in the fork). */
    static List<String> classPath() {
        return List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    static Result run(List<String> classPath, Path workDir, String... jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, classPath), LoadProbe.class.getName()));
        Path out = workDir.resolve("child.out");
        Path err = workDir.resolve("child.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly(); // ends the child by its own pid, nothing else
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("child JVM hung: " + cmd);
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        Map<String, String> report = new LinkedHashMap<>();
        for (String line : stdout.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                report.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new Result(p.exitValue(), report, stdout, Files.readString(err, StandardCharsets.UTF_8));
    }
}
