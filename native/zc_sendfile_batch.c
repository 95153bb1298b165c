/*
 * Many (fd, offset, length) sendfile(2) transfers to one target in a single
 * native call: one crossing from Java for a whole batch of small files, which
 * is where per-call overhead dominates (a 4 KiB sendfile costs under 1 us).
 */

#include "zc_common.h"

/* Index of the first item the calling thread's last batch did not complete (n when all did). */
static __thread int last_item;

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
        int64_t before = p.moved;
        int rc = zc_sendfile_range(ins[i], out, offsets[i], lengths[i], &p);
        counts[i] = p.moved - before;
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
