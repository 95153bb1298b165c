/*
 * The floor for sendfileBatch: a plain C loop of sendfile(2) calls over n
 * files of one size, to /dev/null or to a loopback TCP socket drained by a
 * thread. Prints the median time per item over the repetitions, in ns.
 *
 *   cc -O2 -o target/sendfile_loop bench/c/sendfile_loop.c -lpthread
 *   target/sendfile_loop DIR N SIZE REPS devnull|tcp
 * DIR holds the files f0 .. f<N-1>. Traffic goes to 127.0.0.1 only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void *drain(void *arg)
{
    int fd = *(int *)arg;
    static char buf[1 << 20];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s DIR N SIZE REPS devnull|tcp\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    int reps = atoi(argv[4]);
    int *fds = malloc(sizeof(int) * (size_t)n);
    char path[4096];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%d", argv[1], i);
        if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            perror(path);
            return 1;
        }
    }
    int out;
    pthread_t reader;
    int peer = -1;
    if (argv[5][0] == 'd') {
        out = open("/dev/null", O_WRONLY | O_CLOEXEC);
        /* A second thread, as a JVM has many: with the fd table shared, each sendfile takes and
           drops file references (fdget's single-threaded shortcut is off), as it does in the JVM. */
        static int idle[2];
        if (pipe(idle) != 0) {
            perror("pipe");
            return 1;
        }
        peer = -1;
        pthread_create(&reader, NULL, drain, &idle[0]);
        pthread_detach(reader);
    } else {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t al = sizeof a;
        if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &al)) {
            perror("listen");
            return 1;
        }
        out = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(out, (struct sockaddr *)&a, sizeof a)) {
            perror("connect");
            return 1;
        }
        peer = accept(l, NULL, NULL);
        close(l);
        pthread_create(&reader, NULL, drain, &peer);
    }
    double *per_item = malloc(sizeof(double) * (size_t)reps);
    for (int r = -reps / 5; r < reps; r++) { /* the first fifth warms up */
        double t0 = now_ns();
        for (int i = 0; i < n; i++) {
            off_t off = 0;
            if (sendfile(out, fds[i], &off, size) != (ssize_t)size) {
                perror("sendfile");
                return 1;
            }
        }
        if (r >= 0) {
            per_item[r] = (now_ns() - t0) / n;
        }
    }
    qsort(per_item, (size_t)reps, sizeof(double), cmp);
    printf("%.1f\n", per_item[reps / 2]);
    if (peer >= 0) {
        shutdown(out, SHUT_WR);
        pthread_join(reader, NULL);
    }
    return 0;
}
