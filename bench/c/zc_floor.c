/*
 * The floor: the same syscall loops as the library's shim, in a plain C
 * process, so the Java figures can be compared with what the kernel allows.
 *
 *   zc_floor percall    <devnull|tcp> FILE ITERATIONS
 *       4 KiB sendfile(2) from offset 0 per call; prints ns per call.
 *   zc_floor throughput <read_write|mmap_write|sendfile|splice> <tcp|pipe> FILE SIZE ITERATIONS
 *       one transfer of SIZE bytes per iteration (offsets cycle through the file
 *       as the JMH benchmark's do); prints us per transfer and GB/s.
 *
 * tcp is a loopback connection to 127.0.0.1 drained by a thread; pipe is a
 * pipe(2) of default size drained by a thread. Built by `mvn -Pbench package`
 * into target/zc_floor, or: gcc -O2 -o zc_floor bench/c/zc_floor.c -lpthread
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COPY_BUFFER (256 * 1024)          /* the shim's read+write buffer */
#define MMAP_WINDOW (8L * 1024 * 1024)    /* the shim's mmap window */
#define SPLICE_PIPE (1024 * 1024)         /* the shim's splice pipe */
#define CYCLE (64L * 1024 * 1024)         /* offsets cycle through this much of the file */

static void die(const char *what)
{
    fprintf(stderr, "zc_floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *drain(void *arg)
{
    int fd = (int)(intptr_t)arg;
    static char buf[1 << 20];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    return NULL;
}

/* Opens the target; *reader gets the fd a drain thread reads (or -1). */
static int open_target(const char *kind, int *reader)
{
    *reader = -1;
    if (strcmp(kind, "devnull") == 0) {
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            die("open /dev/null");
        }
        return fd;
    }
    if (strcmp(kind, "pipe") == 0) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) {
            die("pipe2");
        }
        *reader = p[0];
        return p[1];
    }
    if (strcmp(kind, "tcp") == 0) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (srv < 0 || bind(srv, (struct sockaddr *)&a, sizeof a) != 0 || listen(srv, 1) != 0 ||
            getsockname(srv, (struct sockaddr *)&a, &len) != 0) {
            die("listen on 127.0.0.1");
        }
        int out = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (out < 0 || connect(out, (struct sockaddr *)&a, sizeof a) != 0) {
            die("connect");
        }
        *reader = accept(srv, NULL, NULL);
        if (*reader < 0) {
            die("accept");
        }
        close(srv);
        return out;
    }
    fprintf(stderr, "zc_floor: unknown target %s\n", kind);
    exit(2);
}

static void start_drain(int reader)
{
    if (reader >= 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, drain, (void *)(intptr_t)reader) != 0) {
            die("pthread_create");
        }
        pthread_detach(t);
    }
}

static void write_all(int out, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(out, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            die("write");
        }
        p += w;
        n -= (size_t)w;
    }
}

static void read_write(int in, int out, off_t off, int64_t len)
{
    static char *buf;
    if (buf == NULL && (buf = malloc(COPY_BUFFER)) == NULL) {
        die("malloc");
    }
    while (len > 0) {
        ssize_t n = pread(in, buf, len < COPY_BUFFER ? (size_t)len : COPY_BUFFER, off);
        if (n <= 0) {
            die("pread");
        }
        write_all(out, buf, (size_t)n);
        off += n;
        len -= n;
    }
}

static void mmap_write(int in, int out, off_t off, int64_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    while (len > 0) {
        struct stat st;
        if (fstat(in, &st) != 0) { /* the shim checks the size per window too */
            die("fstat");
        }
        off_t start = off & ~(off_t)(page - 1);
        size_t skip = (size_t)(off - start);
        size_t map_len = skip + (size_t)len < (size_t)MMAP_WINDOW ? skip + (size_t)len : (size_t)MMAP_WINDOW;
        char *m = mmap(NULL, map_len, PROT_READ, MAP_SHARED, in, start);
        if (m == MAP_FAILED) {
            die("mmap");
        }
        write_all(out, m + skip, map_len - skip);
        munmap(m, map_len);
        off += (off_t)(map_len - skip);
        len -= (int64_t)(map_len - skip);
    }
}

static void send_file(int in, int out, off_t off, int64_t len)
{
    while (len > 0) {
        ssize_t n = sendfile(out, in, &off, (size_t)len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            die("sendfile");
        }
        len -= n;
    }
}

static void splice_via_pipe(int in, int out, off_t off, int64_t len)
{
    static int p[2] = {-1, -1};
    static int64_t cap;
    if (p[0] < 0) {
        if (pipe2(p, O_CLOEXEC) != 0) {
            die("pipe2");
        }
        int s = fcntl(p[1], F_SETPIPE_SZ, SPLICE_PIPE);
        cap = s > 0 ? s : 65536;
    }
    loff_t pos = off;
    while (len > 0) {
        ssize_t n = splice(in, &pos, p[1], NULL, len < cap ? (size_t)len : (size_t)cap, SPLICE_F_MOVE);
        if (n <= 0) {
            die("splice in");
        }
        len -= n;
        while (n > 0) {
            ssize_t m = splice(p[0], NULL, out, NULL, (size_t)n, SPLICE_F_MOVE);
            if (m <= 0) {
                die("splice out");
            }
            n -= m;
        }
    }
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* as HotSpot does: a closed peer gives EPIPE, not death */
    if (argc == 5 && strcmp(argv[1], "percall") == 0) {
        int reader;
        int out = open_target(argv[2], &reader);
        int in = open(argv[3], O_RDONLY | O_CLOEXEC);
        long iters = atol(argv[4]);
        if (in < 0) {
            die("open source");
        }
        start_drain(reader);
        for (int round = 0; round < 2; round++) { /* round 0 warms up */
            int64_t t0 = now_ns();
            for (long i = 0; i < iters; i++) {
                send_file(in, out, 0, 4096);
            }
            int64_t t1 = now_ns();
            if (round == 1) {
                printf("percall %s sendfile_4k_ns %.1f\n", argv[2], (double)(t1 - t0) / iters);
            }
        }
        return 0;
    }
    if (argc == 7 && strcmp(argv[1], "throughput") == 0) {
        void (*fn)(int, int, off_t, int64_t) =
            strcmp(argv[2], "read_write") == 0   ? read_write
            : strcmp(argv[2], "mmap_write") == 0 ? mmap_write
            : strcmp(argv[2], "sendfile") == 0   ? send_file
            : strcmp(argv[2], "splice") == 0     ? splice_via_pipe
                                                 : NULL;
        if (fn == NULL) {
            fprintf(stderr, "zc_floor: unknown method %s\n", argv[2]);
            return 2;
        }
        int reader;
        int out = open_target(argv[3], &reader);
        int in = open(argv[4], O_RDONLY | O_CLOEXEC);
        int64_t size = atoll(argv[5]);
        long iters = atol(argv[6]);
        if (in < 0) {
            die("open source");
        }
        start_drain(reader);
        int64_t counter = 0;
        for (int round = 0; round < 2; round++) {
            int64_t t0 = now_ns();
            for (long i = 0; i < iters; i++) {
                fn(in, out, (off_t)((counter++ * size) % CYCLE), size);
            }
            int64_t t1 = now_ns();
            if (round == 1) {
                double us = (double)(t1 - t0) / iters / 1000;
                printf("throughput %s %s %lld us_per_op %.2f GBps %.3f\n", argv[2], argv[3], (long long)size, us,
                       (double)size / (us * 1000));
            }
        }
        return 0;
    }
    fprintf(stderr, "usage: zc_floor percall <devnull|tcp> FILE ITERATIONS\n"
                    "       zc_floor throughput <read_write|mmap_write|sendfile|splice> <tcp|pipe> FILE SIZE ITERATIONS\n");
    return 2;
}
