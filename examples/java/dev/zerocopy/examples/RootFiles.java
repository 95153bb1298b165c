package dev.zerocopy.examples;

import dev.zerocopy.Fds;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Which file under the root a request target names, and the check that what was opened lies
 * under the root.
 *
 * <p>Symlinks are followed, but only to files whose real path is under the root's real path: a
 * link inside the root to another file inside it is served, a link (anywhere on the path) to
 * anything outside it answers 404 like a missing file. The check is made on the file actually
 * opened, by reading back its path from /proc/self/fd/N (proc(5)), so a link swapped between a
 * check and the open cannot redirect it; it costs one readlink(2), where resolving the path first
 * with realpath(3) costs one per path component.
 */
final class RootFiles {
    private final Path root;
    private final String rootPrefix;

    RootFiles(Path root) throws IOException {
        this.root = root.toRealPath();
        String r = this.root.toString();
        this.rootPrefix = r.endsWith("/") ? r : r + "/";
    }

    Path root() {
        return root;
    }

    /**
     * The path a request target names (query dropped, percent-decoded, dot segments removed,
     * which must stay under the root), if it is a regular file now (symlinks followed); else null.
     * Checking before the open keeps a FIFO's blocking open(2) off the selector thread (only a
     * local user who swaps a FIFO in between could still stall it).
     */
    Path lookup(String target) {
        int q = target.indexOf('?');
        String path = q >= 0 ? target.substring(0, q) : target;
        if (!path.startsWith("/")) {
            return null;
        }
        String decoded = percentDecode(path);
        if (decoded == null || decoded.indexOf('\0') >= 0) {
            return null;
        }
        Path p;
        try {
            p = root.resolve(decoded.substring(1)).normalize();
        } catch (InvalidPathException e) {
            return null;
        }
        if (!p.startsWith(root)) {
            return null;
        }
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).isRegularFile() ? p : null;
        } catch (IOException e) {
            return null; // missing, a loop of links, no permission: all look like a missing file
        }
    }

    /** Whether the file open in {@code ch} (a JDK FileChannel or ZeroCopyFileChannel) lies under the root. */
    boolean contains(FileChannel ch) throws IOException {
        Path real = Files.readSymbolicLink(Paths.get("/proc/self/fd/" + Fds.of(ch)));
        return real.toString().startsWith(rootPrefix);
    }

    private static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
