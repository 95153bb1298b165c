package dev.zerocopy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of target/native-zerocopy-cli.jar. */
@Command(name = "native-zerocopy-cli", mixinStandardHelpOptions = true, version = "native-zerocopy 0.1.0",
        description = "Linux zero-copy paths (sendfile, splice, mmap+write, copy_file_range) from Java.",
        subcommands = {CompareCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code: 0 done, 1 failed, 2 bad usage. */
    public static int run(String... args) {
        System.setProperty("java.awt.headless", "true"); // the chart is drawn without a display
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command, e.g. 'compare'");
    }
}
