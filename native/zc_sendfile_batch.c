/*
 * Many (fd, offset, length) sendfile(2) transfers to one target in a single
 * native call: one crossing from Java for a whole batch of small files, which
 * is where per-call overhead dominates (a 4 KiB sendfile costs under 1 us).
 */

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/types.h>

#include "zc_common.h"

/* Index of the first item the calling thread's last batch did not complete (n when all did). */
static __thread int last_item;

/*
 * Sends item i of the batch; adds what it moved to counts[i] and p->moved.
 * Returns 0 when the whole item moved, 1 when it stopped short (end of file,
 * or a non-blocking target that would block), or -errno.
 */
static int send_item(int out, int in, int64_t offset, int64_t length, int64_t *count, zc_progress *p)
{
    off_t pos = offset;
    while (*count < length) {
        p->syscalls++;
        ssize_t n = sendfile(out, in, &pos, zc_chunk(length - *count, ZC_MAX_CHUNK));
        if (n > 0) {
            *count += n;
            p->moved += n;
        } else if (n == 0) {
            return 1; /* end of file: never retry a 0 (HAZARDS 2) */
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN) {
            return 1; /* non-blocking target full (HAZARDS 3) */
        } else {
            return -errno;
        }
    }
    return 0;
}

/*
 * Sends items 0..n-1 in order: lengths[i] bytes of ins[i] from offsets[i]
 * (file positions untouched). counts[i] receives the bytes item i moved. The
 * batch stops at the first item that moves less than asked, so a short file
 * never lets the next item's bytes take its place in the stream. Returns the
 * total moved, or -errno; zc_last_batch_item() tells where it stopped.
 */
ZC_EXPORT int64_t zc_sendfile_batch(int out, const int *ins, const int64_t *offsets, const int64_t *lengths,
                                    int64_t *counts, int n)
{
    zc_progress p = {0};
    for (int i = 0; i < n; i++) {
        counts[i] = 0;
    }
    int i = 0;
    for (; i < n; i++) {
        int rc = send_item(out, ins[i], offsets[i], lengths[i], &counts[i], &p);
        if (rc < 0) {
            last_item = i;
            return zc_fail(&p, ZC_SYS_SENDFILE, -rc);
        }
        if (rc > 0) {
            break;
        }
    }
    last_item = i;
    return zc_done(&p);
}

ZC_EXPORT int zc_last_batch_item(void)
{
    return last_item;
}
