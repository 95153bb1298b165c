package dev.zerocopy;

/**
 * The calling thread's channel-layer state: the method forced on it by
 * {@link ZeroCopyChannels#forceMethod}, and what its last transfer did (for
 * {@link ZeroCopyChannels#lastMethod()} and the tests). No buffer lives here: a per-thread buffer
 * would be one per virtual thread (see {@link CopyLoops}).
 */
final class ThreadTransferState {
    private static final ThreadLocal<ThreadTransferState> STATE = ThreadLocal.withInitial(ThreadTransferState::new);

    /** The method forced on this thread, or null. */
    TransferMethod forced;
    /** The path that moved the bytes of the last transfer, or null. */
    TransferMethod last;
    /** The kind of the other end of the last transfer. */
    ChannelKind lastKind;

    private ThreadTransferState() {
    }

    static ThreadTransferState current() {
        return STATE.get();
    }

    /** The method a transfer takes: the thread's, else the ZeroCopyFileChannel's, else null (automatic). */
    TransferMethod effective(java.nio.channels.Channel fileSide) {
        if (forced != null) {
            return forced;
        }
        return fileSide instanceof ZeroCopyFileChannel ? ((ZeroCopyFileChannel) fileSide).forcedMethod() : null;
    }
}
