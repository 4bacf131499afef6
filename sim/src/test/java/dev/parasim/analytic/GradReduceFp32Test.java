package dev.parasim.analytic;

import dev.parasim.Fixtures;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.Experiment;
import dev.parasim.workload.Parameters;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code training.gradReduceFp32} (FSDP's {@code reduce_dtype=float32}, Composer's default mixed precision): the
 * data-parallel gradient collectives move 4 B an element, the parameter gathers keep the working width.
 */
class GradReduceFp32Test {
    static final String SMALL = """
            name: small
            model: {preset: tiny-gpt}
            cluster: {preset: cpu-8}
            training: {globalBatch: 8, microBatch: 1, precision: bf16-mixed, bucketMB: 1000%s}
            plans:
              - {name: ddp, dp: 8}
              - {name: z2, dp: 8, zero: 2}
              - {name: z3, dp: 8, zero: 3}
            """;

    /** llm-foundry's mpt-13b at 2,048 tokens on 8 H100s, micro-batch 2, no checkpointing: FSDP's gathers and scatters. */
    static final String MPT_13B = """
            name: mpt13b
            model: {name: mpt-13b, layers: 40, hidden: 5120, heads: 40, kvHeads: 40, ffnHidden: 20480, vocab: 50368,
                    seqLen: 2048, mlp: gelu, tiedEmbeddings: true, dropout: false, attention: flash}
            cluster: {preset: dgx-h100, nodes: 1}
            training: {globalBatch: 16, microBatch: 2, precision: bf16-mixed%s}
            plans: [{name: fsdp, dp: 8, zero: 3}]
            """;

    static CommVolume volume(Experiment e, int plan) {
        return Accountant.predict(e, e.plans().get(plan)).comm();
    }

    @Test
    void gradientCollectivesMoveFourBytesAnElementAndGathersTwo() {
        Experiment bf16 = Fixtures.experiment(String.format(SMALL, ""));
        Experiment fp32 = Fixtures.experiment(String.format(SMALL, ", gradReduceFp32: true"));
        assertFalse(bf16.training().gradReduceFp32());
        assertTrue(fp32.training().gradReduceFp32());
        assertEquals(2, bf16.training().gradReduceBytes());
        assertEquals(4, fp32.training().gradReduceBytes());
        long shard = 0;
        for (long u : Parameters.units(fp32.model())) shard += Chunking.shard(u, 8);
        long psi = Parameters.total(fp32.model());
        // DDP: a ring AllReduce of the flat gradient, 2(n − 1)/n·Ψ elements, now of 4 B.
        assertEquals(2L * 7 * Chunking.shard(psi, 8) * 4, volume(fp32, 0).bytes(CollectiveKind.ALL_REDUCE));
        // ZeRO-2 and ZeRO-3: the ReduceScatter of (n − 1)/n·Ψ elements doubles; the gathers do not move.
        for (int plan = 1; plan <= 2; plan++) {
            assertEquals(7 * shard * 4, volume(fp32, plan).bytes(CollectiveKind.REDUCE_SCATTER));
            assertEquals(7 * shard * 2, volume(bf16, plan).bytes(CollectiveKind.REDUCE_SCATTER));
            assertEquals(volume(bf16, plan).bytes(CollectiveKind.ALL_GATHER), volume(fp32, plan).bytes(CollectiveKind.ALL_GATHER));
        }
        assertEquals(7 * shard * (2 + 2 + 4), volume(fp32, 2).bytesPerGpu());   // ZeRO-3: 2 gathers of 2 B + 1 scatter of 4 B
    }

    @Test
    void fsdpOnEightH100sScattersTwiceTheBytesAndSlowsTheStep() {
        Experiment bf16 = Fixtures.experiment(String.format(MPT_13B, ""));
        Experiment fp32 = Fixtures.experiment(String.format(MPT_13B, ", gradReduceFp32: true"));
        List<CommOp> before = CommModel.stage(bf16, bf16.plans().get(0), 0), after = CommModel.stage(fp32, fp32.plans().get(0), 0);
        CommOp rsBefore = scatter(before), rsAfter = scatter(after);
        // 7/8 of 12,853,954,560 parameters (the 40 layers' units and the embeddings', each padded to 8) of 2 B, then of 4 B.
        assertEquals(22_494_420_480L, rsBefore.bytes());
        assertEquals(44_988_840_960L, rsAfter.bytes());
        // Same units, same ring latency: the extra 22.5 GB take their time at NVLink4's 450 GB/s × 0.822 (370 GB/s busbw).
        assertEquals(22_494_420_480.0 / (450e9 * 0.822), rsAfter.each().seconds() - rsBefore.each().seconds(), 1e-12);
        assertEquals(0.0616941667, rsBefore.each().seconds(), 1e-10);
        assertEquals(0.1225063335, rsAfter.each().seconds(), 1e-10);
        // Hidden behind the backward, the longer scatter still slows it (StepTimeModel.OVERLAP_INTERFERENCE): 0.787 → 0.824 s.
        assertEquals(0.7869346188, Accountant.predict(bf16, bf16.plans().get(0)).time().stepSeconds(), 1e-10);
        assertEquals(0.8240010823, Accountant.predict(fp32, fp32.plans().get(0)).time().stepSeconds(), 1e-10);
    }

    static CommOp scatter(List<CommOp> ops) {
        return ops.stream().filter(o -> o.kind() == CollectiveKind.REDUCE_SCATTER).findFirst().orElseThrow();
    }
}
