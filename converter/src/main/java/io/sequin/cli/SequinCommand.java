package io.sequin.cli;

import io.sequin.convert.Converter;
import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

/**
 * The {@code sequin} command line. Exit codes: 0 success, 2 usage error, 1 any other failure,
 * with one line on stderr that names the problem (and a stack trace with {@code --verbose}).
 */
@Command(name = "sequin",
        mixinStandardHelpOptions = true,
        versionProvider = SequinCommand.Version.class,
        description = "Converts recurrent models (LSTM, GRU, RNN) to Sequin's .sqn format and runs them.",
        subcommands = {ConvertCommand.class, InspectCommand.class, RunCommand.class, BenchCommand.class, DemoCommand.class})
public final class SequinCommand implements Runnable {
    /** The version this build reports and writes into the files it converts. */
    public static final String VERSION = Converter.VERSION;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of failures.")
    boolean verbose;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required: convert, inspect, run, bench or demo");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code; for tests and embedding. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        quietLogging(Arrays.asList(args).contains("--verbose"));
        SequinCommand top = new SequinCommand();
        CommandLine cli = new CommandLine(top);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("sequin: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (top.verbose) {
                e.printStackTrace(err);
            }
            err.println("sequin: " + Failures.describe(e));
            err.flush();
            return 1;
        });
        return cli.execute(args);
    }

    /**
     * The runtime logs a fall-back to the scalar kernels at INFO, and problems at WARNING; the
     * command line shows INFO lines, each in one line, only with --verbose, so that stderr
     * otherwise carries nothing but failures. With --verbose it also logs the kernels in use at
     * CONFIG, which the runtime does not (it names them, {@link KernelSelection#describe}, but a
     * logger would set up a fresh JVM's logging on the way to the first step).
     */
    private static void quietLogging(boolean verbose) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "sequin: %5$s%6$s%n");
        }
        Logger.getLogger("io.sequin").setLevel(verbose ? Level.CONFIG : Level.WARNING);
        if (verbose) {
            // The console handler passes INFO and above unless told otherwise.
            for (Handler h : Logger.getLogger("").getHandlers()) {
                if (h.getLevel().intValue() > Level.CONFIG.intValue()) {
                    h.setLevel(Level.CONFIG);
                }
            }
            // Not after a fall-back to the scalar kernels, which the runtime has logged itself.
            if (!KernelSelection.defaultFellBack()) {
                Logger.getLogger("io.sequin.kernel").config("Sequin kernels: " + KernelSelection.describe(KernelSelection.defaultKernels()));
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sequin " + VERSION + " (model format " + Model.supportedFormatVersion()
                    + ", Java " + System.getProperty("java.version") + ")"};
        }
    }
}
