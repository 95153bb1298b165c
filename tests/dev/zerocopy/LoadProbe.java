package dev.zerocopy;

import java.io.FileDescriptor;

/**
 * Run in a child JVM by the loading tests: reports, one "key=value" line each, whether the library
 * loaded, why not, what a transfer and fd() throw, and where the classes and the shim came from.
 */
public final class LoadProbe {
    private LoadProbe() {
    }

    public static void main(String[] args) {
        System.out.println("available=" + NativeZeroCopy.isAvailable());
        Throwable cause = NativeZeroCopy.unavailabilityCause();
        System.out.println("cause=" + (cause == null ? "" : cause.getClass().getName() + ": " + cause.getMessage()));
        try {
            System.out.println("transfer=returned " + NativeZeroCopy.sendfile(0, 1, 0, 0));
        } catch (Throwable t) {
            System.out.println("transfer=" + t.getClass().getName() + ": " + t.getMessage());
        }
        try {
            System.out.println("fd=returned " + Fds.of(FileDescriptor.out));
        } catch (Throwable t) {
            System.out.println("fd=" + t.getClass().getName() + ": " + t.getMessage());
        }
        System.out.println("classes=" + NativeZeroCopy.class.getProtectionDomain().getCodeSource().getLocation());
        System.out.println("resource=" + NativeZeroCopy.class.getResource(NativeLibrary.RESOURCE));
    }
}
