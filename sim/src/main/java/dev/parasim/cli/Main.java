package dev.parasim.cli;

import dev.parasim.spec.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code sim} command line. Only this package exits the JVM; bad input exits 2, failures 1. */
@Command(name = "sim", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "ParaSim: memory, communication and step time of distributed LLM training plans.",
        subcommands = {PredictCommand.class, RunCommand.class, ReportCommand.class, ValidateCommand.class, SweepCommand.class,
                CalibrateCommand.class, BenchCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    public static final int SPEC_ERROR = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No verb: the usage goes to stderr and the exit code is 2, as for any other malformed command line. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return SPEC_ERROR;
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line with the given streams; returns the exit code (used by tests too). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof SpecException) {
                line.getErr().println(e.getMessage());
                line.getErr().flush();
                return SPEC_ERROR;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
