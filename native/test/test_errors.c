/*
 * Failure paths, forced for real: each returns -errno with the failing syscall and the
 * bytes moved before it recorded (HAZARDS 12); EAGAIN returns the bytes moved (HAZARDS 3);
 * a closed peer gives EPIPE, since this test ignores SIGPIPE as HotSpot does and the shim
 * installs no handler (HAZARDS 7).
 */
#include <signal.h>
#include <sys/socket.h>

#include "zc_test.h"

/* Values of enum zc_syscall (native/zc_common.h), spelled out to test the names too. */
enum { SYS_NONE, SYS_SENDFILE, SYS_SPLICE, SYS_MMAP, SYS_FSTAT, SYS_PREAD, SYS_WRITE, SYS_CFR, SYS_PIPE2 };

typedef int64_t (*zc_method)(int, int, int64_t, int64_t);

static const struct {
    const char *name;
    zc_method fn;
    int write_call; /* the syscall that writes to the target */
} streams[] = {
    {"read_write", zc_read_write, SYS_WRITE},
    {"mmap_write", zc_mmap_write, SYS_WRITE},
    {"sendfile", zc_sendfile, SYS_SENDFILE},
    {"splice", zc_splice, SYS_SPLICE},
};

#define SIZE (4 * 1024 * 1024)
#define PIPE_CAP 65536

static unsigned char *data;
static int src;

static void expect_fail(int64_t r, int err, int call, int64_t moved)
{
    CHECK_EQ(r, -err);
    CHECK_EQ(zc_last_failed_call(), call);
    CHECK_EQ(zc_last_moved(), moved);
}

static void epipe(void)
{
    for (size_t m = 0; m < sizeof streams / sizeof streams[0]; m++) {
        /* No reader at all: nothing moves. */
        int p[2];
        REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        close(p[0]);
        expect_fail(streams[m].fn(src, p[1], 0, SIZE), EPIPE, streams[m].write_call, 0);
        close(p[1]);

        /* The reader leaves after 1 MiB: EPIPE, and the count covers what it read. */
        REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        REQUIRE(fcntl(p[1], F_SETPIPE_SZ, PIPE_CAP) >= 0);
        zc_test_reader r;
        zc_test_reader_start(&r, p[0], 1024 * 1024);
        int64_t n = streams[m].fn(src, p[1], 0, SIZE);
        zc_test_reader_join(&r);
        CHECK_EQ(n, -EPIPE);
        CHECK_EQ(zc_last_failed_call(), streams[m].write_call);
        CHECK(zc_last_moved() >= 1024 * 1024 && zc_last_moved() <= 1024 * 1024 + PIPE_CAP);
        CHECK_EQ(r.len, 1024 * 1024);
        CHECK(memcmp(r.buf, data, r.len) == 0);
        free(r.buf);
        close(p[1]);

        /* An AF_UNIX peer that closed. */
        int sv[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        close(sv[1]);
        expect_fail(streams[m].fn(src, sv[0], 0, SIZE), EPIPE, streams[m].write_call, 0);
        close(sv[0]);
    }
}

static void eagain(void)
{
    for (size_t m = 0; m < sizeof streams / sizeof streams[0]; m++) {
        int p[2];
        REQUIRE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
        REQUIRE(fcntl(p[1], F_SETPIPE_SZ, PIPE_CAP) == PIPE_CAP);
        /* Fills the pipe, then would block: the bytes that fit, no error. */
        CHECK_EQ(streams[m].fn(src, p[1], 0, SIZE), PIPE_CAP);
        CHECK_EQ(zc_last_failed_call(), SYS_NONE);
        /* Full before the first byte: ZC_WOULD_BLOCK_RESULT, never 0, which means end of file (splice also drops what it had put in its own pipe). */
        CHECK_EQ(streams[m].fn(src, p[1], PIPE_CAP, SIZE), ZC_WOULD_BLOCK_RESULT);
        CHECK_EQ(zc_last_failed_call(), SYS_NONE);
        CHECK_EQ(zc_last_moved(), 0);
        /* Resuming at offset + count after draining gives the next bytes, none lost or repeated. */
        unsigned char *got = malloc(2 * PIPE_CAP);
        REQUIRE(got != NULL);
        CHECK_EQ(read(p[0], got, PIPE_CAP), PIPE_CAP);
        CHECK_EQ(streams[m].fn(src, p[1], PIPE_CAP, SIZE), PIPE_CAP);
        CHECK_EQ(read(p[0], got + PIPE_CAP, PIPE_CAP), PIPE_CAP);
        CHECK(memcmp(got, data, 2 * PIPE_CAP) == 0);
        /* At end of file with room in the target: 0 (sendfile to a full one says EAGAIN first). */
        CHECK_EQ(streams[m].fn(src, p[1], SIZE, SIZE), 0);
        free(got);
        close(p[0]);
        close(p[1]);
    }
}

static void bad_arguments(void)
{
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    REQUIRE(devnull >= 0);
    expect_fail(zc_sendfile(src, -1, 0, 10), EBADF, SYS_SENDFILE, 0);
    expect_fail(zc_sendfile(-1, devnull, 0, 10), EBADF, SYS_SENDFILE, 0);
    expect_fail(zc_splice(-1, devnull, 0, 10), EBADF, SYS_SPLICE, 0);
    expect_fail(zc_mmap_write(-1, devnull, 0, 10), EBADF, SYS_FSTAT, 0);
    expect_fail(zc_mmap_write(p[0], devnull, 0, 10), ENODEV, SYS_MMAP, 0);
    expect_fail(zc_read_write(p[0], devnull, 0, 10), ESPIPE, SYS_PREAD, 0);
    expect_fail(zc_read_write(src, -1, 0, 10), EBADF, SYS_WRITE, 0);
    expect_fail(zc_copy_file_range(src, devnull, 0, 10), EINVAL, SYS_CFR, 0);
    expect_fail(zc_copy_file_range(src, p[1], 0, 10), EINVAL, SYS_CFR, 0);
    /* A success after a failure clears the failed call. */
    CHECK_EQ(zc_read_write(src, devnull, 0, 10), 10);
    CHECK_EQ(zc_last_failed_call(), SYS_NONE);
    CHECK_EQ(zc_last_moved(), 10);
    close(devnull);
    close(p[0]);
    close(p[1]);
}

static void names(void)
{
    CHECK_EQ(zc_abi_version(), 2);
    CHECK(strcmp(zc_errno_name(EPIPE), "EPIPE") == 0);
    CHECK(strcmp(zc_errno_name(ECONNRESET), "ECONNRESET") == 0);
    CHECK(zc_errno_name(0) == NULL);
    CHECK(zc_errno_name(99999) == NULL);
    CHECK(strcmp(zc_strerror(EPIPE), strerror(EPIPE)) == 0);
    CHECK(strcmp(zc_syscall_name(SYS_CFR), "copy_file_range") == 0);
    CHECK(strcmp(zc_syscall_name(SYS_PIPE2), "pipe2") == 0);
    CHECK(strcmp(zc_syscall_name(-1), "unknown") == 0);
    CHECK(strcmp(zc_syscall_name(1000), "unknown") == 0);
}

int main(void)
{
    /* What HotSpot does; without it this process would die of SIGPIPE (HAZARDS 7). */
    signal(SIGPIPE, SIG_IGN);
    data = zc_test_data(SIZE, 3);
    src = zc_test_file(data, SIZE);
    names();
    bad_arguments();
    eagain();
    epipe();
    close(src);
    free(data);
    return zc_test_result("test_errors");
}
