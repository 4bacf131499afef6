package dev.parasim.memory;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Context parallelism splits the sequence: a rank of a cp = c plan at sequence c·S holds the same b·S tokens as a rank
 * of a cp = 1 plan at sequence S, so with the same data-parallel group (dp·cp ranks), the same micro-batches and a model
 * whose parameters do not grow with the sequence (Llama: rotary positions) and whose attention keeps no s² scores
 * (flash), it holds the same activations and the same communication buffers but for ring attention's K/V blocks
 * ({@link ContextParallelRing}): four blocks of 2·S·kvWidth/t more where a layer's backward peaks (ZeRO-1 with TP, a
 * pipeline's boundaries), none where the head's unit does (ZeRO-3 here: Llama 3's 128K-word head, gathered with its
 * gradient, outweighs a layer). The buffers had counted the whole
 * sequence: Llama 3 8B under FSDP on 8 GPUs at 32K tokens a rank held 2.2 GB of them at cp 1 and 18.5, 53.2 and
 * 122.6 GB at cp 2, 4 and 8 (the 131K- and 262K-token plans did not fit), where torchtitan measured the same memory
 * for all four (docs/performance.md, Table 2).
 */
class ContextParallelBuffersTest {

    private static Experiment experiment(int seqLen, int dp, int tp, int pp, int cp, int zero) {
        int gpus = dp * tp * pp * cp;
        String yaml = """
                name: cp-buffers
                model: {preset: llama3-8b, seqLen: %d}
                cluster: {preset: dgx-h100, nodes: %d}
                training: {globalBatch: %d, microBatch: 1, precision: bf16-mixed, optimizer: adam, recompute: full}
                plans:
                  - {name: p, dp: %d, tp: %d, pp: %d, cp: %d, zero: %d, sequenceParallel: %b}
                """.formatted(seqLen, Math.max(1, gpus / 8), 4 * dp, dp, tp, pp, cp, zero, tp > 1);
        return SpecLoader.parse(yaml, List.of());
    }

    /** Each row: the walk that prices the buffers — ZeRO-3 without TP, ZeRO-3 with TP, ZeRO-1 with TP, a pipeline's boundaries. */
    @ParameterizedTest(name = "tp {1}, pp {2}, ZeRO-{3}, cp {0}")
    @CsvSource({
            "2, 1, 1, 3, 0", "4, 1, 1, 3, 0", "8, 1, 1, 3, 0",
            "2, 2, 1, 3, 0", "4, 2, 1, 3, 0",
            "2, 2, 1, 1, 4", "4, 2, 1, 1, 4",
            "2, 1, 2, 1, 4", "4, 1, 2, 1, 4"})
    void aRankHoldsTheBuffersOfItsOwnTokens(int cp, int tp, int pp, int zero, int ringBlocks) {
        int n = 8, seq = 8192;
        Experiment whole = experiment(seq, n, tp, pp, 1, zero), split = experiment(seq * cp, n / cp, tp, pp, cp, zero);
        MemoryBreakdown a = MemoryModel.of(whole, whole.plans().get(0)), b = MemoryModel.of(split, split.plans().get(0));
        assertEquals(a.activationsBytes(), b.activationsBytes(), "activations");
        long block = 2L * 8192 * 1024 / tp * 2;   // K and V of the rank's 8,192 tokens, 8 KV heads of 128 over t, bf16
        assertEquals(block, ContextParallelRing.blockBytes(split.model(), split.plans().get(0), 1, 2), 1e-6);
        assertEquals(a.otherBytes() + ringBlocks * block, b.otherBytes(), "buffers");
        assertEquals(a.peakBytes() + ringBlocks * block, b.peakBytes(), "peak");
    }
}
