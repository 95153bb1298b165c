package dev.zerocopy;

/** ErrnoExceptions of the channel layer restated with the whole call's byte count. */
final class ChannelFailures {
    private ChannelFailures() {
    }

    /** e, or a copy of it whose bytesTransferred() is the total the call moved (several native calls). */
    static ErrnoException withTotal(ErrnoException e, long total) {
        if (total == e.bytesTransferred()) {
            return e;
        }
        ErrnoException t = new ErrnoException(e.getMessage() + "; " + total + " bytes transferred by the call",
                e.errno(), e.errnoName(), e.syscall(), total);
        t.initCause(e);
        return t;
    }

    /** A receive that took bytes from a socket and could not write them: both counts in the message. */
    static ErrnoException lostBytes(ErrnoException e, long total, long lost) {
        ErrnoException t = new ErrnoException(e.getMessage() + "; " + total + " bytes reached the file, " + lost
                + " more were taken from the source and lost", e.errno(), e.errnoName(), e.syscall(), total);
        t.initCause(e);
        return t;
    }
}
