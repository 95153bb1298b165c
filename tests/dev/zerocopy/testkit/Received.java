package dev.zerocopy.testkit;

/** What the far end of a transfer got: every byte counted, and the SHA-256 (hex) of those it hashed. */
public record Received(long count, String sha256) {
}
