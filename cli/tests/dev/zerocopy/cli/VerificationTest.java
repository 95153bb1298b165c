package dev.zerocopy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.lab.LoopbackLink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receivers' checks can fail: a contender that sends the right number of wrong bytes (one
 * byte late) is caught on every target, its row shows VERIFY FAILED, and the honest contender
 * next to it, interleaved with it, still passes.
 */
class VerificationTest {
    @TempDir
    Path dir;

    /** sendfile from offset + 1: every count right, every byte wrong. */
    private static final class OffByOne extends Contenders.Nio {
        @Override
        public String id() {
            return "off-by-one";
        }

        @Override
        public String label() {
            return "sendfile one byte late";
        }

        @Override
        public String cpuCopies() {
            return "0";
        }

        @Override
        public int cpuCopiesWithGather() {
            return 0;
        }

        @Override
        public Transfer open(Source source, Target.Endpoint endpoint) {
            int in = source.fd();
            int out = endpoint.fd();
            return (offset, length) -> {
                if (NativeZeroCopy.sendfile(in, out, offset + 1, length) != length) {
                    throw new IOException("short");
                }
            };
        }
    }

    @Test
    void wrongBytesAreCaughtOnEveryTarget() throws Exception {
        List<Contender> contenders = List.of(new OffByOne(), Contenders.byIds(List.of("sendfile")).get(0));
        List<Target> targets = Targets.byNames(List.of("tcp", "file", "pipe"), List.of(new LoopbackLink()));
        Comparison.Settings settings = new Comparison.Settings(contenders, true, targets, List.of(4096L, 100_000L),
                2, 2, 0, 200_000, dir, -1, -1);
        Comparison comparison = new Comparison(settings);
        List<Comparison.Row> rows;
        try (Source source = Source.create(dir.resolve("src"), comparison.sourceSize() + 1, 99)) {
            rows = comparison.run(source, row -> { });
        }
        assertEquals(3 * 2 * 2, rows.size());
        for (Comparison.Row row : rows) {
            if (row.contender instanceof OffByOne) {
                assertFalse(row.verified, row.target.name() + " " + row.size);
                assertTrue(row.error.startsWith("VERIFY FAILED: CRC32C"), row.error);
            } else {
                assertTrue(row.verified && !row.failed(), row.target.name() + " " + row.size + ": " + row.error);
                assertEquals(2, row.samples.size());
            }
        }
    }
}
