package dev.parasim.cli;

import dev.parasim.spark.SparkFailure;
import dev.parasim.spec.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;

/**
 * The {@code sim} command line. Only this package exits the JVM. Exit codes: 0 done; 2 bad input (a spec, a CSV,
 * an option, a usage error: one line on stderr, nothing written); 3 Spark failed (could not start, or lost its
 * cluster: one line); 4 an output could not be written (one line naming the file); 5 the verb ran past its
 * wall-clock limit ({@link TimeLimit}: one line, nothing written); 1 an internal error (a bug, with its stack trace).
 */
@Command(name = "sim", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "ParaSim: memory, communication and step time of distributed LLM training plans.",
        subcommands = {PredictCommand.class, RunCommand.class, ReportCommand.class, ValidateCommand.class, SweepCommand.class,
                CalibrateCommand.class, BenchCommand.class, ExplainCommand.class, BookCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    public static final int SPEC_ERROR = 2;
    /** Usage errors (unknown option, missing parameter, bad number) are bad input too. */
    public static final int USAGE_ERROR = SPEC_ERROR;
    public static final int SPARK_FAILURE = 3;
    public static final int IO_FAILURE = 4;
    public static final int TIME_LIMIT = 5;
    /** A well-formed plan the executor does not run ({@code exec.NotExecutable}): {@code predict} still evaluates it. */
    public static final int NOT_EXECUTABLE = 6;
    static final int MAX_LINE_CHARS = 400;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--time-limit", paramLabel = "SECONDS", scope = CommandLine.ScopeType.INHERIT,
            description = "Stop with exit code 5 and nothing written after this many seconds of wall-clock time "
                    + "(default: 14400 for run, sweep and bench; 3600 for calibrate, report, validate and book; 600 otherwise).")
    Double timeLimit;

    /** No verb: the usage goes to stderr and the exit code is 2, as for any other malformed command line. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return SPEC_ERROR;
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                () -> System.exit(TIME_LIMIT)));
    }

    /** Runs one command line with the given streams; returns the exit code (used by tests too: no time limit). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, out, err, null);
    }

    /** As {@link #execute(String[], PrintWriter, PrintWriter)}, with the verb's wall-clock limit ending in {@code expiry}. */
    static int execute(String[] args, PrintWriter out, PrintWriter err, TimeLimit.Expiry expiry) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, arguments) -> {
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            return oneLine(e.getCommandLine().getErr(), command + ": " + e.getMessage() + " (see '" + command + " --help')", USAGE_ERROR);
        });
        cli.setExecutionExceptionHandler((e, line, parsed) -> failure(e, line.getErr()));
        cli.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult leaf = parsed;
            while (leaf.hasSubcommand()) leaf = leaf.subcommand();
            Double seconds = leaf.matchedOptionValue("--time-limit", null);
            String command = leaf.commandSpec().qualifiedName();
            if (seconds != null && !(seconds > 0 && seconds <= 1e7))
                throw new CommandLine.ParameterException(leaf.commandSpec().commandLine(),
                        "--time-limit: must be a number of seconds in (0, 1e7], found " + seconds);
            if (expiry == null) return new CommandLine.RunLast().execute(parsed);
            double limit = seconds != null ? seconds : TimeLimit.defaultSeconds(leaf.commandSpec().name());
            try (TimeLimit guard = TimeLimit.start(command, limit, cli.getErr(), expiry)) {
                return new CommandLine.RunLast().execute(parsed);
            }
        });
        return cli.execute(args);
    }

    /**
     * {@return the exit code of a command that threw {@code e}}, after one line on {@code err}: spec errors, Spark
     * failures and unwritable outputs; anything else is a bug and is rethrown (exit 1 with its stack trace)
     */
    static int failure(Exception e, PrintWriter err) throws Exception {
        if (e instanceof SpecException) {
            err.println(e.getMessage());   // one line per problem, values abridged
            err.flush();
            return SPEC_ERROR;
        }
        if (e instanceof dev.parasim.exec.NotExecutable) {
            err.println(e.getMessage());   // the same one line per problem as a spec error
            err.flush();
            return NOT_EXECUTABLE;
        }
        Throwable spark = cause(e, SparkFailure.class, org.apache.spark.SparkException.class);
        if (spark != null) {
            Throwable root = spark instanceof SparkFailure && spark.getCause() != null ? spark.getCause() : spark;
            String because = root == spark ? "" : ": " + root.getClass().getSimpleName() + " " + root.getMessage();
            return oneLine(err, "spark: " + spark.getMessage() + because, SPARK_FAILURE);
        }
        Throwable io = cause(e, IOException.class);
        if (io != null)
            return oneLine(err, (io instanceof FileSystemException f && f.getFile() != null ? f.getFile() : "output")
                    + ": could not be written, found " + io.getClass().getSimpleName() + " " + io.getMessage(), IO_FAILURE);
        throw e;
    }

    /** Prints the first line of {@code message}, control characters escaped and abridged, to stderr; returns {@code code}. */
    private static int oneLine(PrintWriter err, String message, int code) {
        String first = message == null ? "failed" : message.lines().findFirst().orElse("failed");
        err.println(SpecException.printable(first, MAX_LINE_CHARS));
        err.flush();
        return code;
    }

    @SafeVarargs
    private static Throwable cause(Throwable e, Class<? extends Throwable>... kinds) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause())
            for (Class<? extends Throwable> kind : kinds) if (kind.isInstance(t)) return t;
        return null;
    }
}
