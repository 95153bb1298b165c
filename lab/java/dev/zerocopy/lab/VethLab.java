package dev.zerocopy.lab;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.zerocopy.NetDevices;

/**
 * Two network namespaces joined by a veth pair, with scatter-gather switched on or off on the
 * sending device (set and read back with the SIOCETHTOOL ioctl through the library's
 * {@link NetDevices}; no ethtool binary): the lab for the "kernel 2.1 vs 2.4" sendfile contrast.
 *
 * <p>What SG off does on a modern kernel: since Linux 4.17 ("tcp: switch to GSO being always
 * on", commit 0a6b2a1dc2a2) every TCP socket gets NETIF_F_SG in its route capabilities, so
 * sendfile still attaches page-cache pages to the socket buffer without a copy whatever the
 * device says. Without SG on the device (which also drops TSO), the copy happens later, when
 * software GSO cuts the large skb into MTU-sized linear ones for it (skb_segment): one CPU copy
 * of every byte, as in the 2.1-style path, at transmit time instead of at send time.
 *
 * <p>Everything it creates lives in its own namespaces: the two namespaces ({@code zclab-<id>-s},
 * {@code zclab-<id>-r}, unique per JVM and instance, so parallel runs never collide), the veth
 * pair created directly inside them, and addresses in 10.200.0.0/16 that exist only there. No
 * route, device or address is added to the JVM's own namespace, so traffic never leaves the pair.
 * All of it is removed by {@link #close()}, when {@link #create} fails half way, and by a shutdown
 * hook if the JVM exits first.
 *
 * <p>One JVM runs both ends: {@link #connect()} creates the sender socket on a thread that entered
 * the sending namespace with setns(2) and the receiver on one in the receiving namespace; the
 * returned channels work from any thread. Needs root and iproute2 ({@code ip}): see
 * {@link #missingRequirements()}.
 */
public final class VethLab implements SocketLink {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final boolean scatterGather;
    private final String senderNs;
    private final String receiverNs;
    private final String senderDev;
    private final String receiverDev;
    private final InetAddress receiverAddress;
    private final List<Netns> threads = new ArrayList<>();
    private final Thread cleanupHook;
    private Netns senderThread;
    private Netns receiverThread;
    private String senderFeatures = "";
    private Path senderThreadNet;
    private boolean closed;

    private VethLab(boolean scatterGather, boolean failAtEnd) throws IOException {
        this.scatterGather = scatterGather;
        String id = namePrefix().substring("zclab-".length()) + Integer.toString(INSTANCES.incrementAndGet() % (36 * 36 * 36), 36)
                + String.format("%3s", Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36)).replace(' ', '0');
        this.senderNs = "zclab-" + id + "-s";
        this.receiverNs = "zclab-" + id + "-r";
        this.senderDev = "zs" + id; // interface names: at most 15 characters (id: at most 5 + 1 + 3 + 3)
        this.receiverDev = "zr" + id;
        int subnet = ThreadLocalRandom.current().nextInt(256);
        this.receiverAddress = InetAddress.getByAddress(new byte[] {10, (byte) 200, (byte) subnet, 2});
        String senderCidr = "10.200." + subnet + ".1/30";
        String receiverCidr = "10.200." + subnet + ".2/30";
        this.cleanupHook = new Thread(this::removeAll, "veth-lab-cleanup-" + id);
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        try {
            run("ip", "netns", "add", senderNs);
            run("ip", "netns", "add", receiverNs);
            // Created inside the namespaces: the pair never exists in the JVM's own namespace.
            run("ip", "link", "add", senderDev, "netns", senderNs, "type", "veth", "peer", "name", receiverDev,
                    "netns", receiverNs);
            run("ip", "-n", senderNs, "addr", "add", senderCidr, "dev", senderDev);
            run("ip", "-n", receiverNs, "addr", "add", receiverCidr, "dev", receiverDev);
            run("ip", "-n", senderNs, "link", "set", "lo", "up");
            run("ip", "-n", receiverNs, "link", "set", "lo", "up");
            run("ip", "-n", senderNs, "link", "set", senderDev, "up");
            run("ip", "-n", receiverNs, "link", "set", receiverDev, "up");
            senderThread = new Netns(senderNs);
            threads.add(senderThread);
            senderThreadNet = senderThread.call(() -> Paths.get("/proc").resolve(Files.readSymbolicLink(Paths.get("/proc/thread-self")))
                    .resolve("net"));
            NetDevices.Offloads set = senderThread.call(() -> {
                NetDevices.setScatterGather(senderDev, scatterGather);
                return NetDevices.offloads(senderDev);
            });
            senderFeatures = set.toString();
            if (set.scatterGather() != scatterGather) {
                throw new IOException("SIOCETHTOOL did not set scatter-gather " + (scatterGather ? "on" : "off") + " on "
                        + senderDev + ": " + senderFeatures);
            }
            receiverThread = new Netns(receiverNs);
            threads.add(receiverThread);
            if (failAtEnd) {
                throw new IOException("failing on purpose after the setup (test of the cleanup path)");
            }
        } catch (IOException | RuntimeException e) {
            try {
                close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Creates the namespaces and the veth pair, with scatter-gather on or off on the sending device.
     *
     * @throws LabUnavailableException when not root or iproute2 is missing (one message naming
     *     what is missing)
     * @throws IOException when a command fails; what was created is removed first
     */
    public static VethLab create(boolean scatterGather) throws IOException {
        String missing = missingRequirements();
        if (missing != null) {
            throw new LabUnavailableException(missing);
        }
        return new VethLab(scatterGather, false);
    }

    /** For tests: sets everything up, then fails as a last step would, so the cleanup path runs. */
    static VethLab createFailingAtEnd(boolean scatterGather) throws IOException {
        return new VethLab(scatterGather, true);
    }

    /** The namespace-name prefix of the labs this JVM creates. */
    static String namePrefix() {
        return "zclab-" + Long.toString(ProcessHandle.current().pid(), 36) + "-";
    }

    /**
     * Null when the lab can run here; otherwise one message naming what is missing: root,
     * iproute2's {@code ip}.
     */
    public static String missingRequirements() {
        List<String> missing = new ArrayList<>();
        if (!isRoot()) {
            missing.add("root (it creates network namespaces and veth devices)");
        }
        if (executable("ip") == null) {
            missing.add("ip (apt-get install iproute2)");
        }
        return missing.isEmpty() ? null : "the veth lab needs root and iproute2; missing: " + String.join(", ", missing);
    }

    @Override
    public String name() {
        return scatterGather ? "veth-sg" : "veth-nosg";
    }

    @Override
    public String describe() {
        return "a veth pair " + senderDev + " (netns " + senderNs + ") -> " + receiverDev + " (netns " + receiverNs + ", "
                + receiverAddress.getHostAddress() + "); sending device: " + senderFeatures;
    }

    /** Whether scatter-gather is on on the sending device. */
    public boolean scatterGather() {
        return scatterGather;
    }

    public String senderNamespace() {
        return senderNs;
    }

    public String receiverNamespace() {
        return receiverNs;
    }

    public String senderDevice() {
        return senderDev;
    }

    /** The sending device's scatter-gather, TSO and GSO as read back right after setting them up. */
    public String senderFeatures() {
        return senderFeatures;
    }

    /** The sending device's offloads now, read with SIOCETHTOOL from inside its namespace. */
    @Override
    public NetDevices.Offloads senderOffloads() throws IOException {
        return senderThread.call(() -> NetDevices.offloads(senderDev));
    }

    /** /proc/net as the sending namespace sees it (netstat and snmp counters of the sender's stack). */
    @Override
    public Path senderProcNet() {
        return senderThreadNet;
    }

    /**
     * A connected pair: the sender socket created in the sending namespace, the receiver accepted
     * from a listener in the receiving namespace, on the veth addresses.
     */
    @Override
    public synchronized SocketPair connect() throws IOException {
        if (closed) {
            throw new IOException("the veth lab is closed");
        }
        ServerSocketChannel server = receiverThread.call(() -> {
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.bind(new InetSocketAddress(receiverAddress, 0));
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            return s;
        });
        try (server) {
            SocketChannel sender = senderThread.call(SocketChannel::open);
            try {
                sender.connect(server.getLocalAddress()); // routed by the socket's own namespace
                return new SocketPair(sender, server.accept());
            } catch (IOException | RuntimeException e) {
                sender.close();
                throw e;
            }
        }
    }

    /**
     * Sets a sysctl of one side's namespace (e.g. {@code net.core.optmem_max}) by writing
     * /proc/sys from a thread inside it; per-namespace sysctls only change there.
     */
    public void sysctl(boolean senderSide, String key, String value) throws IOException {
        Path path = Paths.get("/proc/sys", key.replace('.', '/'));
        (senderSide ? senderThread : receiverThread).call(() -> Files.writeString(path, value));
    }

    /** Reads a sysctl as one side's namespace sees it. */
    public String readSysctl(boolean senderSide, String key) throws IOException {
        Path path = Paths.get("/proc/sys", key.replace('.', '/'));
        return (senderSide ? senderThread : receiverThread).call(() -> Files.readString(path).trim());
    }

    /** Removes the namespaces (and with them the veth pair). Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs removeAll itself
        }
        removeAll();
        if (namespaceExists(senderNs) || namespaceExists(receiverNs)) {
            throw new IOException("could not remove network namespaces " + senderNs + ", " + receiverNs);
        }
    }

    private void removeAll() {
        for (Netns t : threads) {
            t.close();
        }
        for (String ns : new String[] {senderNs, receiverNs}) {
            if (namespaceExists(ns)) {
                try {
                    run("ip", "netns", "del", ns); // its veth end goes with it, and the peer with that
                } catch (IOException e) {
                    System.err.println("veth lab: " + e.getMessage());
                }
            }
        }
    }

    /** Whether a named network namespace exists (ip netns keeps them under /var/run/netns). */
    public static boolean namespaceExists(String name) {
        return Files.exists(Paths.get("/var/run/netns", name));
    }

    /** Runs a command; returns its stdout, or throws with its stderr when it fails. */
    static String run(String... command) throws IOException {
        String exe = executable(command[0]);
        List<String> cmd = new ArrayList<>(List.of(command));
        if (exe != null) {
            cmd.set(0, exe);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out.trim());
        }
        return out;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // real, effective, saved, fs
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static String executable(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Paths.get(d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
