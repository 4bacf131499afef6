package dev.parasim.analytic;

import dev.parasim.Fixtures;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.Experiment;
import dev.parasim.workload.Parameters;
import org.junit.jupiter.api.Test;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CommModelTest {
    /** GPT-3 175B, dp 2 · tp 8 · pp 2 with sequence parallelism, micro-batch 2, m = 16 / (2 · 2) = 4. */
    private static final String GPT3_SP_TP8_PP2 = """
            name: sp
            model: {preset: gpt3-175b}
            cluster: {preset: dgx-a100-80g, nodes: 4}
            training: {globalBatch: 16, microBatch: 2, precision: bf16-mixed}
            plans: [{name: sp, dp: 2, tp: 8, pp: 2, sequenceParallel: true}]
            """;

    static final String SMALL = """
            name: small
            model: {preset: tiny-gpt}
            cluster: {preset: cpu-8}
            training: {globalBatch: 8, microBatch: 1, precision: bf16-mixed, bucketMB: 1000}
            plans:
              - {name: ddp, dp: 8}
              - {name: z1, dp: 8, zero: 1}
              - {name: z2, dp: 8, zero: 2}
              - {name: z3, dp: 8, zero: 3}
            """;

    static CommVolume volume(Experiment e, int plan) {
        return Accountant.predict(e, e.plans().get(plan)).comm();
    }

    @Test
    void zero3MovesOneAndAHalfTimesDdpPerMicroBatch() {
        Experiment e = Fixtures.experiment(SMALL);   // one micro-batch per step
        long psi = Parameters.total(e.model());
        long shard = 0;
        for (long u : Parameters.units(e.model())) shard += Chunking.shard(u, 8);
        assertEquals(2L * 7 * Chunking.shard(psi, 8) * 2, volume(e, 0).bytes(CollectiveKind.ALL_REDUCE));   // 2(n−1)/n·Ψ·2 B
        assertEquals(3L * 7 * shard * 2, volume(e, 3).bytesPerGpu());                                      // 3(n−1)/n·Ψ·2 B
        assertEquals(2L * 7 * shard * 2, volume(e, 1).bytesPerGpu());
        assertEquals(2L * 7 * shard * 2, volume(e, 2).bytesPerGpu());
        assertEquals(1.5, (double) volume(e, 3).bytesPerGpu() / volume(e, 0).bytesPerGpu(), 0.01);
    }

    @Test
    void accumulationMultipliesPerMicroBatchCollectives() {
        Experiment e = Fixtures.experiment(SMALL, "training.globalBatch=16");   // m = 2
        long shard = 0;
        for (long u : Parameters.units(e.model())) shard += Chunking.shard(u, 8);
        long unit = 7 * shard * 2;
        assertEquals(2 * unit, volume(e, 1).bytesPerGpu());                         // ZeRO-1: RS + AG once
        assertEquals(2 * unit + unit, volume(e, 2).bytesPerGpu());                  // ZeRO-2: RS per micro-batch + AG
        assertEquals(2 * 2 * unit, volume(e, 3).bytes(CollectiveKind.ALL_GATHER)); // ZeRO-3: 2 gathers per micro-batch
        assertEquals(2 * unit, volume(e, 3).bytes(CollectiveKind.REDUCE_SCATTER));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8})
    void tensorParallelMovesEightBshPerLayer(int t) {
        Experiment e = Fixtures.experiment("""
                name: tp
                model: {preset: gpt3-175b}
                cluster: {preset: dgx-a100-80g, nodes: 1}
                training: {globalBatch: 16, microBatch: 2, precision: bf16-mixed}
                plans: [{name: tp, dp: %d, tp: %d}]
                """.formatted(8 / t, t));
        int m = e.microBatches(e.plans().get(0));
        long bsh = 2L * 2048 * 12288;
        long perLayer = 8 * bsh * (t - 1) / t * 2;   // elements · 2 bytes
        long layers = 96;
        // + the embedding's forward AllReduce and the head's backward AllReduce (one pipeline stage holds both)
        long expected = m * (layers * perLayer + 2 * (2 * bsh * (t - 1) / t * 2) + 3 * Chunking.ringAllReduceElements(2L * 2048, t) * 4);
        CommVolume v = volume(e, 0);
        long dp = v.bytes(CollectiveKind.ALL_REDUCE) - expected;
        long params = Parameters.sum(Parameters.stageUnits(e.model(), t, 1, 0));
        assertEquals(Chunking.bucketedAllReduceElements(params, 12_500_000, 8 / t) * 2, dp);
    }

    @Test
    void pipelineSendsBshOverTPerBoundaryPerMicroBatch() {
        Experiment e = Fixtures.experiment(Fixtures.GPT3);
        var plan = e.plans().get(2);   // dp 8, tp 8, pp 8, interleaved v = 2
        int m = e.microBatches(plan);
        long bytes = 1L * 2048 * 12288 / 8 * 2;
        var ops = CommModel.stage(e, plan, 3);
        long sends = ops.stream().filter(o -> o.kind() == CollectiveKind.SEND_RECV).mapToLong(CommOp::totalBytes).sum();
        assertEquals(2L * m * 2 * bytes, sends);   // forward + backward, ×v
    }

    @Test
    void sequenceParallelAddsOneStepAllReduceOfLayerNormAndWpeGradsAndNoBoundaryGather() {
        Experiment e = Fixtures.experiment(GPT3_SP_TP8_PP2);
        var plan = e.plans().get(0);
        long h = 12288, layersPerStage = 48;
        for (int stage = 0; stage < 2; stage++) {
            var ops = CommModel.stage(e, plan, stage);
            CommOp sync = ops.stream().filter(o -> o.axis() == dev.parasim.plan.Axis.TP && o.phase() == CommOp.Phase.GRADIENT_SYNC)
                    .findFirst().orElseThrow();
            // Korthikanti et al. 2022 §4.2.2: 4 LayerNorm vectors per layer, + wpe (s·h) on the first stage, + lnf's 2 on the last.
            long partial = stage == 0 ? 4 * layersPerStage * Chunking.ringAllReduceElements(h, 8) + Chunking.ringAllReduceElements(2048 * h, 8)
                    : (4 * layersPerStage + 2) * Chunking.ringAllReduceElements(h, 8);
            assertEquals(CollectiveKind.ALL_REDUCE, sync.kind());
            assertEquals(1, sync.count());
            assertEquals(partial * 2, sync.bytes());   // bf16 gradients
            // The boundary slice is already the rank's sequence shard: no TP AllGather outside the layers' 2 + 4 per layer
            // and the head's (forward, last stage) or the embedding's output gradient's (backward, first stage).
            long gathers = ops.stream().filter(o -> o.axis() == dev.parasim.plan.Axis.TP && o.kind() == CollectiveKind.ALL_GATHER)
                    .mapToLong(CommOp::count).sum();
            assertEquals(e.microBatches(plan) * (6 * layersPerStage + 1), gathers, "stage " + stage);
        }
    }

    @Test
    void shardedGradientsAllGatherTheTiedUnitBeforeTheWteAllReduceAndSumSpPartialsEveryMicroBatch() {
        Experiment e = Fixtures.experiment("""
                name: zero-pp
                model: {preset: gpt3-175b}
                cluster: {preset: dgx-a100-80g, nodes: 4}
                training: {globalBatch: 16, microBatch: 2, precision: bf16-mixed}
                plans:
                  - {name: z1, dp: 2, tp: 8, pp: 2, zero: 1, sequenceParallel: true}
                  - {name: z2, dp: 2, tp: 8, pp: 2, zero: 2, sequenceParallel: true}
                  - {name: z3, dp: 2, tp: 8, pp: 2, zero: 3, sequenceParallel: true}
                """);
        int m = e.microBatches(e.plans().get(0));
        for (int stage = 0; stage < 2; stage++) {
            long[] units = Parameters.stageUnits(e.model(), 8, 2, stage);
            long tied = Chunking.shard(stage == 0 ? units[0] : units[units.length - 1], 2);
            var z1 = CommModel.stage(e, e.plans().get(0), stage);
            CommOp spOnce = z1.stream().filter(o -> o.axis() == dev.parasim.plan.Axis.TP && o.phase() == CommOp.Phase.GRADIENT_SYNC)
                    .findFirst().orElseThrow();
            assertEquals(0, z1.stream().filter(o -> o.axis() == dev.parasim.plan.Axis.DP && o.phase() == CommOp.Phase.GRADIENT_SYNC
                    && o.kind() == CollectiveKind.ALL_GATHER).count(), "ZeRO-1 all-reduces wte before its DP sync");
            for (int plan = 1; plan <= 2; plan++) {
                var ops = CommModel.stage(e, e.plans().get(plan), stage);
                CommOp unshard = ops.stream().filter(o -> o.axis() == dev.parasim.plan.Axis.DP && o.phase() == CommOp.Phase.GRADIENT_SYNC
                        && o.kind() == CollectiveKind.ALL_GATHER).findFirst().orElseThrow();
                assertEquals(1, unshard.count());
                assertEquals(1 * tied * 2, unshard.bytes(), "(n−1)·⌈Ψ_tied/n⌉ bf16 gradient elements, stage " + stage);
                CommOp sp = ops.stream().filter(o -> o.axis() == dev.parasim.plan.Axis.TP && o.kind() == CollectiveKind.ALL_REDUCE
                        && o.phase() == CommOp.Phase.BACKWARD).findFirst().orElseThrow();
                assertEquals(m, sp.count(), "SP partials summed before every micro-batch's ReduceScatter");
                assertEquals(spOnce.bytes(), sp.bytes());
            }
        }
    }

    @Test
    void sequenceParallelGathersTheQkvAndFc1InputsAgainInBackward() {
        Experiment e = Fixtures.experiment(GPT3_SP_TP8_PP2);
        var plan = e.plans().get(0);   // m = 16 / (2 · 2) = 4, 48 layers per stage
        // One AllGather of b·s·h = 2·2048·12288 = 50,331,648 elements over t = 8: 7 · 6,291,456 elements · 2 B sent.
        long each = 88_080_384;
        for (int stage = 0; stage < 2; stage++) {
            CommOp backward = CommModel.stage(e, plan, stage).stream()
                    .filter(o -> o.axis() == dev.parasim.plan.Axis.TP && o.kind() == CollectiveKind.ALL_GATHER
                            && o.phase() == CommOp.Phase.BACKWARD).findFirst().orElseThrow();
            assertEquals(each, backward.bytes());
            // 4 · (2 conjugate gathers + 2 re-gathers per layer · 48 layers + the embedding's output gradient on stage 0)
            assertEquals(stage == 0 ? 772 : 768, backward.count(), "stage " + stage);
        }
        // Last stage, per step: forward 4 · (2 · 48 + the head's input), backward 4 · 2 · 48 conjugates, and the
        // re-gathers 4 micro-batches · 48 layers · 2 · 88,080,384 B = 33,822,867,456 B.
        long gathered = CommModel.stage(e, plan, 1).stream()
                .filter(o -> o.axis() == dev.parasim.plan.Axis.TP && o.kind() == CollectiveKind.ALL_GATHER)
                .mapToLong(CommOp::totalBytes).sum();
        assertEquals(4L * 97 * each + 4L * 96 * each + 33_822_867_456L, gathered);
    }

    @Test
    void tierBytesAddUpToTheTotal() {
        Experiment e = Fixtures.experiment(Fixtures.GPT3);
        for (var p : Accountant.predict(e)) {
            long tiers = p.comm().byTier().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(p.comm().bytesPerGpu(), tiers, p.plan().name());
        }
    }

    /**
     * Per-tensor gathers (DeepSpeed ZeRO-3) move the same bytes as per-unit ones and pay the ring latency once per
     * tensor: GPT-3 175B on 1,536 A100s, 12 tensors per layer, (1,536 − 1)·8 µs = 12.28 ms per extra collective.
     */
    @Test
    void perTensorGathersPayOneRingLatencyPerTensor() {
        String yaml = """
                name: z3
                model: {preset: gpt3-175b}
                cluster: {preset: dgx-a100-80g, nodes: 192}
                training: {globalBatch: 1536, microBatch: 1, precision: bf16-mixed, recompute: full%s}
                plans: [{name: z3, zero: 3}]
                """;
        Experiment units = Fixtures.experiment(String.format(yaml, ""));
        Experiment tensors = Fixtures.experiment(String.format(yaml, ", zeroGathers: tensors"));
        CommOp u = CommModel.stage(units, units.plans().get(0), 0).get(0), t = CommModel.stage(tensors, tensors.plans().get(0), 0).get(0);
        assertEquals(u.bytes(), t.bytes());
        assertEquals(u.each().bytes(), t.each().bytes(), 1e-3 * u.each().bytes());
        // 96 layers × 11 extra collectives + embedding 1 extra + final unit (norm gain, bias: 1 extra).
        long extra = 96 * 11 + 1 + 1;
        assertEquals(extra * 1535 * 8e-6, t.each().seconds() - u.each().seconds(), 1e-9);
    }

    /**
     * ZeRO-2 reduce-scatters each unit's gradient in every backward and all-gathers each unit's parameters after the step,
     * one collective per unit as the step program issues them and FSDP's SHARD_GRAD_OP runs them: mpt-style 1B on 512
     * H100s (64 nodes), so each of the 26 units' rings across nodes pays 511 · 8 µs, 104 ms in all, where one collective of
     * the whole gradient paid 4 ms; the bytes and the bandwidth term are those of one collective.
     */
    @Test
    void shardedGradientsPayOneRingLatencyPerUnit() {
        Experiment e = Fixtures.experiment("""
                name: z2
                model: {name: mpt-1b, layers: 24, hidden: 2048, heads: 16, vocab: 50368, seqLen: 2048, mlp: gelu,
                        tiedEmbeddings: true, dropout: false, attention: flash}
                cluster: {preset: dgx-h100, nodes: 64}
                training: {globalBatch: 6144, microBatch: 12, precision: bf16-mixed, gradReduceFp32: true}
                plans: [{name: z2, zero: 2}]
                """);
        List<CommOp> ops = CommModel.stage(e, e.plans().get(0), 0);
        CommOp rs = ops.get(0), ag = ops.get(1);
        assertEquals(CollectiveKind.REDUCE_SCATTER, rs.kind());
        assertEquals(CommOp.Phase.BACKWARD, rs.phase());
        assertEquals(CollectiveKind.ALL_GATHER, ag.kind());
        assertEquals(CommOp.Phase.AFTER_STEP, ag.phase());
        long[] units = Parameters.stageUnits(e.model(), e.plans().get(0), 0);
        assertEquals(26, units.length);   // the embedding, 24 layers, the final norm
        long shard = 0;
        for (long u : units) shard += Chunking.shard(u, 512);
        assertEquals(511L * shard * 4, rs.bytes());   // fp32 gradients
        assertEquals(511L * shard * 2, ag.bytes());   // bf16 parameters
        dev.parasim.collective.CollectiveCost cost = new dev.parasim.collective.CollectiveCost(e.cluster().nodeTier(),
                e.cluster().clusterTier());
        dev.parasim.plan.GroupSpan span = dev.parasim.plan.RankLayout.of(e.plans().get(0), e.cluster()).dataSpan();
        double whole = cost.of(CollectiveKind.REDUCE_SCATTER, (double) shard * 512 * 4, span).seconds();
        double latency = 511 * 8e-6;
        assertEquals(whole + 25 * latency, rs.each().seconds(), 1e-12 * whole + 1e-6);
        assertEquals(26 * latency, rs.each().seconds() - (whole - latency), 1e-6);
    }

    /**
     * Fetched on demand under full recompute, every tensor is gathered three times a micro-batch (forward, the
     * checkpointed recompute, backward: {@link CommModel#backwardGathers}), so the backward issues two gathers per
     * micro-batch; prefetched per unit (FSDP), or without full recompute, one. Same bytes per gather either way.
     */
    @Test
    void onDemandGathersRepeatForTheRecompute() {
        String yaml = """
                name: z3
                model: {preset: gpt3-175b}
                cluster: {preset: dgx-a100-80g, nodes: 192}
                training: {globalBatch: 3072, microBatch: 1, precision: bf16-mixed, recompute: %s%s}
                plans: [{name: z3, zero: 3}]
                """;
        for (String recompute : new String[] {"full", "selective", "none"})
            for (String gathers : new String[] {"", ", zeroGathers: tensors"}) {
                Experiment e = Fixtures.experiment(String.format(yaml, recompute, gathers));
                List<CommOp> ops = CommModel.stage(e, e.plans().get(0), 0);
                CommOp forward = ops.get(0), backward = ops.get(1);
                assertEquals(CommOp.Phase.FORWARD, forward.phase());
                assertEquals(CommOp.Phase.BACKWARD, backward.phase());
                assertEquals(CollectiveKind.ALL_GATHER, backward.kind());
                int m = e.microBatches(e.plans().get(0));
                assertEquals(2, m);
                int perMicroBatch = recompute.equals("full") && !gathers.isEmpty() ? 2 : 1;
                assertEquals(perMicroBatch, CommModel.backwardGathers(e), recompute + gathers);
                assertEquals((long) perMicroBatch * m, backward.count(), recompute + gathers);
                assertEquals((long) m, forward.count(), recompute + gathers);
                assertEquals(forward.bytes(), backward.bytes());
            }
    }
}
