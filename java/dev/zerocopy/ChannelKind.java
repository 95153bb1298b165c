package dev.zerocopy;

/**
 * What the other end of a channel transfer is, as {@link ZeroCopyChannels} classifies it to pick a
 * path and to remember what the kernel refused: the target of a transferTo, the source of a
 * transferFrom.
 */
public enum ChannelKind {
    /** A stream socket (SocketChannel): sendfile first. */
    SOCKET,
    /** A pipe (Pipe.SinkChannel / SourceChannel, or a FIFO opened as a FileChannel). */
    PIPE,
    /** A regular file opened without O_APPEND: copy_file_range first. */
    FILE,
    /**
     * A regular file opened with APPEND: sendfile, splice and copy_file_range refuse it (EINVAL,
     * EBADF), so it ends with a plain copy once the refusals are learnt.
     */
    APPEND_FILE,
    /** Any other descriptor (a character device such as /dev/null or a tty, a datagram socket). */
    OTHER,
    /** A channel without a file descriptor (user-written, TLS): a copy loop in Java. */
    NO_FD
}
