package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.testkit.Loopback;
import dev.zerocopy.testkit.Sources;

/**
 * MSG_ZEROCOPY to a non-blocking socket whose peer never reads: the completions the call waits
 * for before unmapping can only come once the data leaves the send queue, so before the bound the
 * call never returned. Now it gives up after 2 s without a new completion, with ETIMEDOUT (in poll),
 * the bytes sent so far, and how many sends are still outstanding.
 */
class MsgZeroCopyBoundedWaitTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aPeerThatNeverReadsEndsTheCallWithWhatIsOutstanding() throws Exception {
        Path src = Sources.random(dir, "src", 16 << 20, 41);
        try (Loopback link = Loopback.open(64 * 1024, 64 * 1024); FileChannel in = FileChannel.open(src)) {
            link.client.configureBlocking(false);
            long start = System.nanoTime();
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(link.client), 0, 16 << 20));
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertEquals("ETIMEDOUT", e.errnoName(), e.getMessage());
            assertEquals("poll", e.syscall(), e.getMessage());
            assertTrue(e.bytesTransferred() > 0 && e.bytesTransferred() < 16 << 20, e.getMessage());
            assertTrue(e.getMessage().contains("MSG_ZEROCOPY sends still outstanding"), e.getMessage());
            assertTrue(seconds < 30, "took " + seconds + " s");
        }
    }
}
