package dev.zerocopy.testkit;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A cached pool of daemon threads for one test class, shut down after its last test: register it
 * with {@code @RegisterExtension static final DaemonPool POOL = new DaemonPool();}.
 */
public final class DaemonPool implements AfterAllCallback, Executor {
    /**
     * Daemon threads: if a transfer ever hung in native code (the thread cannot be stopped), the
     * test fails on its timeout and the JVM can still exit.
     */
    public static final ThreadFactory DAEMON = r -> {
        Thread t = new Thread(r, "hazard-test");
        t.setDaemon(true);
        return t;
    };

    private final ExecutorService pool = Executors.newCachedThreadPool(DAEMON);

    public <T> Future<T> submit(Callable<T> task) {
        return pool.submit(task);
    }

    public Future<?> submit(Runnable task) {
        return pool.submit(task);
    }

    /** For CompletableFuture.supplyAsync(task, pool). */
    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        pool.shutdownNow();
    }
}
