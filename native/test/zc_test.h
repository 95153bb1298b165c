/*
 * A minimal harness for the shim C tests (native/test, not part of the library).
 * Each test program includes this once, runs its cases from main and returns
 * zc_test_result(). The shim's exported API comes from native/zc_common.h.
 */
#ifndef ZC_TEST_H
#define ZC_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zc_common.h"

static int zc_test_failures;
static int zc_test_checks;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        zc_test_checks++;                                                            \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            zc_test_failures++;                                                      \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                          \
    do {                                                                                        \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                   \
        zc_test_checks++;                                                                       \
        if (va_ != vb_) {                                                                       \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", __FILE__, __LINE__, \
                    #a, va_, #b, vb_);                                                          \
            zc_test_failures++;                                                                 \
        }                                                                                       \
    } while (0)

/* Fails the whole program at once: a setup step the test cannot go on without. */
#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                    strerror(errno));                                                  \
            exit(2);                                                                   \
        }                                                                              \
    } while (0)

static inline int zc_test_result(const char *name)
{
    fprintf(stderr, "%s: %d checks, %d failed\n", name, zc_test_checks, zc_test_failures);
    return zc_test_failures == 0 ? 0 : 1;
}

/* Deterministic bytes: position and seed mixed so shifted or repeated data is caught. */
static inline unsigned char zc_test_byte(int64_t i, unsigned seed)
{
    uint64_t x = (uint64_t)i * 0x9E3779B97F4A7C15ull + seed;
    x ^= x >> 29;
    return (unsigned char)(x * 0xBF58476D1CE4E5B9ull >> 56);
}

static inline unsigned char *zc_test_data(size_t n, unsigned seed)
{
    unsigned char *d = malloc(n ? n : 1);
    REQUIRE(d != NULL);
    for (size_t i = 0; i < n; i++) {
        d[i] = zc_test_byte((int64_t)i, seed);
    }
    return d;
}

/* A temp file holding data, unlinked at once; returns an O_RDWR fd. */
static inline int zc_test_file(const unsigned char *data, size_t n)
{
    char path[] = "/tmp/zc-test-XXXXXX";
    int fd = mkostemp(path, O_CLOEXEC);
    REQUIRE(fd >= 0);
    unlink(path);
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, data + done, n - done);
        REQUIRE(w > 0);
        done += (size_t)w;
    }
    return fd;
}

/* Reads all of fd at offset 0 into a malloc'd buffer; *n gets its size. */
static inline unsigned char *zc_test_slurp_file(int fd, size_t *n)
{
    off_t size = lseek(fd, 0, SEEK_END);
    REQUIRE(size >= 0);
    unsigned char *b = malloc((size_t)size + 1);
    REQUIRE(b != NULL);
    size_t done = 0;
    while (done < (size_t)size) {
        ssize_t r = pread(fd, b + done, (size_t)size - done, (off_t)done);
        REQUIRE(r > 0);
        done += (size_t)r;
    }
    *n = done;
    return b;
}

/* A thread reading fd to end of file (or `limit` bytes, then closing fd). */
typedef struct zc_test_reader {
    pthread_t thread;
    int fd;
    size_t limit; /* 0: read to EOF */
    unsigned char *buf;
    size_t len;
    size_t cap;
} zc_test_reader;

static void *zc_test_reader_run(void *arg)
{
    zc_test_reader *r = arg;
    for (;;) {
        if (r->len == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 65536;
            r->buf = realloc(r->buf, r->cap);
            REQUIRE(r->buf != NULL);
        }
        size_t want = r->cap - r->len;
        if (r->limit && want > r->limit - r->len) {
            want = r->limit - r->len;
        }
        ssize_t n = read(r->fd, r->buf + r->len, want);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        r->len += (size_t)n;
        if (r->limit && r->len >= r->limit) {
            close(r->fd); /* the peer goes away mid-transfer */
            r->fd = -1;
            break;
        }
    }
    return NULL;
}

static inline void zc_test_reader_start(zc_test_reader *r, int fd, size_t limit)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->limit = limit;
    REQUIRE(pthread_create(&r->thread, NULL, zc_test_reader_run, r) == 0);
}

static inline void zc_test_reader_join(zc_test_reader *r)
{
    pthread_join(r->thread, NULL);
}

static inline int zc_test_fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    REQUIRE(d != NULL);
    int n = 0;
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n - 3; /* ".", ".." and the directory's own fd */
}

#endif
