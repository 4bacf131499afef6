package dev.parasim.cli;

import dev.parasim.spec.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code sim} command line. Only this package exits the JVM; bad input exits 2, failures 1. */
@Command(name = "sim", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "ParaSim: memory, communication and step time of distributed LLM training plans.",
        subcommands = {PredictCommand.class, RunCommand.class, ReportCommand.class, ValidateCommand.class, SweepCommand.class,
                CalibrateCommand.class, BenchCommand.class, ExplainCommand.class, BookCommand.class})
public final class Main implements Runnable {
    public static final int SPEC_ERROR = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
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
