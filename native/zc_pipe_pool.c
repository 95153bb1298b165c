/*
 * The pipes splice(2) moves pages through, shared by all threads of the
 * process: a transfer takes one for the length of its native call and gives
 * it back, empty, at the end.
 *
 * Why not one pipe per thread: every pipe buffer page counts against the
 * user's fs.pipe-user-pages-soft (16384 pages by default), for all processes
 * of that user together. Once a user is over it, every new pipe of that user
 * gets 2 slots instead of 16 and F_SETPIPE_SZ is refused (EPERM), in any
 * process (pipe(7), "/proc/sys/fs/pipe-user-pages-soft"; fs/pipe.c
 * too_many_pipe_buffers_soft). 100 pool threads holding a 1 MiB pipe each
 * (256 pages) are 25600 pages: a library must not do that to its neighbours.
 * So:
 *   - at most ZC_IDLE_PIPES pipes are kept between transfers; a pipe given
 *     back to a full pool is closed;
 *   - a pipe is grown to the configured size (zc_pipe_configure, default
 *     ZC_PIPE_SIZE) only while the pages the library holds stay within a
 *     quarter of the user's soft limit; past that, new pipes keep the
 *     kernel's default size, which is what any other program would get.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "zc_common.h"

/* Pipes kept for reuse between transfers. */
#define ZC_IDLE_PIPES 4
/* The kernel's default pipe capacity (pipe(7)): 16 pages. */
#define ZC_DEFAULT_PIPE_SIZE 65536
/* pipe-user-pages-soft when /proc cannot be read: the kernel's default. */
#define ZC_DEFAULT_SOFT_PAGES 16384

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static zc_pipe idle[ZC_IDLE_PIPES];
static int idle_count;
static int64_t held_pages;  /* pages of every pipe the library holds: in use and idle */
static int64_t budget_pages = -1; /* read once from /proc, under lock */
static int wanted_size = ZC_PIPE_SIZE;

static int64_t page_bytes(void)
{
    static int64_t size;
    if (size == 0) {
        long s = sysconf(_SC_PAGESIZE);
        size = s > 0 ? s : 4096;
    }
    return size;
}

/* Pipe buffer slots (pages) of a capacity: what pipe-user-pages-soft counts. */
static int64_t pages(int64_t bytes)
{
    return (bytes + page_bytes() - 1) / page_bytes();
}

/* A quarter of fs.pipe-user-pages-soft (0 there means no limit). */
static int64_t read_budget(void)
{
    long soft = ZC_DEFAULT_SOFT_PAGES;
    FILE *f = fopen("/proc/sys/fs/pipe-user-pages-soft", "re");
    if (f != NULL) {
        if (fscanf(f, "%ld", &soft) != 1) {
            soft = ZC_DEFAULT_SOFT_PAGES;
        }
        fclose(f);
    }
    return soft <= 0 ? INT64_MAX : soft / 4;
}

ZC_EXPORT void zc_pipe_configure(int size)
{
    pthread_mutex_lock(&lock);
    wanted_size = size > 0 ? size : ZC_DEFAULT_PIPE_SIZE;
    pthread_mutex_unlock(&lock);
}

ZC_EXPORT int64_t zc_pipe_held_pages(void)
{
    pthread_mutex_lock(&lock);
    int64_t n = held_pages;
    pthread_mutex_unlock(&lock);
    return n;
}

/* Pages the new pipe may grow by, reserved under the lock; 0: keep the default size. */
static int64_t reserve_growth(void)
{
    int64_t grow = 0;
    pthread_mutex_lock(&lock);
    if (budget_pages < 0) {
        budget_pages = read_budget();
    }
    int64_t want = pages(wanted_size) - pages(ZC_DEFAULT_PIPE_SIZE);
    held_pages += pages(ZC_DEFAULT_PIPE_SIZE);
    if (want > 0 && held_pages + want <= budget_pages) {
        grow = want;
        held_pages += want;
    }
    pthread_mutex_unlock(&lock);
    return grow;
}

static void release_pages(int64_t n)
{
    pthread_mutex_lock(&lock);
    held_pages -= n;
    pthread_mutex_unlock(&lock);
}

static int make_pipe(zc_pipe *pp, zc_progress *p)
{
    p->syscalls++;
    /* O_CLOEXEC: a child forked by the JVM must not inherit the pipe. */
    if (pipe2(pp->fds, O_CLOEXEC) != 0) {
        return -errno;
    }
    int64_t grow = reserve_growth();
    int64_t reserved = pages(ZC_DEFAULT_PIPE_SIZE) + grow;
    int size = ZC_DEFAULT_PIPE_SIZE;
    if (grow > 0) {
        /* A bigger pipe moves more per splice pair; if refused (pipe-max-size), keep the default. */
        p->syscalls++;
        int got = fcntl(pp->fds[1], F_SETPIPE_SZ, (int)(reserved * page_bytes()));
        if (got > 0) {
            size = got;
        }
    }
    /* What the kernel gave may be less than reserved (refused, or the user was over the limit already). */
    pp->size = size;
    release_pages(reserved - pages(size));
    return 0;
}

int zc_pipe_take(zc_pipe *pp, zc_progress *p)
{
    pthread_mutex_lock(&lock);
    if (idle_count > 0) {
        *pp = idle[--idle_count];
        pthread_mutex_unlock(&lock);
        return 0;
    }
    pthread_mutex_unlock(&lock);
    return make_pipe(pp, p);
}

void zc_pipe_drop(zc_pipe *pp)
{
    close(pp->fds[0]);
    close(pp->fds[1]);
    release_pages(pages(pp->size));
    pp->fds[0] = pp->fds[1] = -1;
}

void zc_pipe_give(zc_pipe *pp)
{
    pthread_mutex_lock(&lock);
    if (idle_count < ZC_IDLE_PIPES) {
        idle[idle_count++] = *pp;
        pthread_mutex_unlock(&lock);
        return;
    }
    pthread_mutex_unlock(&lock);
    zc_pipe_drop(pp);
}

/* Closes every idle pipe (those in use are closed when given back); the next transfer makes a new one. */
ZC_EXPORT void zc_pipe_release_idle(void)
{
    pthread_mutex_lock(&lock);
    zc_pipe closing[ZC_IDLE_PIPES];
    int n = idle_count;
    for (int i = 0; i < n; i++) {
        closing[i] = idle[i];
    }
    idle_count = 0;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < n; i++) {
        zc_pipe_drop(&closing[i]);
    }
}
