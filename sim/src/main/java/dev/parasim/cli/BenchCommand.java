package dev.parasim.cli;

import dev.parasim.bench.TimelineBenchmark;
import dev.parasim.spec.SpecException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code sim bench NAME}: benchmarks that print numbers (performance targets live here, not in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark and print its numbers: timeline, sweep, e2e, main, allreduce.")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "benchmark: timeline | sweep | e2e | main | allreduce")
    String name;

    @Option(names = "--seconds", description = "measuring time (default 8)")
    double seconds = 8;

    @Option(names = "--cores", description = "sweep: measure on 1..N local cores (default 2)")
    int cores = 2;

    @Option(names = "--reps", description = "e2e: cold runs of each command, the medians printed; main: runs of the job, the median "
            + "printed; sweep: interleaved rounds of the million-candidate sweep on 1..N cores, the median speed-up printed "
            + "(default 3)")
    int reps = 3;

    static final int MAX_CORES = 256;
    static final int MAX_REPS = 100;
    static final double MAX_SECONDS = 3600;

    @Option(names = "--sweep", description = "e2e: the sweep to time (default configs/sweeps/gpt3-1024-a100.yaml)")
    java.nio.file.Path sweep = java.nio.file.Path.of("configs/sweeps/gpt3-1024-a100.yaml");

    @Option(names = "--experiment", description = "e2e: the experiment to predict (default configs/experiments/gpt3-on-a100.yaml); main: the "
            + "showcase and tiny-gpt-*executed experiments are read from its directory")
    java.nio.file.Path experiment = java.nio.file.Path.of("configs/experiments/gpt3-on-a100.yaml");

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException, InterruptedException {
        var out = spec.commandLine().getOut();
        if (!List.of("timeline", "sweep", "e2e", "main", "allreduce").contains(name))
            throw new SpecException("bench", "must be one of timeline|sweep|e2e|main|allreduce", name);
        if (reps < 1 || reps > MAX_REPS) throw new SpecException("--reps", "must be in 1.." + MAX_REPS, reps);
        if (cores < 1 || cores > MAX_CORES) throw new SpecException("--cores", "must be in 1.." + MAX_CORES, cores);
        if (!(seconds > 0 && seconds <= MAX_SECONDS))
            throw new SpecException("--seconds", "must be in (0, " + (int) MAX_SECONDS + "]", seconds);
        switch (name) {
            case "timeline" -> TimelineBenchmark.run(out, seconds);
            case "sweep" -> dev.parasim.bench.SweepBenchmark.run(out, cores, reps);
            case "e2e" -> dev.parasim.bench.EndToEndBenchmark.run(out, Main.class, sweep, experiment, reps);
            case "main" -> dev.parasim.bench.MainJobBenchmark.run(out, Main.class, experiment.toAbsolutePath().getParent(), reps);
            case "allreduce" -> dev.parasim.exec.bench.AllReduceBenchmark.run(out, dev.parasim.spark.SparkSessions.context(null), 0);
            default -> throw new IllegalStateException("unchecked benchmark " + name);
        }
        return 0;
    }
}
