package dev.zerocopy.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.zerocopy.Fds;
import dev.zerocopy.KernelExperiments;
import dev.zerocopy.NativeZeroCopy;
import dev.zerocopy.testkit.Sources;
import dev.zerocopy.testkit.ChildJvm;
import dev.zerocopy.testkit.Hashing;
import dev.zerocopy.testkit.Drain;
import dev.zerocopy.testkit.Received;
import dev.zerocopy.TransferMethod;
import dev.zerocopy.ZeroCopySendResult;

/**
 * The veth lab: namespaces, SG switching, data across it, cleanup on close and on JVM exit.
 * Needs root and iproute2; without them every test reports itself skipped, naming what is missing.
 */
class VethLabTest {
    @TempDir
    Path dir;

    private byte[] data;
    private Path src;

    @BeforeAll
    static void requirements() {
        String missing = VethLab.missingRequirements();
        Assumptions.assumeTrue(missing == null, missing);
    }

    @BeforeEach
    void file() throws Exception {
        data = Sources.randomBytes(16 * 1024 * 1024 + 7, 3);
        src = Files.write(dir.resolve("src"), data);
    }

    private Received send(SocketPair pair, TransferMethod method) throws Exception {
        CompletableFuture<Received> rx = Drain.toEnd(pair.receiver());
        try (FileChannel in = FileChannel.open(src)) {
            long n = NativeZeroCopy.transfer(method, Fds.of(in), Fds.of(pair.sender()), 0, data.length);
            assertEquals(data.length, n);
        }
        pair.sender().shutdownOutput();
        return rx.get(60, TimeUnit.SECONDS);
    }

    @Test
    void sgOffCarriesEveryPathAndIsRemovedOnClose() throws Exception {
        String sendNs;
        String recvNs;
        try (VethLab lab = VethLab.create(false)) {
            sendNs = lab.senderNamespace();
            recvNs = lab.receiverNamespace();
            assertEquals("veth-nosg", lab.name());
            assertTrue(VethLab.namespaceExists(sendNs) && VethLab.namespaceExists(recvNs));
            assertTrue(lab.senderFeatures().contains("scatter-gather: off"), lab.senderFeatures());
            // The device exists only inside the lab's namespace, never in ours.
            assertFalse(Files.exists(Paths.get("/sys/class/net", lab.senderDevice())));
            for (TransferMethod m : new TransferMethod[] {TransferMethod.SENDFILE, TransferMethod.SPLICE,
                    TransferMethod.MMAP_WRITE, TransferMethod.READ_WRITE}) {
                try (SocketPair pair = lab.connect()) {
                    InetSocketAddress local = (InetSocketAddress) pair.sender().getLocalAddress();
                    assertTrue(local.getAddress().getHostAddress().matches("(::ffff:)?10\\.200\\.\\d+\\.1"), local.toString());
                    Received got = send(pair, m);
                    assertEquals(data.length, got.count(), m.name());
                    assertEquals(Hashing.of(data, 0, data.length), got.sha256(), m.name());
                }
            }
        }
        assertFalse(VethLab.namespaceExists(sendNs), sendNs + " left behind");
        assertFalse(VethLab.namespaceExists(recvNs), recvNs + " left behind");
    }

    @Test
    void sgOnCarriesSendfileAndMsgZeroCopyIsCopiedOverVeth() throws Exception {
        try (VethLab lab = VethLab.create(true); SocketPair pair = lab.connect()) {
            assertEquals("veth-sg", lab.name());
            assertTrue(lab.senderFeatures().contains("scatter-gather: on"), lab.senderFeatures());
            CompletableFuture<Received> rx = Drain.toEnd(pair.receiver());
            ZeroCopySendResult r;
            try (FileChannel in = FileChannel.open(src)) {
                r = KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(pair.sender()), 0, data.length);
            }
            pair.sender().shutdownOutput();
            Received got = rx.get(60, TimeUnit.SECONDS);
            assertEquals(Hashing.of(data, 0, data.length), got.sha256());
            assertEquals(data.length, r.bytes());
            assertEquals(r.sends(), r.zeroCopied() + r.copied(), r::toString);
            // veth hands the skb to another namespace on this host: local delivery, so the kernel copies.
            assertEquals(r.sends(), r.copied(), r::toString);
        }
    }

    @Test
    void enobufsFallsBackToPlainSends() throws Exception {
        // optmem_max is per network namespace (Linux 6.9+): 0 in the sending namespace makes every
        // MSG_ZEROCOPY send fail with ENOBUFS there, and nowhere else.
        String host = Files.readString(Paths.get("/proc/sys/net/core/optmem_max")).trim();
        try (VethLab lab = VethLab.create(true)) {
            lab.sysctl(true, "net.core.optmem_max", "0");
            Assumptions.assumeTrue(Files.readString(Paths.get("/proc/sys/net/core/optmem_max")).trim().equals(host),
                    "net.core.optmem_max is not per namespace on this kernel");
            assertEquals("0", lab.readSysctl(true, "net.core.optmem_max"));
            try (SocketPair pair = lab.connect()) {
                CompletableFuture<Received> rx = Drain.toEnd(pair.receiver());
                ZeroCopySendResult r;
                try (FileChannel in = FileChannel.open(src)) {
                    r = KernelExperiments.mmapSendZeroCopy(Fds.of(in), Fds.of(pair.sender()), 0, data.length);
                }
                pair.sender().shutdownOutput();
                Received got = rx.get(60, TimeUnit.SECONDS);
                assertEquals(Hashing.of(data, 0, data.length), got.sha256());
                assertEquals(data.length, r.bytes());
                assertEquals(0, r.sends(), r::toString);
                assertTrue(r.plainSends() >= 16, "every 1 MiB went out plain: " + r);
            }
        }
    }

    @Test
    void jvmExitWithoutCloseRemovesTheNamespaces() throws Exception {
        ChildJvm.Result child = ChildJvm.run(ChildJvm.javaArgs(List.of(), VethLabChild.class), Duration.ofSeconds(60));
        String all = child.describe();
        assertEquals(0, child.exitCode(), all);
        String names = null;
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith("namespaces ")) {
                names = line.substring("namespaces ".length());
            }
        }
        assertTrue(names != null, all);
        for (String ns : names.split(" ")) {
            assertFalse(VethLab.namespaceExists(ns), ns + " survived the JVM: " + all);
        }
    }

    @Test
    void aFailureHalfWayRemovesWhatWasCreated() throws Exception {
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> VethLab.createFailingAtEnd(false));
        assertTrue(e.getMessage().contains("on purpose"), e::getMessage);
        try (var names = Files.list(Paths.get("/var/run/netns"))) {
            assertTrue(names.noneMatch(n -> n.getFileName().toString().startsWith(VethLab.namePrefix())),
                    "a namespace of this JVM survived the failed create");
        }
    }

    @Test
    void parallelLabsDoNotCollide() throws Exception {
        try (VethLab a = VethLab.create(true); VethLab b = VethLab.create(false)) {
            assertFalse(a.senderNamespace().equals(b.senderNamespace()));
            try (SocketPair pa = a.connect(); SocketPair pb = b.connect()) {
                assertEquals(Hashing.of(data, 0, data.length), send(pa, TransferMethod.SENDFILE).sha256());
                assertEquals(Hashing.of(data, 0, data.length), send(pb, TransferMethod.SENDFILE).sha256());
            }
        }
    }
}
