/*
 * Helpers of the channel layer (java/dev/zerocopy/ZeroCopyChannels.java):
 * private duplicates of channel fds, so a number the JDK closes and reuses
 * can never receive our bytes (HAZARDS 13), and a description of an fd
 * (access mode, O_APPEND, kind). Each records its outcome in the thread state
 * (zc_state.c) as every exported function does, so a failure here is never
 * reported with an earlier transfer's syscall and count.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "zc_common.h"

/* Bits of a description; must match ZeroCopyChannels.java (our encoding, not kernel values). */
#define ZC_DESC_READABLE 0x1
#define ZC_DESC_WRITABLE 0x2
#define ZC_DESC_APPEND 0x4
#define ZC_DESC_NONBLOCK 0x8
#define ZC_DESC_KIND_SHIFT 8
enum { ZC_KIND_FILE = 1, ZC_KIND_FIFO, ZC_KIND_SOCKET, ZC_KIND_CHAR, ZC_KIND_OTHER };

static int kind_of(mode_t mode)
{
    if (S_ISREG(mode)) {
        return ZC_KIND_FILE;
    }
    if (S_ISFIFO(mode)) {
        return ZC_KIND_FIFO;
    }
    if (S_ISSOCK(mode)) {
        return ZC_KIND_SOCKET;
    }
    if (S_ISCHR(mode)) {
        return ZC_KIND_CHAR;
    }
    return ZC_KIND_OTHER;
}

/* The description of fd: ZC_DESC_* bits and the kind above ZC_DESC_KIND_SHIFT, or -errno. */
static int64_t describe(int fd, zc_progress *p, enum zc_syscall *call)
{
    p->syscalls++;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) {
        *call = ZC_SYS_FCNTL;
        return -errno;
    }
    struct stat st;
    p->syscalls++;
    if (fstat(fd, &st) != 0) {
        *call = ZC_SYS_FSTAT;
        return -errno;
    }
    int64_t d = 0;
    int acc = fl & O_ACCMODE;
    if (acc == O_RDONLY || acc == O_RDWR) {
        d |= ZC_DESC_READABLE;
    }
    if (acc == O_WRONLY || acc == O_RDWR) {
        d |= ZC_DESC_WRITABLE;
    }
    if (fl & O_APPEND) {
        d |= ZC_DESC_APPEND;
    }
    if (fl & O_NONBLOCK) {
        d |= ZC_DESC_NONBLOCK;
    }
    return d | ((int64_t)kind_of(st.st_mode) << ZC_DESC_KIND_SHIFT);
}

/* Describes fd: ZC_DESC_* bits and the kind above ZC_DESC_KIND_SHIFT, or -errno. */
ZC_EXPORT int64_t zc_chan_describe(int fd)
{
    zc_progress p = {0};
    enum zc_syscall call = ZC_SYS_NONE;
    int64_t d = describe(fd, &p, &call);
    return d < 0 ? zc_fail(&p, call, (int)-d) : (zc_done(&p), d);
}

/*
 * A private duplicate of fd (F_DUPFD_CLOEXEC: a forked child must not inherit
 * it). With `describe`, the description of zc_chan_describe goes in bits 32 and
 * up. Returns that, or -errno. The duplicate shares the open file description:
 * file position, O_NONBLOCK and O_APPEND are those of the channel.
 */
ZC_EXPORT int64_t zc_chan_dup(int fd, int with_description)
{
    zc_progress p = {0};
    p.syscalls++;
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0) {
        return zc_fail(&p, ZC_SYS_FCNTL, errno);
    }
    if (!with_description) {
        zc_done(&p);
        return d;
    }
    enum zc_syscall call = ZC_SYS_NONE;
    int64_t desc = describe(d, &p, &call);
    if (desc < 0) {
        close(d);
        return zc_fail(&p, call, (int)-desc);
    }
    zc_done(&p);
    return (desc << 32) | d;
}

/* close(2) of a duplicate; never retried on EINTR (the fd is gone either way on Linux). */
ZC_EXPORT int zc_chan_close(int fd)
{
    zc_progress p = {.syscalls = 1};
    return close(fd) == 0 ? (int)zc_done(&p) : (int)zc_fail(&p, ZC_SYS_CLOSE, errno);
}

/*
 * One sendfile(2) of up to `length` bytes from in at offset (EINTR retried), as
 * FileChannel.transferTo makes to a non-blocking target: EAGAIN is no error.
 * zc_sendfile, which does not know the target's mode, asks F_GETFL after a
 * short count to decide whether to go on; the channel layer knows it, so each
 * call is one syscall. Returns bytes (0: end of file),
 * ZC_WOULD_BLOCK_RESULT (EAGAIN, nothing moved), or -errno.
 */
ZC_EXPORT int64_t zc_chan_sendfile_once(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    off_t pos = offset;
    length = zc_clamp_length(offset, length);
    for (;;) {
        p.syscalls++;
        ssize_t n = sendfile(out, in, &pos, zc_chunk(length, ZC_MAX_CHUNK));
        if (n >= 0) {
            p.moved = n;
            return zc_done(&p);
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            return zc_blocked(&p);
        }
        return zc_fail(&p, ZC_SYS_SENDFILE, errno);
    }
}

zc_transfer_fn zc_transfer_by_method(int method)
{
    switch (method) {
    case ZC_METHOD_READ_WRITE:
        return zc_read_write;
    case ZC_METHOD_MMAP_WRITE:
        return zc_mmap_write;
    case ZC_METHOD_SENDFILE:
        return zc_sendfile;
    case ZC_METHOD_SPLICE:
        return zc_splice;
    case ZC_METHOD_COPY_FILE_RANGE:
        return zc_copy_file_range;
    default:
        return NULL;
    }
}

/*
 * One transfer by method id for the channel layer, which differs from the raw entry point in one
 * way: a syscall interrupted by a signal (EINTR) twice with no progress between ends the call
 * with -EINTR, what moved recorded, instead of being retried again (zc_retry_eintr). The JDK
 * closes a channel with threads in its I/O by signalling them (NativeThreadSet.signalAndWait for
 * a FileChannel, preClose for a blocking socket) and waits for them to leave; its own loops then
 * see IOStatus.INTERRUPTED and ask isOpen() (FileChannelImpl.transferToDirectlyInternal). So does
 * the channel layer, which a call retried forever while blocked on the other end would keep
 * from answering: the close would wait as long as that end blocks.
 */
ZC_EXPORT int64_t zc_chan_transfer(int method, int in, int out, int64_t offset, int64_t length)
{
    zc_transfer_fn fn = zc_transfer_by_method(method);
    if (fn == NULL) {
        zc_progress none = {0};
        return zc_fail(&none, ZC_SYS_NONE, EINVAL); /* a Java bug, not a syscall's answer */
    }
    zc_set_retry_eintr(0);
    int64_t r = fn(in, out, offset, length);
    zc_set_retry_eintr(1);
    return r;
}

/*
 * How the channel layer takes a failed path's errno (ZeroCopyChannels, Refusals.java):
 * 0 a real failure (thrown), 1 "not for this pair of files" (next path),
 * 2 "not on this system" (next path, and remembered for the kind). seccomp
 * filters answer ENOSYS, EPERM or EOPNOTSUPP; EINVAL and EXDEV depend on the
 * files (tmpfs -> ext4, a socket target), except for an O_APPEND target, which
 * sendfile, splice and copy_file_range refuse (EINVAL, EBADF) every time.
 */
ZC_EXPORT int zc_chan_refusal(int err, int append_target)
{
    switch (err) {
    case ENOSYS:
    case EPERM:
    case EOPNOTSUPP:
        return 2;
    case EINVAL:
    case EBADF:
        return append_target ? 2 : 1;
    case EXDEV:
    case ENODEV:
    case ESPIPE:
        return 1;
    default:
        return 0;
    }
}
