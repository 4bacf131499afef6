package dev.parasim;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;

import java.util.List;

/** Small experiments for tests, written as the YAML a user would write. */
public final class Fixtures {
    private Fixtures() {}

    public static Experiment experiment(String yaml, String... overrides) {
        return SpecLoader.parse(yaml, List.of(overrides));
    }

    /** GPT-3 175B on 64 DGX A100 nodes with the plans of the README example. */
    public static final String GPT3 = """
            name: gpt3
            model: {preset: gpt3-175b}
            cluster: {preset: dgx-a100-80g, nodes: 64}
            training: {globalBatch: 1536, microBatch: 1, precision: bf16-mixed, recompute: selective}
            plans:
              - {name: ddp, dp: 512}
              - {name: zero3, dp: 512, zero: 3}
              - {name: 3d, dp: 8, tp: 8, pp: 8, schedule: interleaved, chunks: 2, sequenceParallel: true}
            """;
}
