package dev.zerocopy;

/**
 * Scatter-gather of a network device, set and read back with the SIOCETHTOOL ioctl (what
 * {@code ethtool -K DEV sg on|off} and {@code ethtool -k DEV} do, without the binary). Whether
 * the egress device gathers is what decides if sendfile's page references reach the NIC or get
 * copied on the way (since Linux 4.17 the copy happens in software GSO segmentation): the veth
 * lab of compare switches it. The device is looked up in the calling thread's network namespace.
 */
public final class NetDevices {
    private NetDevices() {
    }

    /** The offloads that decide where sendfile's data is copied: scatter-gather, TSO and GSO. */
    public record Offloads(boolean scatterGather, boolean tcpSegmentation, boolean genericSegmentation) {
        @Override
        public String toString() {
            return "scatter-gather: " + onOff(scatterGather) + "; tcp-segmentation-offload: " + onOff(tcpSegmentation)
                    + "; generic-segmentation-offload: " + onOff(genericSegmentation);
        }

        private static String onOff(boolean b) {
            return b ? "on" : "off";
        }
    }

    /** @throws ErrnoException ENODEV when no such device is in this thread's namespace */
    public static Offloads offloads(String device) throws ErrnoException {
        int bits = NativeLibrary.shim().zc_netdev_offloads(device);
        if (bits < 0) {
            throw Errors.callFailed(bits, "reading the offloads of " + device + " (SIOCETHTOOL)");
        }
        return new Offloads((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0);
    }

    /**
     * Switches scatter-gather on or off; the kernel also drops what depends on it (TSO), so read
     * {@link #offloads} back to see what holds.
     *
     * @throws ErrnoException EPERM without CAP_NET_ADMIN, ENODEV for an unknown device
     */
    public static void setScatterGather(String device, boolean on) throws ErrnoException {
        int r = NativeLibrary.shim().zc_netdev_set_sg(device, on ? 1 : 0);
        if (r < 0) {
            throw Errors.callFailed(r, "setting scatter-gather " + (on ? "on" : "off") + " on " + device
                    + " (SIOCETHTOOL)");
        }
    }
}
