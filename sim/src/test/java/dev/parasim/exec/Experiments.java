package dev.parasim.exec;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;

import java.util.List;

/** Tiny experiments for executed-run tests: a 2-layer GPT (h 16, 2 heads, V 32, s 8) on nodes of 2 ranks (1 for odd dp). */
public final class Experiments {
    private Experiments() {}

    /**
     * {@return an experiment with one plan of {@code dp} ranks and ZeRO {@code zero}, m micro-batches of 2
     * sequences per rank, 3 steps at the default learning rate 1e-3}
     */
    public static Experiment tiny(int dp, int zero, int m, String precision, boolean fp64, double bucketMB) {
        return tiny(dp, zero, m, precision, fp64, bucketMB, 3);
    }

    /** {@return the same experiment with {@code steps} optimizer steps} */
    public static Experiment tiny(int dp, int zero, int m, String precision, boolean fp64, double bucketMB, int steps) {
        String yaml = """
                name: exec-test
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: %d, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: %s, bucketMB: %s}
                plans:
                  - {name: zero%d-dp%d, dp: %d, zero: %d}
                execute: {steps: %d, seed: 11, learningRate: 0.001, fp64: %s}
                """.formatted(dp % 2 == 0 ? 2 : 1, dp % 2 == 0 ? dp / 2 : dp, dp * m * 2, precision, bucketMB, zero, dp, dp, zero, steps, fp64);
        return SpecLoader.parse(yaml, List.of());
    }
}
