package dev.zerocopy.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on stderr, drawn in place on a terminal once the run has taken more than a
 * couple of seconds; elsewhere (a log, CI) a plain line every ten seconds.
 */
final class Progress implements Comparison.Listener {
    enum Mode { AUTO, ALWAYS, NEVER }

    private static final long QUIET_NANOS = 2_000_000_000L;
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long LOG_NANOS = 10_000_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream err;
    private final long total;
    private final boolean enabled;
    private final boolean inPlace;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;
    private boolean drawn;

    Progress(PrintStream err, long total, Mode mode) {
        this.err = err;
        this.total = Math.max(1, total);
        this.enabled = mode != Mode.NEVER;
        this.inPlace = mode == Mode.ALWAYS || (mode == Mode.AUTO && isTerminal());
    }

    /** Whether stderr likely is a terminal: System.console() (and Console.isTerminal() on JDK 22+). */
    private static boolean isTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true; // JDK 17-21: a console exists only when attached to a terminal
        }
    }

    @Override
    public void step(Comparison.Row row) {
        done++;
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        long elapsed = now - start;
        if (elapsed < QUIET_NANOS) {
            return;
        }
        if (inPlace) {
            if (now - lastDraw >= REDRAW_NANOS || done == total) {
                int filled = (int) (WIDTH * done / total);
                String what = row.target.name() + " " + Sizes.format(row.size) + " " + row.contender.id();
                err.print(String.format(Locale.ROOT, "\r[%s%s] %3d%% %4ds  %-40s", "#".repeat(filled),
                        ".".repeat(WIDTH - filled), 100 * done / total, elapsed / 1_000_000_000L, what));
                err.flush();
                lastDraw = now;
                drawn = true;
            }
        } else if (now - lastDraw >= LOG_NANOS) {
            err.println(String.format(Locale.ROOT, "compare: %d%% after %d s", 100 * done / total, elapsed / 1_000_000_000L));
            lastDraw = now;
        }
    }

    /** Clears the bar so the table starts on a clean line. */
    void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
            err.flush();
        }
    }
}
