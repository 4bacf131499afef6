package dev.parasim.exec;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;

import java.util.List;

/** Tiny pipelined experiments: a GPT of {@code layers} layers (h 16, 2 heads, V 32, s 8), micro-batches of 2 sequences, fp32. */
public final class PipelineExperiments {
    private PipelineExperiments() {}

    /**
     * {@return an experiment with one plan of dp × pp ranks under {@code schedule} (v chunks), ZeRO {@code zero},
     * m micro-batches per replica, on nodes of 2 ranks, 3 steps}
     */
    public static Experiment tiny(int layers, int dp, int pp, String schedule, int chunks, int zero, int m) {
        return tiny(layers, dp, pp, schedule, chunks, zero, m, List.of());
    }

    /** {@link #tiny(int, int, int, String, int, int, int)} with explicit {@code stageLayers} (empty: the default split) */
    public static Experiment tiny(int layers, int dp, int pp, String schedule, int chunks, int zero, int m, List<Integer> stageLayers) {
        String yaml = """
                name: exec-pp-test
                model: {name: tiny-gpt, layers: %d, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32, bucketMB: 0.004}
                plans:
                  - {name: run-%s-dp%d-pp%d-v%d-z%d, dp: %d, pp: %d, schedule: %s, chunks: %d, zero: %d%s}
                execute: {steps: 3, seed: 11, learningRate: 0.001}
                """.formatted(layers, Math.max(1, dp * pp / 2), dp * m * 2, schedule, dp, pp, chunks, zero, dp, pp, schedule,
                chunks, zero, stageLayers.isEmpty() ? "" : ", stageLayers: " + stageLayers);
        return SpecLoader.parse(yaml, List.of());
    }
}
