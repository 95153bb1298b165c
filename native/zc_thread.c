/*
 * Per-thread resources: the splice pipe and the read+write copy buffer. Made
 * on first use, reused by every later transfer of the thread, released by a
 * pthread key destructor when the thread exits, so a pool of threads holds
 * one pipe each and a thread that ends leaks nothing.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "zc_common.h"

typedef struct zc_thread_res {
    int pipe_fds[2];
    int64_t pipe_size;
    char *buffer;
} zc_thread_res;

static pthread_key_t res_key;
static pthread_once_t res_key_once = PTHREAD_ONCE_INIT;
static __thread zc_thread_res *res;

static void close_pipe(zc_thread_res *r)
{
    if (r->pipe_fds[0] >= 0) {
        close(r->pipe_fds[0]);
        close(r->pipe_fds[1]);
        r->pipe_fds[0] = r->pipe_fds[1] = -1;
    }
}

static void release(void *value)
{
    zc_thread_res *r = value;
    close_pipe(r);
    free(r->buffer);
    free(r);
    /* A later destructor of this thread calling in again must not reach the freed block. */
    res = NULL;
}

static void make_key(void)
{
    pthread_key_create(&res_key, release);
}

static zc_thread_res *thread_res(void)
{
    if (res != NULL) {
        return res;
    }
    pthread_once(&res_key_once, make_key);
    zc_thread_res *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return NULL;
    }
    r->pipe_fds[0] = r->pipe_fds[1] = -1;
    if (pthread_setspecific(res_key, r) != 0) {
        free(r);
        return NULL;
    }
    res = r;
    return r;
}

int zc_thread_pipe(int fds[2], zc_progress *p)
{
    zc_thread_res *r = thread_res();
    if (r == NULL) {
        return -ENOMEM;
    }
    if (r->pipe_fds[0] < 0) {
        p->syscalls++;
        /* O_CLOEXEC: a child forked by the JVM must not inherit the pipe (HAZARDS 6). */
        if (pipe2(r->pipe_fds, O_CLOEXEC) != 0) {
            r->pipe_fds[0] = r->pipe_fds[1] = -1;
            return -errno;
        }
        /* A bigger pipe moves more per splice pair; if refused (pipe-max-size), keep the default. */
        p->syscalls++;
        int size = fcntl(r->pipe_fds[1], F_SETPIPE_SZ, ZC_PIPE_SIZE);
        if (size < 0) {
            p->syscalls++;
            size = fcntl(r->pipe_fds[1], F_GETPIPE_SZ);
        }
        r->pipe_size = size > 0 ? size : 65536;
    }
    fds[0] = r->pipe_fds[0];
    fds[1] = r->pipe_fds[1];
    return 0;
}

void zc_thread_pipe_discard(void)
{
    if (res != NULL) {
        close_pipe(res);
    }
}

int64_t zc_thread_pipe_size(void)
{
    return res != NULL ? res->pipe_size : 0;
}

char *zc_thread_buffer(void)
{
    zc_thread_res *r = thread_res();
    if (r == NULL) {
        return NULL;
    }
    if (r->buffer == NULL) {
        r->buffer = malloc(ZC_COPY_BUFFER_SIZE);
    }
    return r->buffer;
}
