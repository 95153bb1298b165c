package dev.zerocopy.lab;

import java.io.FileInputStream;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.zerocopy.Fds;
import jnr.ffi.LibraryLoader;

/**
 * A thread that lives in a named network namespace: it calls setns(2) on itself first (a network
 * namespace belongs to a thread, and a JVM thread is one kernel thread), then runs the tasks given
 * to it. Sockets it creates belong to that namespace for life.
 */
final class Netns implements AutoCloseable {
    /** CLONE_NEWNET from sched.h: setns(2) checks the fd is a network namespace. */
    private static final int CLONE_NEWNET = 0x40000000;

    /** libc functions the shim does not wrap; errno is kept (no IgnoreError) for the failure message. */
    public interface LibC {
        int setns(int fd, int nstype);
    }

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    }

    private final String name;
    private final ExecutorService thread;

    Netns(String name) throws IOException {
        this.name = name;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + name);
            t.setDaemon(true);
            return t;
        });
        try {
            call(() -> {
                enter(name);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            thread.shutdownNow();
            throw e;
        }
    }

    private static void enter(String name) throws IOException {
        // ip netns add bind-mounts the namespace here (ip-netns(8)).
        try (FileInputStream ns = new FileInputStream("/var/run/netns/" + name)) {
            int fd = Fds.of(ns.getFD());
            if (Holder.LIBC.setns(fd, CLONE_NEWNET) != 0) {
                int errno = jnr.ffi.Runtime.getRuntime(Holder.LIBC).getLastError();
                throw new IOException("setns(" + name + ", CLONE_NEWNET) failed: errno " + errno);
            }
        }
    }

    /** Runs task on this namespace's thread and returns its result. */
    <T> T call(Callable<T> task) throws IOException {
        Future<T> f = thread.submit(task);
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new IOException("interrupted in netns " + name, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("in netns " + name + ": " + c, c);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            throw new IOException("timed out in netns " + name, e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
