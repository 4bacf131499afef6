package dev.parasim.bench;

import dev.parasim.spec.SpecException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Time to answer: the wall-clock seconds of a whole {@code sim sweep} in a cold JVM (start, Spark session,
 * evaluation, answers, Parquet, CSV, charts, report) against a cold {@code sim predict} of one experiment,
 * each a fresh JVM with this one's class path and flags, in the order predict, sweep, predict. Prints the
 * seconds and the ratio of the sweep to the mean predict (the target is at most 6×); asserts nothing. On a
 * shared machine the seconds move with the load; the ratio moves less, as both sides pay it.
 */
public final class EndToEndBenchmark {
    private EndToEndBenchmark() {}

    public static void run(PrintWriter out, Class<?> cli, Path sweep, Path experiment) throws IOException, InterruptedException {
        for (Path p : List.of(sweep, experiment))
            if (!Files.isRegularFile(p)) throw new SpecException(p.toString(), "must be an existing file", "no such file");
        Path dir = Files.createTempDirectory("parasim-bench-e2e");
        try {
            double predictBefore = cold(cli, List.of("predict", experiment.toString()));
            double sweepSeconds = cold(cli, List.of("sweep", sweep.toString(), "--out", dir.toString(), "--date", "2026-01-01T00:00:00Z"));
            double predictAfter = cold(cli, List.of("predict", experiment.toString()));
            double predict = (predictBefore + predictAfter) / 2;
            out.printf(Locale.ROOT, "end to end, cold JVM each: predict %s %.2f s and %.2f s (before and after), sweep %s %.2f s%n",
                    experiment.getFileName(), predictBefore, predictAfter, sweep.getFileName(), sweepSeconds);
            out.printf(Locale.ROOT, "  sweep / predict: %.1f× (target ≤ 6×); on a shared machine the seconds are noisy, the ratio less so%n",
                    sweepSeconds / predict);
            out.flush();
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** {@return the seconds a fresh JVM takes to run the CLI entry point {@code cli} with {@code args}}; its output is discarded */
    static double cold(Class<?> cli, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!flag.startsWith("-agentlib") && !flag.startsWith("-javaagent")) command.add(flag);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), cli.getName()));
        command.addAll(args);
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int exit = process.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit != 0) throw new UncheckedIOException(new IOException("sim " + String.join(" ", args) + " exited with " + exit));
        return seconds;
    }
}
