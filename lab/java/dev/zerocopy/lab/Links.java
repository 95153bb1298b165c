package dev.zerocopy.lab;

import java.io.IOException;
import java.util.List;

/** Opens a {@link SocketLink} by the name a command line gives: what {@code compare --link} takes. */
public final class Links {
    /** The names {@link #open} accepts. */
    public static final List<String> NAMES = List.of("loopback", "veth-sg", "veth-nosg");

    private Links() {
    }

    /**
     * "loopback": 127.0.0.1 in this namespace; "veth-sg" / "veth-nosg": a {@link VethLab} with
     * scatter-gather on / off on the sending device. Close the link when done.
     *
     * @throws LabUnavailableException for a veth link without root or iproute2
     * @throws IllegalArgumentException for another name
     */
    public static SocketLink open(String name) throws IOException {
        return switch (name) {
            case "loopback" -> new LoopbackLink();
            case "veth-sg" -> VethLab.create(true);
            case "veth-nosg" -> VethLab.create(false);
            default -> throw new IllegalArgumentException("unknown link '" + name + "': one of " + NAMES);
        };
    }
}
