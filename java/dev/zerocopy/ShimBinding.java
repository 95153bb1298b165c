package dev.zerocopy;

/**
 * Holds the jnr-ffi binding of libzerocopy.so, {@link Shim}. This class is package-private, so the
 * binding is not part of the public API (the public API is NativeZeroCopy, Fds, Measurement,
 * KernelExperiments and the channel layer), while the interface itself stays public to the JVM:
 * jnr-ffi defines its implementation in a class loader of its own, which must be able to reach
 * it. jnr-unixsocket nests its LibC binding in a package-private class for the same reason.
 */
final class ShimBinding {
    private ShimBinding() {
    }

    /**
     * jnr-ffi binding of libzerocopy.so (native/). Method name = C symbol, arguments in C order.
     * No method may take six arguments that are all numbers: jnr-ffi 2.3.0 passes a wrong sixth
     * one then (jnr/jnr-ffi#181, BindingShapeTest).
     *
     * <p>Return convention of every function that can fail (native/zc_common.h): bytes moved or
     * another count (>= 0), or -errno; the five transfer paths also answer {@link NativeLibrary#WOULD_BLOCK}
     * when a non-blocking target would block before the first byte (0 is then end of file only).
     * Every such function records, on every return, the bytes it moved and the syscall that failed
     * (none on success) in the calling thread's state, which {@link Errors#check} reads on failure.
     * The library is loaded with {@code LibraryOption.IgnoreError}: errno travels in the return value.
     */
    public interface Shim {
        /** native/zc_state.c: the ABI this Java code was written against. */
        int zc_abi_version();

        long zc_sendfile(int in, int out, long offset, long length);

        long zc_splice(int in, int out, long offset, long length);

        long zc_mmap_write(int in, int out, long offset, long length);

        long zc_read_write(int in, int out, long offset, long length);

        long zc_copy_file_range(int in, int out, long offset, long length);

        long zc_last_moved();

        int zc_last_failed_call();

        /** What the transfer paths return when a non-blocking target would block before the first byte. */
        long zc_would_block_result();

        /** native/zc_pipe_pool.c: the size splice pipes are grown to, within the pipe budget. */
        void zc_pipe_configure(int size);

        /** Pipe buffer pages the library's pipes hold now (in use and idle). */
        long zc_pipe_held_pages();

        /** Closes the pool's idle pipes. */
        void zc_pipe_release_idle();

        String zc_syscall_name(int call);

        String zc_errno_name(int err);

        String zc_strerror(int err);

        // ---- measurement (native/zc_measure.c) ----

        /** Fills usage[9] (direct memory) with the calling thread's counters; 0 or -errno. */
        int zc_usage_snapshot(jnr.ffi.Pointer usage);

        /** One transfer by method id, its cost written to delta[9]; bytes moved or -errno. */
        long zc_measure(int method, int in, int out, long offset, long length, jnr.ffi.Pointer delta);

        // ---- channels ---- (native/zc_channels.c, native/zc_splice_from.c)

        long zc_chan_describe(int fd);

        long zc_chan_dup(int fd, int describe);

        int zc_chan_close(int fd);

        long zc_copy_file_range_at(int in, long inOffset, int out, long outOffset, long length);

        long zc_splice_from(int in, int out, long offset, long length, int inIsPipe);

        long zc_splice_from_lost();

        long zc_chan_sendfile_once(int in, int out, long offset, long length);

        /** The path of a method id (TransferMethod.measureId); EINTR returns -EINTR instead of a retry. */
        long zc_chan_transfer(int method, int in, int out, long offset, long length);

        int zc_chan_refusal(int err, int appendTarget);

        // ---- kernel experiments ----

        /** native/zc_msg_zerocopy.c; stats: accepted MSG_ZEROCOPY sends, zero-copied, copied, plain sends. */
        long zc_mmap_send_zerocopy(int in, int out, long offset, long length, @jnr.ffi.annotations.Out long[] stats);

        /** native/zc_sendfile_batch.c; counts receives the bytes of each item. */
        long zc_sendfile_batch(int out, @jnr.ffi.annotations.In int[] ins, @jnr.ffi.annotations.In long[] offsets,
                @jnr.ffi.annotations.In long[] lengths, @jnr.ffi.annotations.Out long[] counts, int n);

        int zc_last_batch_item();

        /** native/zc_send_with_header.c; hdr and trl are native addresses (direct buffers). */
        long zc_send_with_header(int out, @jnr.ffi.types.intptr_t long hdr, long hdrLen, int in, long offset, long length,
                @jnr.ffi.types.intptr_t long trl, long trlLen);


        /** native/zc_tee.c, zc_vmsplice.c, zc_splice_stream.c; nonBlocking != 0 adds SPLICE_F_NONBLOCK. */
        long zc_tee(int in, int out, long length, int nonBlocking);

        long zc_vmsplice(int out, @jnr.ffi.types.intptr_t long buf, long length, int nonBlocking);

        long zc_splice_stream(int in, int out, long length, int nonBlocking);

        // ---- measurement support (compare --cpus, the veth lab, per-sample TCP figures) ----

        /** native/zc_affinity.c: pins the calling thread to one CPU; 0 or -errno. */
        int zc_pin_thread(int cpu);

        /** native/zc_ethtool.c: bit 0 SG, bit 1 TSO, bit 2 GSO of a device in the calling thread's netns, or -errno. */
        int zc_netdev_offloads(String device);

        /** native/zc_ethtool.c: scatter-gather on (1) or off (0); 0 or -errno. */
        int zc_netdev_set_sg(String device, int on);

        /** native/zc_tcp_sample.c: six tcp_info figures into out; 0 or -errno. */
        int zc_tcp_sample(int fd, @jnr.ffi.annotations.Out long[] out);

        /** native/zc_mapped_source.c: the address of a read-only mapping of [0, length) of in, or -errno. */
        long zc_mapped_open(int in, long length);

        /** native/zc_mapped_source.c: one range of the mapping to out; bytes or -errno. */
        long zc_mapped_write(int out, long addr, long offset, long length);

        /** native/zc_mapped_source.c: munmap; 0 or -errno. */
        int zc_mapped_close(long addr, long length);
    }
}
