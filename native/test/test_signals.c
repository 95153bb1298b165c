/*
 * The shim installs no signal handler (HAZARDS 7, 8). A process that leaves SIGPIPE and
 * SIGXFSZ at their defaults is killed by them, as plain C programs are; one that ignores
 * them, as HotSpot does, gets -EPIPE, and a short count then -EFBIG, with the bytes moved
 * recorded. Each case runs in a forked child so a kill is observed, not suffered.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "zc_test.h"

#define SIZE (1024 * 1024)
#define LIMIT (256 * 1024)

typedef int64_t (*zc_method)(int, int, int64_t, int64_t);

static const struct {
    const char *name;
    zc_method fn;
} methods[] = {
    {"read_write", zc_read_write},
    {"mmap_write", zc_mmap_write},
    {"sendfile", zc_sendfile},
    {"splice", zc_splice},
    {"copy_file_range", zc_copy_file_range},
};

static int src;
static unsigned char *data;

/* Child: write to a pipe without reader. Exit 0 if the result was -EPIPE. */
static int child_epipe(int m)
{
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    close(p[0]);
    int64_t r = methods[m].fn(src, p[1], 0, SIZE);
    return r == -EPIPE && zc_last_moved() == 0 ? 0 : 1;
}

/* Child: copy SIZE bytes into a file under RLIMIT_FSIZE = LIMIT. Exit 0 if the first LIMIT bytes
   went and then EFBIG was reported with them counted, and the next call is EFBIG with 0. */
static int child_efbig(int m)
{
    struct rlimit rl = {LIMIT, LIMIT};
    REQUIRE(setrlimit(RLIMIT_FSIZE, &rl) == 0);
    int out = zc_test_file(NULL, 0);
    int64_t r = methods[m].fn(src, out, 0, SIZE);
    if (r != -EFBIG || zc_last_moved() != LIMIT) {
        fprintf(stderr, "%s: first call %lld, moved %lld\n", methods[m].name, (long long)r, (long long)zc_last_moved());
        return 1;
    }
    r = methods[m].fn(src, out, LIMIT, SIZE - LIMIT);
    if (r != -EFBIG || zc_last_moved() != 0) {
        return 1;
    }
    size_t n;
    unsigned char *got = zc_test_slurp_file(out, &n);
    int ok = n == LIMIT && memcmp(got, data, LIMIT) == 0;
    free(got);
    return ok ? 0 : 1;
}

static int run_child(int (*fn)(int), int m, int ignore, int sig)
{
    fflush(stderr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        signal(sig, ignore ? SIG_IGN : SIG_DFL);
        _exit(fn(m));
    }
    int status;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return status;
}

int main(void)
{
    data = zc_test_data(SIZE, 5);
    src = zc_test_file(data, SIZE);
    for (int m = 0; m < (int)(sizeof methods / sizeof methods[0]); m++) {
        if (m < 4) {
            int st = run_child(child_epipe, m, 0, SIGPIPE);
            CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE); /* the default: killed */
            st = run_child(child_epipe, m, 1, SIGPIPE);
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* ignored: -EPIPE */
        }
        int st = run_child(child_efbig, m, 0, SIGXFSZ);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ);
        st = run_child(child_efbig, m, 1, SIGXFSZ);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
            fprintf(stderr, "%s under RLIMIT_FSIZE with SIGXFSZ ignored: status %d\n", methods[m].name, st);
        }
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    close(src);
    free(data);
    return zc_test_result("test_signals");
}
