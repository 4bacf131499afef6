package dev.parasim.bench;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.timeline.Timelines;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Timeline simulations per second for GPT-3 175B on 1,024 A100s (dp 16, tp 8, pp 8, 64 micro-batches),
 * per schedule. Prints numbers; asserts nothing.
 */
public final class TimelineBenchmark {
    static final String PLAN = """
            name: timeline-bench
            model: {preset: gpt3-175b}
            cluster: {preset: dgx-a100-80g, nodes: 128}
            training: {globalBatch: 1024, microBatch: 1, precision: bf16-mixed, recompute: selective}
            plans:
              - {name: 1f1b, dp: 16, tp: 8, pp: 8, sequenceParallel: true}
              - {name: gpipe, dp: 16, tp: 8, pp: 8, schedule: gpipe, sequenceParallel: true}
              - {name: interleaved-v4, dp: 16, tp: 8, pp: 8, schedule: interleaved, chunks: 4, sequenceParallel: true}
              - {name: zb-h1, dp: 16, tp: 8, pp: 8, schedule: zb-h1, sequenceParallel: true}
            """;

    private TimelineBenchmark() {}

    public static void run(PrintWriter out, double seconds) {
        Experiment e = SpecLoader.parse(PLAN, List.of());
        out.printf(Locale.ROOT, "timeline: %s, %d GPUs, %d micro-batches, one representative rank per stage%n",
                e.model().name(), e.cluster().gpus(), e.microBatches(e.plans().get(0)));
        for (var plan : e.plans()) {
            long deadline = System.nanoTime() + (long) (seconds * 1e9 / 4);
            for (int i = 0; i < 20; i++) Timelines.of(e, plan);   // warm-up
            long start = System.nanoTime();
            int runs = 0;
            double step = 0;
            while (System.nanoTime() < deadline || runs < 10) {
                step = Timelines.of(e, plan).stepSeconds();
                runs++;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "  %-15s %8.0f simulations/s  (%.3f ms each; step %.3f s)%n", plan.name(), runs / elapsed,
                    1e3 * elapsed / runs, step);
            out.flush();
        }
    }
}
