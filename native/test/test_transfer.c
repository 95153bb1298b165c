/*
 * Every method moves the right bytes end to end, to a pipe, an AF_UNIX socket and a
 * file, from several offsets and lengths, and stops at end of file (HAZARDS 2).
 */
#include <sys/socket.h>

#include "zc_test.h"

typedef int64_t (*zc_method)(int, int, int64_t, int64_t);

static const struct {
    const char *name;
    zc_method fn;
    int stream; /* can write to a pipe or socket */
} methods[] = {
    {"read_write", zc_read_write, 1},
    {"mmap_write", zc_mmap_write, 1},
    {"sendfile", zc_sendfile, 1},
    {"splice", zc_splice, 1},
    {"copy_file_range", zc_copy_file_range, 0},
};

#define SIZE ((int64_t)3 * 1024 * 1024 + 4099)

static const unsigned char *data;
static int src;

static void expect_bytes(const char *what, const unsigned char *got, size_t len, int64_t offset, int64_t count)
{
    CHECK_EQ(len, count);
    if ((int64_t)len == count && memcmp(got, data + offset, (size_t)count) != 0) {
        fprintf(stderr, "%s: bytes differ (offset %lld, count %lld)\n", what, (long long)offset, (long long)count);
        zc_test_failures++;
    }
}

static int64_t expected_count(int64_t offset, int64_t length)
{
    if (offset >= SIZE) {
        return 0;
    }
    return length < SIZE - offset ? length : SIZE - offset;
}

static void to_stream(int m, int socket, int64_t offset, int64_t length)
{
    int fds[2];
    if (socket) {
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    } else {
        REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    }
    zc_test_reader r;
    zc_test_reader_start(&r, fds[0], 0);
    int64_t n = methods[m].fn(src, fds[1], offset, length);
    close(fds[1]);
    zc_test_reader_join(&r);
    close(fds[0]);
    int64_t want = expected_count(offset, length);
    if (n != want) {
        fprintf(stderr, "%s to %s: offset %lld length %lld\n", methods[m].name, socket ? "socket" : "pipe",
                (long long)offset, (long long)length);
    }
    CHECK_EQ(n, want);
    CHECK_EQ(zc_last_failed_call(), 0);
    CHECK_EQ(zc_last_moved(), want);
    expect_bytes(methods[m].name, r.buf, r.len, offset, want);
    free(r.buf);
}

static void to_file(int m, int64_t offset, int64_t length)
{
    int out = zc_test_file(NULL, 0);
    int64_t n = methods[m].fn(src, out, offset, length);
    int64_t want = expected_count(offset, length);
    CHECK_EQ(n, want);
    size_t len;
    unsigned char *got = zc_test_slurp_file(out, &len);
    expect_bytes(methods[m].name, got, len, offset, want);
    /* the source is read by offset: its file position never moves */
    CHECK_EQ(lseek(src, 0, SEEK_CUR), 0);
    free(got);
    close(out);
}

int main(void)
{
    unsigned char *d = zc_test_data((size_t)SIZE, 7);
    data = d;
    src = zc_test_file(data, (size_t)SIZE);
    REQUIRE(lseek(src, 0, SEEK_SET) == 0);
    const int64_t offsets[] = {0, 1, 4095, 4096, 8 * 1024 * 1024 - 1, SIZE - 1, SIZE, SIZE + 5};
    const int64_t lengths[] = {1, 4096, 65537, (int64_t)1024 * 1024 + 3, SIZE, INT64_MAX / 4};
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
            for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                if (methods[m].stream) {
                    to_stream((int)m, 0, offsets[o], lengths[l]);
                    to_stream((int)m, 1, offsets[o], lengths[l]);
                }
                to_file((int)m, offsets[o], lengths[l]);
            }
        }
        /* Length 0 asks for nothing: 0, and no syscall is needed. */
        CHECK_EQ(methods[m].fn(src, 1, 0, 0), 0);
    }
    close(src);
    free(d);
    return zc_test_result("test_transfer");
}
