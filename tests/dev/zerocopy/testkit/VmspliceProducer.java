package dev.zerocopy.testkit;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;

import dev.zerocopy.Fds;
import dev.zerocopy.KernelExperiments;

/** A thread that puts a buffer into a pipe by page reference (vmsplice(2)), then closes the write end. */
public final class VmspliceProducer {
    private VmspliceProducer() {
    }

    /**
     * Starts the producer; join it when done. The caller must not change {@code src} afterwards:
     * the pipe holds references to its pages, not copies (vmsplice(2)).
     */
    public static Thread start(Pipe.SinkChannel sink, ByteBuffer src) {
        Thread producer = new Thread(() -> {
            try {
                while (src.hasRemaining()) {
                    KernelExperiments.vmsplice(Fds.of(sink), src, false);
                }
                sink.close();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        producer.start();
        return producer;
    }
}
