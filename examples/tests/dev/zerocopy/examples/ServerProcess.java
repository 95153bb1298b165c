package dev.zerocopy.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** The example server in its own JVM (so it can crash, run out of descriptors, be counted), for the tests. */
final class ServerProcess implements AutoCloseable {
    private Process process;
    private final BufferedReader out;
    final int port;

    /**
     * Starts StaticFileServer with {@code args} (after --root and --port 0). {@code fdLimit} > 0
     * runs it under `ulimit -n fdLimit` (a shell sets the limit, then execs the JVM).
     */
    ServerProcess(Path root, int fdLimit, String... args) throws IOException {
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElse("java"));
        java.add("--enable-native-access=ALL-UNNAMED");
        java.add("-cp");
        java.add(classPath());
        java.add(StaticFileServer.class.getName());
        java.add("--root");
        java.add(root.toString());
        java.add("--port");
        java.add("0");
        java.addAll(List.of(args));
        List<String> cmd = new ArrayList<>();
        if (fdLimit > 0) {
            cmd.addAll(List.of("bash", "-c", "ulimit -n " + fdLimit + " && exec \"$@\"", "bash"));
        }
        cmd.addAll(java);
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null && line.startsWith("listening on 127.0.0.1:"), "server said: " + line);
        port = Integer.parseInt(line.split(":")[1].split(" ")[0]);
    }

    private static String jarredClassPath;

    /**
     * The test's class path with its directories packed into one jar, as users run the server (from
     * target/native-zerocopy-examples.jar): a class loaded from a directory needs a descriptor of
     * its own, so under an exhausted descriptor limit a directory class path fails where a jar,
     * opened at start, does not.
     */
    private static synchronized String classPath() throws IOException {
        if (jarredClassPath == null) {
            Path jar = Files.createTempFile("zc-server-classes-", ".jar");
            jar.toFile().deleteOnExit();
            List<String> rest = new ArrayList<>();
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                    Path dir = Paths.get(entry);
                    if (!Files.isDirectory(dir)) {
                        rest.add(entry);
                        continue;
                    }
                    try (Stream<Path> files = Files.walk(dir)) {
                        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                            String name = dir.relativize(f).toString();
                            if (seen.add(name)) {
                                out.putNextEntry(new JarEntry(name));
                                Files.copy(f, out);
                                out.closeEntry();
                            }
                        }
                    }
                }
            }
            rest.add(0, jar.toString());
            jarredClassPath = String.join(java.io.File.pathSeparator, rest);
        }
        return jarredClassPath;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Descriptors the server holds now. */
    long fds() throws IOException {
        try (Stream<Path> s = Files.list(Paths.get("/proc/" + process.pid() + "/fd"))) {
            return s.count();
        }
    }

    /** Descriptors the server holds on files under {@code root}. */
    long filesOpen(Path root) throws IOException {
        try (Stream<Path> s = Files.list(Paths.get("/proc/" + process.pid() + "/fd"))) {
            return s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).startsWith(root);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    /**
     * Stops the server (SIGTERM) and returns the counters its exit line prints
     * ("stats: responses=N sendWithHeader=N ...").
     */
    Map<String, Long> stopForStats() throws Exception {
        process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the stream read below
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "server did not stop");
        process = null;
        String stats = null;
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("stats: ")) {
                stats = line;
            }
        }
        assertTrue(stats != null, "no stats line at exit");
        Map<String, Long> m = new LinkedHashMap<>();
        for (String kv : stats.substring("stats: ".length()).split(" ")) {
            String[] p = kv.split("=");
            m.put(p[0], Long.parseLong(p[1]));
        }
        return m;
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }
}
