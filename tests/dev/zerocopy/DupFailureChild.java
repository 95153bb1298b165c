package dev.zerocopy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Child JVM for ChannelsErrorsTest: a successful transfer of 12,345 bytes, then every descriptor
 * of the process in use (under prlimit --nofile), then a channel-layer call whose F_DUPFD fails
 * with EMFILE. Prints what the ErrnoException said: the failure must be the fcntl's own, with 0
 * bytes, never the earlier transfer's syscall and count.
 */
public final class DupFailureChild {
    private DupFailureChild() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        // A pipe end is still duplicated for a transfer (sockets and JDK FileChannels are held
        // without one); the pipe holds the three transfers' 24,790 bytes without a reader.
        Pipe pipe = Pipe.open();
        try (FileChannel src = FileChannel.open(file); Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            System.out.println("first=" + ZeroCopyChannels.transferTo(src, 0, 12345, sink));
            report("warm", () -> NativeZeroCopy.sendfile(-1, -1, 0, 1)); // loads the error path's classes
            loadLibraryClasses(); // a full fd table cannot open a class file: load them all now
            System.out.println("second=" + ZeroCopyChannels.transferTo(src, 0, 12345, sink));
            List<FileChannel> filler = new ArrayList<>();
            fill(filler);
            System.out.println("filled=" + filler.size());
            fill(filler); // again right before each call: the JVM may have closed an fd of its own meanwhile
            report("transferTo", () -> ZeroCopyChannels.transferTo(src, 0, 100, sink));
            fill(filler);
            report("wrap", () -> ZeroCopyFileChannel.wrap(src));
            for (FileChannel f : filler) {
                f.close();
            }
        }
        System.out.println("done=true");
    }

    /** Opens /dev/null until the descriptor table is full. */
    private static void fill(List<FileChannel> filler) {
        try {
            while (true) {
                filler.add(FileChannel.open(Path.of("/dev/null")));
            }
        } catch (IOException full) {
            // EMFILE: no free descriptor is left
        }
    }

    /** Loads (without initializing) every class of the library, from its classes directory or jar. */
    private static void loadLibraryClasses() throws Exception {
        Path where = Path.of(NativeZeroCopy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(where)) {
            try (Stream<Path> files = Files.walk(where.resolve("dev/zerocopy"), 1)) {
                files.filter(f -> f.toString().endsWith(".class"))
                        .forEach(f -> names.add(where.relativize(f).toString()));
            }
        } else {
            try (JarFile jar = new JarFile(where.toFile())) {
                jar.stream().map(JarEntry::getName).filter(n -> n.startsWith("dev/zerocopy/") && n.endsWith(".class")
                        && n.indexOf('/', "dev/zerocopy/".length()) < 0).forEach(names::add);
            }
        }
        for (String n : names) {
            Class.forName(n.substring(0, n.length() - ".class".length()).replace('/', '.'), false,
                    DupFailureChild.class.getClassLoader());
        }
        System.out.println("preloaded=" + names.size());
    }

    interface Call {
        Object call() throws Exception;
    }

    private static void report(String name, Call call) {
        try {
            System.out.println(name + ".result=" + call.call());
        } catch (ErrnoException e) {
            System.out.println(name + ".errno=" + e.errnoName());
            System.out.println(name + ".syscall=" + e.syscall());
            System.out.println(name + ".bytes=" + e.bytesTransferred());
            System.out.println(name + ".message=" + e.getMessage());
        } catch (Exception e) {
            System.out.println(name + ".threw=" + e);
        }
    }
}
