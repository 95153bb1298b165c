package dev.zerocopy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers: both ends of every transfer are compared by hash, never by sampling. */
public final class Hashing {
    private Hashing() {
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    /** Hex SHA-256 of all of data. */
    public static String of(byte[] data) {
        return of(data, 0, data.length);
    }

    /** Hex SHA-256 of data[offset, offset + length). */
    public static String of(byte[] data, int offset, int length) {
        return hex(digest(data, offset, length));
    }

    /** Raw SHA-256 of data[offset, offset + length). */
    public static byte[] digest(byte[] data, int offset, int length) {
        MessageDigest md = sha256();
        md.update(data, offset, length);
        return md.digest();
    }

    /** Hex SHA-256 of what is left of in, which is closed. */
    public static String of(InputStream in) {
        try (in) {
            MessageDigest md = sha256();
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return hex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hash of bytes [offset, offset + length) of file, clamped to its end: what a transfer of that range should deliver. */
    public static String of(Path file, long offset, long length) throws IOException {
        MessageDigest md = sha256();
        try (FileChannel ch = FileChannel.open(file)) {
            update(md, ch, offset, length);
        }
        return hex(md.digest());
    }

    /** Feeds bytes [offset, offset + length) of ch (clamped to its end) into md; returns how many. */
    public static long update(MessageDigest md, FileChannel ch, long offset, long length) throws IOException {
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
}
