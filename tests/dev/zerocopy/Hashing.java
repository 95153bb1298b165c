package dev.zerocopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers: both ends of every transfer are compared by hash, never by sampling. */
final class Hashing {
    private Hashing() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    /** Hash of bytes [offset, offset + length) of file, clamped to its end: what a transfer of that range should deliver. */
    static String of(Path file, long offset, long length) throws IOException {
        MessageDigest md = sha256();
        try (FileChannel ch = FileChannel.open(file)) {
            update(md, ch, offset, length);
        }
        return hex(md.digest());
    }

    /** Feeds bytes [offset, offset + length) of ch (clamped to its end) into md; returns how many. */
    static long update(MessageDigest md, FileChannel ch, long offset, long length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long end = Math.min(ch.size(), offset + length < 0 ? Long.MAX_VALUE : offset + length);
        long pos = offset;
        while (pos < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            buf.flip();
            md.update(buf);
            pos += n;
        }
        return Math.max(0, pos - offset);
    }

    static String of(byte[] data, int offset, int length) {
        MessageDigest md = sha256();
        md.update(data, offset, length);
        return hex(md.digest());
    }
}
