package dev.zerocopy.lab;

import java.io.IOException;

/** The veth lab cannot run here: not root, or iproute2 missing. The message says which. */
public final class LabUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    LabUnavailableException(String message) {
        super(message);
    }
}
