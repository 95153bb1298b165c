package dev.zerocopy.bench;

import java.nio.file.Path;
import java.nio.file.Paths;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/**
 * bench/c/floor_loop.c, loaded into the benchmark's JVM: the raw C sendfile loop as this process
 * runs it, and a no-op bound both ways, to measure what a binding adds per call. The library is
 * target/libzc_floor_loop.so (mvn package in bench/), or the path in -Dzc.floor.loop.
 */
final class FloorLoop {
    /** The floor library, bound as jnr-ffi binds the shim (errno not saved). */
    public interface Lib {
        long zc_floor_sendfile_loop(int in, int out, long length, long calls);

        int zc_floor_noop(int x);

        long zc_floor_touch_loop(int in, int out, long length, long calls, int pages);

        long zc_floor_sendfile_once(int in, int out, long length);

        long zc_floor_null_syscall_loop(long calls);
    }

    static final Path PATH = Paths.get(System.getProperty("zc.floor.loop", "target/libzc_floor_loop.so")).toAbsolutePath();
    static final Lib LIB;

    static {
        System.load(PATH.toString());
        LIB = LibraryLoader.create(Lib.class).option(LibraryOption.IgnoreError, true).failImmediately().load(PATH.toString());
    }

    private FloorLoop() {
    }

    static native int jniNoop(int x);

    static native long jniSendfileOnce(int in, int out, long length);
}
