package dev.parasim.memory;

import dev.parasim.collective.Chunking;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.workload.Parameters;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An out-of-place cross-entropy (PyTorch's {@code F.cross_entropy} on fp32 logits) holds the NLL and log-softmax
 * gradients, 8 B a logit, beside what the stage holds when the head's backward starts: every activation of the
 * micro-batch on a stage that runs it last. Llama 3 8B at 8,192 tokens, micro-batch 2: 8 × 16,384 × 128,256 B =
 * 16.8 GB, over the vocabulary shard under TP. Each walk that prices a stage's buffers adds it there.
 */
class CrossEntropyBuffersTest {
    static final double LOSS = 8.0 * 16384 * 128256;

    private static MemoryBreakdown memory(String plan, String crossEntropy) {
        Experiment e = SpecLoader.parse("""
                name: loss
                model: {preset: llama3-8b}
                cluster: {preset: dgx-h100, nodes: 1}
                training: {globalBatch: 64, microBatch: 2, precision: bf16-mixed, recompute: selective-ops, crossEntropy: %s}
                plans: [%s]
                """.formatted(crossEntropy, plan), List.of());
        return MemoryModel.of(e, e.plans().get(0));
    }

    @Test
    void dataParallelHoldsBothGradientsOverItsActivations() {
        MemoryBreakdown in = memory("{name: ddp, dp: 8}", "in-place"), out = memory("{name: ddp, dp: 8}", "out-of-place");
        assertEquals(in.activationsBytes(), out.activationsBytes());
        assertEquals(Math.round(LOSS), out.otherBytes());   // no boundary buffer on a single stage; DDP's buckets come later
    }

    @Test
    void tensorParallelHoldsThemBesideItsWorkspaceInPlaceOfTheLossSumsRing() {
        MemoryBreakdown in = memory("{name: tp, dp: 1, tp: 8, sequenceParallel: true, zero: 1}", "in-place");
        MemoryBreakdown out = memory("{name: tp, dp: 1, tp: 8, sequenceParallel: true, zero: 1}", "out-of-place");
        long tokens = 16384, ring = 2 * Chunking.shard(2 * tokens, 8) * 4;
        assertEquals(Math.round(LOSS / 8) - ring, out.otherBytes() - in.otherBytes());
    }

    @Test
    void fsdpHoldsThemBesideTheHeadUnitItGathered() {
        MemoryBreakdown out = memory("{name: fsdp, dp: 8, zero: 3}", "out-of-place");
        ExperimentUnits head = new ExperimentUnits(Parameters.stageUnits(dev.parasim.spec.load.SpecLoader.modelPreset("llama3-8b"), 1, 1, 0));
        // The final norm and the output layer, gathered at 2 B with the AllGather's last received chunk.
        double gathered = (Chunking.padded(head.last(), 8) + Chunking.shard(head.last(), 8)) * 2.0;
        assertEquals(Math.round(gathered + LOSS), out.otherBytes());
        assertTrue(memory("{name: fsdp, dp: 8, zero: 3}", "in-place").otherBytes() < gathered + LOSS / 10);
    }

    @Test
    void fsdpWithTensorParallelismAddsAtMostTheShardOfBoth() {
        String plan = "{name: fsdp-tp, dp: 4, tp: 2, sequenceParallel: true, zero: 3}";
        long added = memory(plan, "out-of-place").peakBytes() - memory(plan, "in-place").peakBytes();
        // The TP walk meters the gradients over what it holds as the head's backward starts, before the head unit's
        // gradient; its earlier peak was lower (it had held that gradient and the next unit's gathers).
        assertTrue(added > LOSS / 2 * 0.8 && added <= LOSS / 2, "added " + added);
    }

    private record ExperimentUnits(long[] units) {
        long last() { return units[units.length - 1]; }
    }

    /**
     * ZB-H1 on two stages, with a vocabulary large enough (262,144 words at 16,384 tokens: 34.4 GB) that the loss's
     * backward sets the last stage's peak: ZeRO-1's boundaries walk holds the gradients at the stage's activation peak in
     * place of its received input (b·s·h at 2 B), ZeRO-2's and ZeRO-3's unit walks at the head's B, over less than that
     * peak (W's inputs pending come later); the first stage holds no loss.
     */
    @Test
    void zeroBubblePipelinesHoldThemOnTheLastStage() {
        double loss = 8.0 * 16384 * 262144;
        long boundary = 16384L * 1024 * 2;
        for (int zero = 1; zero <= 3; zero++) {
            String plan = "{name: zb, dp: 4, pp: 2, schedule: zb-h1, zero: " + zero + "}";
            Experiment in = parse(plan, "in-place"), out = parse(plan, "out-of-place");
            long last = MemoryModel.ofStage(out, out.plans().get(0), 1).peakBytes() - MemoryModel.ofStage(in, in.plans().get(0), 1).peakBytes();
            long first = MemoryModel.ofStage(out, out.plans().get(0), 0).peakBytes() - MemoryModel.ofStage(in, in.plans().get(0), 0).peakBytes();
            assertEquals(0, first, "ZeRO-" + zero + ", stage 0");
            if (zero == 1) assertEquals(Math.round(loss) - boundary, last);
            else assertTrue(last > loss * 0.9 && last <= loss, "ZeRO-" + zero + ": " + last);
        }
    }

    private static Experiment parse(String plan, String crossEntropy) {
        return SpecLoader.parse("""
                name: loss
                model: {name: wide-vocab, layers: 4, hidden: 1024, heads: 8, vocab: 262144, seqLen: 8192, mlp: swiglu,
                        ffnHidden: 4096, dropout: false, attention: flash}
                cluster: {preset: dgx-h100, nodes: 1}
                training: {globalBatch: 64, microBatch: 2, precision: bf16-mixed, recompute: selective-ops, crossEntropy: %s}
                plans: [%s]
                """.formatted(crossEntropy, plan), List.of());
    }
}
