package dev.parasim.bench;

import dev.parasim.spec.SpecException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Time to answer: the wall-clock seconds of a whole {@code sim sweep} in a cold JVM (start, evaluation, answers, CSV,
 * charts, report) against a cold {@code sim predict} of one experiment, each a fresh JVM, {@code reps} times in the
 * order predict, sweep; prints the medians and their ratio (the target is at most 6×) and asserts nothing. The sweep
 * runs as a user runs it (in-process, {@link dev.parasim.sweep.InProcessSweep}) and as a Spark job ({@code --engine
 * spark}, what a cluster master runs). Started by {@code scripts/sim}, it times the commands through that launcher, the
 * Spark job also with the opt-in class-data archives ({@code PARASIM_CDS=1}, after one untimed run of each command,
 * which writes them when missing), all modes interleaved; otherwise (spark-submit, a test) it starts {@code java} with
 * this JVM's class path and flags. On a shared machine the seconds move with the load; the ratio moves less, as
 * both sides pay it, and the medians less than single runs.
 */
public final class EndToEndBenchmark {
    private EndToEndBenchmark() {}

    /** The JVM flags of this process that are not passed on: agents, and the launcher's class-data archive of this verb. */
    private static final List<String> NOT_INHERITED = List.of("-agentlib", "-javaagent", "-XX:SharedArchiveFile",
            "-XX:ArchiveClassesAtExit", "-Xshare", "-Xlog:cds", "-XX:ErrorFile");

    public static void run(PrintWriter out, Class<?> cli, Path sweep, Path experiment, int reps) throws IOException, InterruptedException {
        for (Path p : List.of(sweep, experiment))
            if (!Files.isRegularFile(p)) throw new SpecException(p.toString(), "must be an existing file", "no such file");
        Path dir = Files.createTempDirectory("parasim-bench-e2e");
        List<String> predict = List.of("predict", experiment.toString());
        List<String> sweepArgs = List.of("sweep", sweep.toString(), "--out", dir.toString(), "--date", "2026-01-01T00:00:00Z");
        String launcher = launcher();
        try {
            out.printf(Locale.ROOT, "end to end, a cold JVM each, %d runs of each, medians: predict %s, sweep %s%n", reps,
                    experiment.getFileName(), sweep.getFileName());
            // The default evaluates this small sweep in-process; the Spark job is what a cluster master or --parquet runs.
            List<String> spark = new ArrayList<>(sweepArgs);
            spark.addAll(List.of("--engine", "spark"));
            if (launcher != null) {     // writes the class-data archives when missing (the sweep's with Spark's classes)
                cold(cli, launcher, "1", predict);
                cold(cli, launcher, "1", spark);
            }
            List<Mode> modes = launcher == null
                    ? List.of(new Mode("java (no launcher), default (in-process)", "0", sweepArgs),
                              new Mode("java (no launcher), --engine spark", "0", spark))
                    : List.of(new Mode("scripts/sim, default (in-process)          ", "0", sweepArgs),
                              new Mode("scripts/sim, --engine spark                ", "0", spark),
                              new Mode("scripts/sim, --engine spark, PARASIM_CDS=1 ", "1", spark));
            double[][] p = new double[modes.size()][reps], s = new double[modes.size()][reps];
            for (int i = 0; i < reps; i++)      // the modes interleaved, so that a change of load hits them all
                for (int m = 0; m < modes.size(); m++) {
                    p[m][i] = cold(cli, launcher, modes.get(m).cds(), predict);
                    s[m][i] = cold(cli, launcher, modes.get(m).cds(), modes.get(m).sweep());
                }
            for (int m = 0; m < modes.size(); m++)
                out.printf(Locale.ROOT, "  %s: predict %.2f s, sweep %.2f s, sweep / predict %.1f× (target ≤ 6×)%n", modes.get(m).name(),
                        median(p[m]), median(s[m]), median(s[m]) / median(p[m]));
            out.println("  on a shared machine the seconds are noisy, the ratio less so");
            out.flush();
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** One way of running the sweep: its label, {@code PARASIM_CDS} and the sweep's arguments. */
    private record Mode(String name, String cds, List<String> sweep) {}

    /** {@return the median of {@code values}} */
    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** {@return the launcher that started this JVM ({@code scripts/sim} exports it), or null} */
    static String launcher() {
        String l = System.getenv("PARASIM_LAUNCHER");
        return l != null && Files.isExecutable(Path.of(l)) ? l : null;
    }

    /**
     * {@return the seconds a fresh JVM takes to run the CLI entry point {@code cli} with {@code args}}, through
     * {@code launcher} (null: {@code java} directly) with {@code PARASIM_CDS=cds}; its output is discarded
     */
    static double cold(Class<?> cli, String launcher, String cds, List<String> args) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command(cli, launcher, args)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("PARASIM_CDS", cds);
        long start = System.nanoTime();
        int exit = builder.start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit != 0) throw new UncheckedIOException(new IOException("sim " + String.join(" ", args) + " exited with " + exit));
        return seconds;
    }

    /** {@return the command running the CLI entry point {@code cli} with {@code args} through {@code launcher}, or java when null} */
    static List<String> command(Class<?> cli, String launcher, List<String> args) {
        List<String> command = new ArrayList<>();
        if (launcher != null) {
            command.add(launcher);
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments())
                if (NOT_INHERITED.stream().noneMatch(flag::startsWith)) command.add(flag);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), cli.getName()));
        }
        command.addAll(args);
        return command;
    }
}
