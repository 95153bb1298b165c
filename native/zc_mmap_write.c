/*
 * mmap(2) page-aligned windows of the source, write(2) each to out. One CPU
 * copy (page cache -> target); pages are faulted in by the kernel inside
 * write. The shim never touches mapped memory itself: a page past a shrunken
 * end of file would raise SIGBUS in this thread (HAZARDS 9), while write(2)
 * reading it gets a short count or EFAULT instead.
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
        long s = sysconf(_SC_PAGESIZE); /* not 4096: arm64 and ppc64 kernels use 16/64 KiB pages */
        size = s > 0 ? s : 4096;
    }
    return size;
}

/* Current size of in, or -errno. A non-regular file cannot be mapped: -ENODEV, as mmap(2) answers a socket or pipe. */
static int64_t source_size(int in, zc_progress *p, enum zc_syscall *call)
{
    struct stat st;
    p->syscalls++;
    if (fstat(in, &st) != 0) {
        *call = ZC_SYS_FSTAT;
        return -errno;
    }
    if (!S_ISREG(st.st_mode)) {
        *call = ZC_SYS_MMAP;
        return -ENODEV;
    }
    return (int64_t)st.st_size;
}

ZC_EXPORT int64_t zc_mmap_write(int in, int out, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    length = zc_clamp_length(offset, length);
    const int64_t page = page_size();
    while (p.moved < length) {
        enum zc_syscall call = ZC_SYS_NONE;
        int64_t size = source_size(in, &p, &call);
        if (size < 0) {
            return zc_fail(&p, call, (int)-size);
        }
        int64_t pos = offset + p.moved;
        if (pos >= size) {
            break; /* end of file */
        }
        int64_t start = pos & ~(page - 1);
        int64_t want = length - p.moved < size - pos ? length - p.moved : size - pos;
        int64_t skip = pos - start;
        size_t map_len = zc_chunk(skip + want, ZC_MMAP_WINDOW);
        p.syscalls++;
        char *map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, in, (off_t)start);
        if (map == MAP_FAILED) {
            return zc_fail(&p, ZC_SYS_MMAP, errno);
        }
        int w = zc_write_all(out, map + skip, map_len - (size_t)skip, &p);
        p.syscalls++;
        munmap(map, map_len);
        if (w == ZC_WOULD_BLOCK) {
            break;
        }
        if (w == -EFAULT) {
            /* The file shrank under the mapping: end the transfer at the new end of
               file, as sendfile does, unless the bytes it could not read still exist. */
            int64_t now = source_size(in, &p, &call);
            if (now >= 0 && now <= offset + p.moved) {
                break;
            }
        }
        if (w < 0) {
            return zc_fail(&p, ZC_SYS_WRITE, -w);
        }
    }
    return zc_done(&p);
}
