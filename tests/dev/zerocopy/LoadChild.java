package dev.zerocopy;

import java.io.FileDescriptor;
import java.util.concurrent.Callable;

/**
 * The main class of the child JVMs that load the library (a missing or wrong library, a noexec
 * tmpdir, no --enable-native-access, the jar alone). Prints one key=value line each: whether it
 * loaded and why not, what two transfers and fd() return or throw, and where the classes and
 * the shim came from; all in one write at the end. With argument {@code interrupted} the main
 * thread is interrupted before the library is first used.
 */
public final class LoadChild {
    private LoadChild() {
    }

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        boolean interrupt = args.length > 0 && args[0].equals("interrupted");
        if (interrupt) {
            Thread.currentThread().interrupt(); // the first use of the library is on an interrupted thread
        }
        out.append("available=").append(NativeZeroCopy.isAvailable()).append('\n');
        if (interrupt) {
            out.append("stillInterrupted=").append(Thread.interrupted()).append('\n');
        }
        Throwable cause = NativeZeroCopy.unavailabilityCause();
        out.append("cause=").append(cause == null ? "" : cause.getClass().getName() + ": " + cause.getMessage()).append('\n');
        // A transfer of 0 bytes makes no syscall, so it writes nothing even to fd 1; unavailable, it throws.
        out.append("transfer=").append(outcome(() -> NativeZeroCopy.sendfile(0, 1, 0, 0))).append('\n');
        out.append("transfer2=").append(outcome(() -> NativeZeroCopy.sendfile(0, 1, 0, 0))).append('\n');
        out.append("fd=").append(outcome(() -> Fds.of(FileDescriptor.out))).append('\n');
        out.append("classes=").append(NativeZeroCopy.class.getProtectionDomain().getCodeSource().getLocation()).append('\n');
        out.append("resource=").append(NativeZeroCopy.class.getResource(NativeLibrary.RESOURCE)).append('\n');
        System.out.print(out);
        System.out.flush();
    }

    private static String outcome(Callable<?> call) {
        try {
            return "returned " + call.call();
        } catch (Throwable t) {
            return t.getClass().getName() + ": " + String.valueOf(t.getMessage()).replace('\n', ' ');
        }
    }
}
