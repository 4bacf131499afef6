package dev.parasim.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The README's main job ({@code sim run} of the showcase and the tiny GPT's executed experiments) once, in a cold
 * JVM, the way {@link EndToEndBenchmark} starts commands: its wall-clock seconds (the target is at most 60 s on a
 * 2-core machine) and, per executed plan, the line {@code sim run} prints with its supersteps per step, those that
 * went through Spark after the first step, its seconds and its milliseconds per superstep.
 * Asserts nothing; runs of a minute each, so it is its own benchmark.
 */
public final class MainJobBenchmark {
    private MainJobBenchmark() {}

    /**
     * Runs the job {@code reps} times, one after the other: each run's seconds, then their median against the target and
     * the executed plans' lines of the run closest to it (on a busy or noisy machine one run says little:
     * a 2-vCPU VM moved the same job by ±7 s).
     */
    public static void run(PrintWriter out, Class<?> cli, Path experiments, int reps) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("run", experiments.resolve("showcase-llama2-70b.yaml").toString()));
        try (Stream<Path> files = Files.list(experiments)) {
            files.map(Path::toString).filter(f -> f.matches(".*/tiny-gpt-[^/]*executed\\.yaml")).sorted().forEach(args::add);
        }
        Path dir = Files.createTempDirectory("parasim-bench-main");
        args.addAll(List.of("--out", dir.toString()));
        String how = EndToEndBenchmark.launcher() == null ? "" : " through scripts/sim";
        try {
            List<String> command = EndToEndBenchmark.command(cli, EndToEndBenchmark.launcher(), args);
            double[] seconds = new double[reps];
            List<List<String>> plans = new ArrayList<>();
            for (int i = 0; i < reps; i++) {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
                long start = System.nanoTime();
                Process process = builder.start();
                List<String> lines = new ArrayList<>();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) if (line.contains("ms per superstep")) lines.add(line.strip());
                }
                int exit = process.waitFor();
                seconds[i] = (System.nanoTime() - start) / 1e9;
                if (exit != 0) throw new UncheckedIOException(new IOException("sim " + String.join(" ", args) + " exited with " + exit));
                plans.add(lines);
                if (reps > 1) out.printf(Locale.ROOT, "main job run %d of %d: %.1f s%n", i + 1, reps, seconds[i]);
                out.flush();
            }
            double median = EndToEndBenchmark.median(seconds);
            int closest = 0;
            for (int i = 1; i < reps; i++) if (Math.abs(seconds[i] - median) < Math.abs(seconds[closest] - median)) closest = i;
            out.printf(Locale.ROOT, "main job (README's first command), cold JVM%s: %.1f s%s (target ≤ 60 s)%n", how, median,
                    reps > 1 ? ", the median of " + reps + " runs; the executed plans of run " + (closest + 1) : "");
            plans.get(closest).forEach(p -> out.println("  " + p));
            out.flush();
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
