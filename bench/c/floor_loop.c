/*
 * The raw C floor inside the benchmark's JVM: PerCallBench calls zc_floor_sendfile_loop once per
 * 1000 sendfile(2) calls, so the binding's cost is spread over them and what is left is the
 * syscall as this process makes it (same address space, caches and CPU as the Java callers). The
 * no-op functions measure a binding's own cost per call: one bound with jnr-ffi, one with JNI.
 * Built by `mvn package` in bench/ into target/libzc_floor_loop.so.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* calls sendfile(2) calls of length bytes from offset 0; the bytes moved, or -1 on an error. */
int64_t zc_floor_sendfile_loop(int in, int out, int64_t length, int64_t calls)
{
    int64_t total = 0;
    for (int64_t i = 0; i < calls; i++) {
        off_t pos = 0;
        ssize_t n = sendfile(out, in, &pos, (size_t)length);
        if (n < 0) {
            return -1;
        }
        total += n;
    }
    return total;
}

/*
 * The C loop again, reading one byte from each of `pages` distinct 4 KiB pages after each call:
 * how much a page touched between two syscalls costs. With `in` -1 the same reads run without
 * the syscall, so the TLB stays warm. Five arguments: jnr-ffi 2.3.0 passes a wrong sixth one when
 * all six are numbers (jnr/jnr-ffi#181; tests/dev/zerocopy/BindingShapeTest).
 */
static volatile unsigned char touch_area[256 * 4096];

int64_t zc_floor_touch_loop(int in, int out, int64_t length, int64_t calls, int pages)
{
    int64_t total = 0;
    unsigned sum = 0;
    for (int64_t i = 0; i < calls; i++) {
        if (in >= 0) {
            off_t pos = 0;
            ssize_t n = sendfile(out, in, &pos, (size_t)length);
            if (n < 0) {
                return -1;
            }
            total += n;
        } else {
            total += length;
        }
        for (int p = 0; p < pages; p++) {
            sum += touch_area[p * 4096 + (p * 64) % 4096];
        }
    }
    return total + (sum & 0); /* keeps the reads */
}

/* calls getppid(2) through syscall(2), which glibc cannot answer from a cache: a syscall's own cost here. */
int64_t zc_floor_null_syscall_loop(int64_t calls)
{
    int64_t total = 0;
    for (int64_t i = 0; i < calls; i++) {
        total += syscall(SYS_getppid) > 0;
    }
    return total;
}

/* One sendfile(2) from offset 0, for the per-call bindings below (jnr-ffi and JNI). */
int64_t zc_floor_sendfile_once(int in, int out, int64_t length)
{
    off_t pos = 0;
    ssize_t n = sendfile(out, in, &pos, (size_t)length);
    return n < 0 ? -1 : n;
}

JNIEXPORT jlong JNICALL Java_dev_zerocopy_bench_FloorLoop_jniSendfileOnce(JNIEnv *env, jclass cls, jint in, jint out,
                                                                          jlong length)
{
    (void)env;
    (void)cls;
    return zc_floor_sendfile_once(in, out, length);
}

int zc_floor_noop(int x)
{
    return x + 1;
}

JNIEXPORT jint JNICALL Java_dev_zerocopy_bench_FloorLoop_jniNoop(JNIEnv *env, jclass cls, jint x)
{
    (void)env;
    (void)cls;
    return x + 1;
}
