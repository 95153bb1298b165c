/*
 * mmap(2) page-aligned windows of the source, write(2) each to out. One CPU
 * copy (page cache -> target); pages are faulted in by the kernel inside
 * write. The shim never touches mapped memory itself: a page past a shrunken
 * end of file would raise SIGBUS in this thread (HAZARDS 9), while write(2)
 * reading it gets a short count or EFAULT instead.
 */

#include <errno.h>

#include "zc_common.h"

ZC_EXPORT int64_t zc_mmap_write(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    length = zc_clamp_length(offset, length);
    while (p.moved < length) {
        zc_window win;
        enum zc_syscall call = ZC_SYS_NONE;
        int mapped = zc_window_map(in, offset + p.moved, length - p.moved, &win, &p, &call);
        if (mapped < 0) {
            return zc_fail(&p, call, -mapped);
        }
        if (mapped == 0) {
            break; /* end of file */
        }
        int w = zc_write_all(out, win.map + win.skip, win.len - (size_t)win.skip, &p);
        zc_window_unmap(&win, &p);
        if (w == ZC_WOULD_BLOCK) {
            return zc_blocked(&p);
        }
        if (w == -EFAULT && zc_window_truncated(in, offset + p.moved, &p)) {
            break;
        }
        if (w < 0) {
            return zc_fail(&p, ZC_SYS_WRITE, -w);
        }
    }
    return zc_done(&p);
}
