package dev.parasim.exec.spark;

import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.PipelineExperiments;
import dev.parasim.spec.Experiment;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The executed pipelines the pipeline tests check, each run once per test JVM (with the single-rank
 * reference) and shared: pp 2 and 4 under every schedule; dp 2 × pp 2 1F1B with DDP and ZeRO-1, dp 4 × pp 2
 * 1F1B, and dp 2 × pp 2 interleaved with ZeRO-1; and uneven stages (default and explicit splits, 1F1B, interleaved,
 * ZB-H1, ZeRO-3).
 */
final class PipelineRuns {
    private PipelineRuns() {}

    /**
     * One pipelined plan of the tiny GPT (L layers, m micro-batches per replica, fp32), its virtual stages holding
     * {@code stageLayers} layers each (empty: the plan's default split, uneven when pp·chunks does not divide L).
     */
    record Config(int layers, int dp, int pp, String schedule, int chunks, int zero, int m, List<Integer> stageLayers) {
        Config(int layers, int dp, int pp, String schedule, int chunks, int zero, int m) {
            this(layers, dp, pp, schedule, chunks, zero, m, List.of());
        }

        Experiment experiment() { return PipelineExperiments.tiny(layers, dp, pp, schedule, chunks, zero, m, stageLayers); }

        @Override
        public String toString() {
            return "dp" + dp + "·pp" + pp + " " + schedule + (chunks > 1 ? " v" + chunks : "") + " zero" + zero + " L" + layers + " m" + m
                    + (stageLayers.isEmpty() ? "" : " split " + stageLayers);
        }
    }

    static final List<Config> ALL = List.of(
            new Config(2, 1, 2, "gpipe", 1, 0, 4), new Config(4, 1, 4, "gpipe", 1, 0, 4),
            new Config(2, 1, 2, "1f1b", 1, 0, 2), new Config(4, 1, 4, "1f1b", 1, 0, 4),
            new Config(4, 1, 2, "interleaved", 2, 0, 4), new Config(8, 1, 4, "interleaved", 2, 0, 4),
            new Config(2, 1, 2, "zb-h1", 1, 0, 2), new Config(4, 1, 4, "zb-h1", 1, 0, 4),
            new Config(2, 2, 2, "1f1b", 1, 0, 2), new Config(2, 2, 2, "1f1b", 1, 1, 2),
            new Config(2, 4, 2, "1f1b", 1, 0, 2), new Config(4, 2, 2, "interleaved", 2, 1, 2),
            // Uneven stages: the default split of 5 layers on 2 stages (3, 2) and of 7 on 2 × 2 chunks (2, 2, 2, 1),
            // an explicit one (1, 3) under ZB-H1, and the default one of 5 on 3 stages (2, 2, 1) with ZeRO-3.
            new Config(5, 1, 2, "1f1b", 1, 0, 2), new Config(7, 1, 2, "interleaved", 2, 0, 4),
            new Config(4, 1, 2, "zb-h1", 1, 0, 2, List.of(1, 3)), new Config(5, 2, 3, "1f1b", 1, 3, 3));

    static List<Config> all() { return ALL; }

    private static final Map<Config, ExecutedResult> RESULTS = new HashMap<>();

    /** {@return the executed result of {@code c}, run in process the first time it is asked for} */
    static synchronized ExecutedResult result(Config c) {
        return RESULTS.computeIfAbsent(c, k -> {
            Experiment e = k.experiment();
            ExecutedResult r = ExecutedRun.inProcess(e, e.plans().get(0), ExecutedRun.Options.DEFAULT);
            System.out.printf("%s: diff %.3g losses %s ref %s, %d supersteps/step, %.2f s%n", k,
                    r.maxRelativeParamDiffVsSingleRank(), r.losses(), r.singleRankLosses(), r.superstepsPerStep(), r.seconds());
            return r;
        });
    }
}
