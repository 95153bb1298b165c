package dev.zerocopy;

/**
 * What {@link KernelExperiments#mmapSendZeroCopy} did.
 *
 * @param bytes bytes that reached the socket
 * @param sends send(2) calls with MSG_ZEROCOPY the kernel accepted; each one got a completion, so
 *     {@code zeroCopied + copied == sends}
 * @param zeroCopied completions for sends the kernel made from the pinned pages, without a copy
 * @param copied completions with SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied after all. Always so
 *     for loopback and veth peers, since local delivery copies (kernel msg_zerocopy.rst)
 * @param plainSends plain send(2) calls made after the kernel answered ENOBUFS (optmem or
 *     RLIMIT_MEMLOCK exhausted); their bytes were copied
 */
public record ZeroCopySendResult(long bytes, long sends, long zeroCopied, long copied, long plainSends) {
}
