/*
 * Page-aligned mmap(2) windows of a source file, shared by mmap+write
 * (zc_mmap_write.c) and the MSG_ZEROCOPY sender (zc_msg_zerocopy.c). Mapped
 * memory is only ever handed to syscalls, never read here (HAZARDS 9).
 */

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zc_common.h"

static int64_t page_size(void)
{
    static int64_t size;
    if (size == 0) {
        long s = sysconf(_SC_PAGESIZE); /* not 4096: arm64 and ppc64 kernels use 16/64 KiB pages (HAZARDS 10) */
        size = s > 0 ? s : 4096;
    }
    return size;
}

int64_t zc_source_size(int in, zc_progress *p, enum zc_syscall *call)
{
    struct stat st;
    p->syscalls++;
    if (fstat(in, &st) != 0) {
        *call = ZC_SYS_FSTAT;
        return -errno;
    }
    if (!S_ISREG(st.st_mode)) {
        *call = ZC_SYS_MMAP; /* mmap(2) answers ENODEV for a socket or pipe */
        return -ENODEV;
    }
    return (int64_t)st.st_size;
}

int zc_window_map(int in, int64_t pos, int64_t want, zc_window *w, zc_progress *p, enum zc_syscall *call)
{
    /* The size is read for every window, so a file that shrinks or grows meanwhile is followed. */
    int64_t size = zc_source_size(in, p, call);
    if (size < 0) {
        return (int)size;
    }
    if (pos >= size) {
        return 0; /* end of file */
    }
    int64_t start = pos & ~(page_size() - 1);
    if (want > size - pos) {
        want = size - pos;
    }
    w->skip = pos - start;
    w->len = zc_chunk(w->skip + want, ZC_MMAP_WINDOW);
    p->syscalls++;
    w->map = mmap(NULL, w->len, PROT_READ, MAP_SHARED, in, (off_t)start);
    if (w->map == MAP_FAILED) {
        *call = ZC_SYS_MMAP;
        return -errno;
    }
    return 1;
}

void zc_window_unmap(zc_window *w, zc_progress *p)
{
    p->syscalls++;
    munmap(w->map, w->len);
    w->map = NULL;
}

int zc_window_truncated(int in, int64_t end, zc_progress *p)
{
    enum zc_syscall ignored;
    int64_t now = zc_source_size(in, p, &ignored);
    return now >= 0 && now <= end;
}
