package dev.zerocopy;

/**
 * What {@link KernelExperiments#sendfileBatch(int, int[], long[], long[])} moved.
 *
 * @param bytes total bytes that reached the target
 * @param itemsCompleted items moved in full; the batch stops at the first short item (end of file,
 *     or a non-blocking target that would block), which is item {@code itemsCompleted} when it is
 *     less than the number of items
 * @param counts bytes moved per item: {@code lengths[i]} for a completed item, the short count for
 *     the item it stopped at, 0 for the items after it
 */
public record SendfileBatchResult(long bytes, int itemsCompleted, long[] counts) {
}
