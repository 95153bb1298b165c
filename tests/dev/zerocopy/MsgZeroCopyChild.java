package dev.zerocopy;

import dev.zerocopy.testkit.Loopback;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Received;

/** Run by MsgZeroCopyStraceTest under strace: one mmapSendZeroCopy of a file over loopback. */
public final class MsgZeroCopyChild {
    private MsgZeroCopyChild() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel in = FileChannel.open(Path.of(args[0])); Loopback pair = Loopback.open(0, 0)) {
            CompletableFuture<Received> rx = Drain.toEnd(pair.server);
            int fd = Fds.of(in);
            System.out.println("fd " + fd);
            ZeroCopySendResult r = KernelExperiments.mmapSendZeroCopy(fd, Fds.of(pair.client), 0, in.size());
            pair.client.shutdownOutput();
            Received got = rx.get(60, TimeUnit.SECONDS);
            System.out.println("result " + r.bytes() + " " + r.sends() + " " + (r.zeroCopied() + r.copied()) + " " + got.count());
        }
    }
}
