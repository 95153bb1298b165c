/*
 * A source file mapped once and sent by ranges, as a message store sends from its mapped
 * segment: one mmap(2) for the life of the mapping, then one write(2) per range, with no
 * mmap/munmap per call and a page fault only the first time a page is touched. The shim never
 * reads the mapping itself (HAZARDS 9): write(2) does, and answers EFAULT instead of the SIGBUS
 * a read past a shrunken end of file would raise.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "zc_common.h"

/* The address of a read-only shared mapping of [0, length) of in, or -errno. */
ZC_EXPORT int64_t zc_mapped_open(int in, int64_t length)
{
    zc_progress p = {.syscalls = 1};
    if (length <= 0) {
        return zc_fail(&p, ZC_SYS_MMAP, EINVAL);
    }
    void *map = mmap(NULL, (size_t)length, PROT_READ, MAP_SHARED, in, 0);
    if (map == MAP_FAILED) {
        return zc_fail(&p, ZC_SYS_MMAP, errno);
    }
    zc_done(&p);
    return (int64_t)(intptr_t)map;
}

/* Writes [offset, offset + length) of the mapping at addr to out (the caller checked the bounds): bytes or -errno. */
ZC_EXPORT int64_t zc_mapped_write(int out, int64_t addr, int64_t offset, int64_t length)
{
    zc_progress p = {0};
    int w = zc_write_all(out, (const char *)(intptr_t)(addr + offset), (size_t)length, &p);
    if (w < 0) {
        return zc_fail(&p, ZC_SYS_WRITE, -w);
    }
    return zc_done(&p); /* ZC_WOULD_BLOCK: a short count, as for every path */
}

/* Unmaps what zc_mapped_open returned: 0 or -errno. */
ZC_EXPORT int zc_mapped_close(int64_t addr, int64_t length)
{
    zc_progress p = {.syscalls = 1};
    if (munmap((void *)(intptr_t)addr, (size_t)length) != 0) {
        return (int)zc_fail(&p, ZC_SYS_MUNMAP, errno);
    }
    return (int)zc_done(&p);
}
