/*
 * Shared and per-thread resources: each thread's copy buffer (native/zc_thread.c) is
 * released when the thread exits; splice pipes come from a bounded pool
 * (native/zc_pipe_pool.c), are made close-on-exec, and a pipe left holding bytes is
 * replaced; many threads transfer at once with their own results (HAZARDS 6, 12). Run
 * under AddressSanitizer and valgrind, a leaked buffer or pipe shows up as well.
 */
#include <signal.h>

#include "zc_test.h"

#define SIZE (2 * 1024 * 1024 + 77)
#define THREADS 16

static unsigned char *data;
static int src;

typedef struct job {
    int index;
    int failures;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    zc_test_reader r;
    zc_test_reader_start(&r, p[0], 0);
    int64_t offset = j->index * 1000;
    int64_t total = 0;
    /* Alternate methods, each continuing where the last stopped, all through this thread's pipe and buffer. */
    while (offset + total < SIZE) {
        int64_t len = 100000 + j->index;
        int64_t n;
        switch ((total / len) % 4) {
        case 0: n = zc_splice(src, p[1], offset + total, len); break;
        case 1: n = zc_read_write(src, p[1], offset + total, len); break;
        case 2: n = zc_sendfile(src, p[1], offset + total, len); break;
        default: n = zc_mmap_write(src, p[1], offset + total, len); break;
        }
        if (n <= 0 || zc_last_moved() != n || zc_last_failed_call() != 0) {
            j->failures++;
            break;
        }
        total += n;
    }
    close(p[1]);
    zc_test_reader_join(&r);
    close(p[0]);
    if ((int64_t)r.len != SIZE - offset || memcmp(r.buf, data + offset, r.len) != 0) {
        j->failures++;
    }
    free(r.buf);
    return NULL;
}

static void *discard_worker(void *arg)
{
    (void)arg;
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
    /* Each call leaves bytes in the thread's pipe when the full target would block; the pipe is replaced. */
    for (int i = 0; i < 200; i++) {
        zc_splice(src, p[1], 0, SIZE);
    }
    close(p[0]);
    close(p[1]);
    return NULL;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    data = zc_test_data(SIZE, 11);
    src = zc_test_file(data, SIZE);
    int fds = zc_test_fd_count();

    pthread_t t[THREADS];
    job jobs[THREADS];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < THREADS; i++) {
            jobs[i] = (job){.index = i};
            REQUIRE(pthread_create(&t[i], NULL, worker, &jobs[i]) == 0);
        }
        for (int i = 0; i < THREADS; i++) {
            pthread_join(t[i], NULL);
            CHECK_EQ(jobs[i].failures, 0);
        }
        /* pthread_join returns after the thread's key destructors ran; splice pipes are pooled, not per thread. */
        zc_pipe_release_idle();
        CHECK_EQ(zc_test_fd_count(), fds);
    }

    for (int i = 0; i < 4; i++) {
        REQUIRE(pthread_create(&t[i], NULL, discard_worker, NULL) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    zc_pipe_release_idle();
    CHECK_EQ(zc_test_fd_count(), fds);
    CHECK_EQ(zc_pipe_held_pages(), 0);

    /* The pool's pipes are close-on-exec: every fd a splice opened has FD_CLOEXEC. */
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    REQUIRE(devnull >= 0);
    char open_before[1024];
    for (int fd = 0; fd < 1024; fd++) {
        open_before[fd] = fcntl(fd, F_GETFD) >= 0;
    }
    CHECK_EQ(zc_splice(src, devnull, 0, SIZE), SIZE);
    int pool_fds = 0;
    for (int fd = 0; fd < 1024; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && !open_before[fd]) {
            pool_fds++;
            CHECK(flags & FD_CLOEXEC);
        }
    }
    CHECK_EQ(pool_fds, 2);
    close(devnull);
    zc_pipe_release_idle();

    close(src);
    free(data);
    return zc_test_result("test_threads");
}
