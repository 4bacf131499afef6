package dev.parasim.analytic;

import dev.parasim.Fixtures;
import dev.parasim.collective.CollectiveCost;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.memory.MemoryModel;
import dev.parasim.plan.Axis;
import dev.parasim.plan.GroupSpan;
import dev.parasim.plan.RankLayout;
import dev.parasim.program.ProgramFold;
import dev.parasim.program.StepProgram;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.SpecException;
import dev.parasim.timeline.Lane;
import dev.parasim.timeline.Span;
import dev.parasim.timeline.SpanKind;
import dev.parasim.timeline.Timeline;
import dev.parasim.timeline.Timelines;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expert parallelism on Mixtral 8x7B (8 experts of 176,160,768 parameters a layer, top 2), 64 H100s, ZeRO-1: the experts a
 * rank keeps, their optimizer shards over the expert-data-parallel group, the AllToAll bytes and the experts' gradient
 * sync, as exact golden numbers worked by hand from the model's shapes.
 */
class ExpertParallelTest {
    static final Experiment E = Fixtures.experiment("""
            name: mixtral
            model: {preset: mixtral-8x7b}
            cluster: {preset: dgx-h100, nodes: 8}
            training: {globalBatch: 512, microBatch: 1, precision: bf16-mixed, recompute: full}
            plans:
              - {name: zero1, zero: 1}
              - {name: zero1-ep8, ep: 8, zero: 1}
              - {name: zero3-ep2, ep: 2, zero: 3}
            """);

    static ParallelPlan plan(String name) {
        return E.plans().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    /** One expert: SwiGLU's 3·h·f = 3·4096·14336. A layer's dense part: q, k, v, o, the router and two RMSNorm gains. */
    static final long EXPERT = 3L * 4096 * 14336, DENSE_LAYER = 2L * 4096 * 4096 + 2L * 1024 * 4096 + 4096 * 8 + 2 * 4096;
    static final long EMBEDDING = 32000L * 4096, LAST = 4096 + 32000L * 4096;

    @Test
    void aRankKeepsItsShareOfTheExpertsAndShardsTheirOptimizerStatesOverTheirReplicas() {
        assertEquals(176_160_768L, EXPERT);
        assertEquals(41_984_000L, DENSE_LAYER);
        MemoryModel.ModelStates all = MemoryModel.modelStates(E, plan("zero1"), 0);
        MemoryModel.ModelStates split = MemoryModel.modelStates(E, plan("zero1-ep8"), 0);
        assertEquals(2 * 46_702_792_704L, all.paramsBytes());
        // One of the 8 experts of each of the 32 layers, and every dense parameter.
        assertEquals(2 * (EMBEDDING + 32 * (DENSE_LAYER + EXPERT) + LAST), split.paramsBytes());
        assertEquals(14_485_561_344L, split.paramsBytes());
        // ZeRO-1: the dense part sharded over 64 replicas, each expert over its 8 (every unit divides evenly here), so
        // the optimizer bytes do not move: 12 B × 46.7B / 64 either way.
        long dense = (EMBEDDING + 32 * DENSE_LAYER + LAST) / 64, experts = 32 * EXPERT / 8;
        assertEquals(12 * (dense + experts), split.optimizerBytes());
        assertEquals(all.optimizerBytes(), split.optimizerBytes());
    }

    @Test
    void theAllToAllsAndTheExpertsGradientSyncMoveTheirBytes() {
        List<CommOp> ops = CommModel.stage(E, plan("zero1-ep8"), 0);
        // k·T·h = 2·4096·4096 elements an AllToAll, 7/8 of them leaving the rank, 2 B each; 6 a layer (dispatch and
        // combine forward, their gradients, and full recompute's replay of both) × 32 layers × 8 micro-batches.
        long perAllToAll = 7L * (2L * 4096 * 4096 / 8) * 2;
        assertEquals(58_720_256L, perAllToAll);
        assertEquals(6L * 32 * 8 * perAllToAll, bytes(ops, Axis.EP, CollectiveKind.ALL_TO_ALL));
        assertEquals(90_194_313_216L, bytes(ops, Axis.EP, CollectiveKind.ALL_TO_ALL));
        // ZeRO-1's ReduceScatter: the dense part over 64 ranks, each layer's expert over its 8 replicas.
        long dense = 63L * ((EMBEDDING + 32 * DENSE_LAYER + LAST) / 64) * 2, experts = 32L * 7 * (EXPERT / 8) * 2;
        assertEquals(dense + experts, bytes(ops, Axis.DP, CollectiveKind.REDUCE_SCATTER));
        assertEquals(13_026_099_072L, dense + experts);
    }

    /**
     * An expert capacity pads each expert's buffer to ⌈cf·k·T/E⌉ slots: at cf 1.25, 1,280 of a rank's 4,096 tokens' 8,192
     * copies per expert, so each AllToAll moves 8·1,280 slots of h; at cf 1.1, ⌈1,126.4⌉ = 1,127. FLOPs stay the routed ones.
     */
    @Test
    void anExpertCapacityPadsTheAllToAllsAndTheExpertsButNotTheModelFlops() {
        Experiment capped = Fixtures.experiment("""
                name: mixtral-capped
                model: {preset: mixtral-8x7b, moe: {experts: 8, topK: 2, capacityFactor: 1.25}}
                cluster: {preset: dgx-h100, nodes: 8}
                training: {globalBatch: 512, microBatch: 1, precision: bf16-mixed, recompute: full}
                plans:
                  - {name: zero1-ep8, ep: 8, zero: 1}
                """);
        assertEquals(10_240, capped.model().moe().slots(4096));
        assertEquals(8L * 1127, new dev.parasim.spec.Moe(8, 2, 1.1).slots(4096));
        long perAllToAll = 7L * (8L * 1280 * 4096 / 8) * 2;
        assertEquals(6L * 32 * 8 * perAllToAll, bytes(CommModel.stage(capped, capped.plans().get(0), 0), Axis.EP, CollectiveKind.ALL_TO_ALL));
        PlanPrediction padded = Accountant.predict(capped, capped.plans().get(0)), dropless = Accountant.predict(E, plan("zero1-ep8"));
        assertEquals(dropless.modelFlops(), padded.modelFlops());
        assertTrue(padded.time().computeSeconds() > dropless.time().computeSeconds(), "padded slots are computed");
        assertEquals("model.moe.capacityFactor: must be between 1 and moe.experts/moe.topK (8/2), or left out for dropless experts, found 0.5",
                assertThrows(SpecException.class, () -> Fixtures.experiment("""
                        name: bad
                        model: {preset: mixtral-8x7b, moe: {experts: 8, topK: 2, capacityFactor: 0.5}}
                        cluster: {preset: dgx-h100, nodes: 1}
                        training: {globalBatch: 8, microBatch: 1, precision: bf16-mixed}
                        plans: [{name: p}]
                        """)).getMessage());
        // Under full recompute a layer keeps only its input: the padded slots add no kept bytes, but the layer a backward
        // replays holds its padded experts' activations again.
        assertEquals(dev.parasim.memory.MemoryModel.activationBytesBetweenPasses(E, plan("zero1-ep8"), 0),
                dev.parasim.memory.MemoryModel.activationBytesBetweenPasses(capped, capped.plans().get(0), 0));
        assertTrue(padded.memory().activationsBytes() > dropless.memory().activationsBytes(), "the replayed layer's padded slots");
    }

    @Test
    void expertGroupsAreConsecutiveDataParallelRanksAndTheirReplicasEpApart() {
        RankLayout layout = RankLayout.of(plan("zero3-ep2"), E.cluster());
        assertEquals(new GroupSpan(2, 2, 1), layout.span(Axis.EP));
        // dp 64, ep 2: the 32 replicas of an expert are ranks 0, 2, …, 62, four to a node of 8 over 8 nodes.
        assertEquals(new GroupSpan(32, 4, 8), layout.expertDataSpan());
        assertEquals(new GroupSpan(64, 8, 8), layout.dataSpan());
    }

    @Test
    void theTimelineDrawsTheAllToAllsOnTheCriticalPath() {
        Timeline t = Timelines.of(E, plan("zero1-ep8"));
        List<Span> ep = t.lane(0, Lane.COMM).stream().filter(s -> s.kind() == SpanKind.EP_COMM).toList();
        // One span per pass: 8 forwards (2 a layer) and 8 backwards (4 a layer under full recompute).
        assertEquals(16, ep.size());
        assertTrue(ep.get(0).label().contains("64× allToAll on EP"), ep.get(0).label());
        assertTrue(ep.get(1).label().contains("128× allToAll on EP"), ep.get(1).label());
        PlanPrediction p = Accountant.predict(E, plan("zero1-ep8"));
        assertEquals(p.time().stepSeconds(), t.stepSeconds(), 1e-9 * p.time().stepSeconds());
        // 8 micro-batches × 32 layers × 6 AllToAlls of 2·4096·4096 bf16 elements inside one NVLink node.
        double one = new CollectiveCost(E.cluster().nodeTier(), E.cluster().clusterTier())
                .of(CollectiveKind.ALL_TO_ALL, 2.0 * 4096 * 4096 * 2, new GroupSpan(8, 8, 1)).seconds();
        double drawn = 0;
        for (Span s : ep) drawn += s.endSeconds() - s.startSeconds();
        assertEquals(8 * 32 * 6 * one, drawn, 1e-9 * drawn);
        // On the critical path: the plan's exposed communication covers them.
        assertTrue(p.time().exposedCommSeconds() >= drawn * (1 - 1e-9), p.time() + " vs " + drawn);
    }

    /**
     * Every EP plan draws all its communication inside the step, each span naming the bytes of its own group: DDP's dense
     * and expert buckets one after the other, ZeRO-3's gathers and reduce-scatters per group.
     */
    @Test
    void everyExpertParallelPlanDrawsItsBytesInsideTheStep() {
        Experiment e = Fixtures.experiment("""
                name: mixtral-all
                model: {preset: mixtral-8x7b}
                cluster: {preset: dgx-h100, nodes: 2}
                training: {globalBatch: 64, microBatch: 1, precision: bf16-mixed, recompute: full}
                plans:
                  - {name: ddp-ep2, ep: 2}
                  - {name: zero1-ep4, ep: 4, zero: 1}
                  - {name: zero2-ep8-pp2, pp: 2, ep: 8, zero: 2}
                  - {name: zero3-ep2, ep: 2, zero: 3}
                  - {name: zero3-ep8-cp2, cp: 2, ep: 8, zero: 3}
                """);
        java.util.regex.Pattern sent = java.util.regex.Pattern.compile("(\\d+) B sent");
        for (ParallelPlan plan : e.plans()) {
            Timeline t = Timelines.of(e, plan);
            StepProgram program = StepProgram.of(e, plan);
            for (int s = 0; s < plan.pp(); s++) {
                long expected = 0, drawn = 0;
                for (var byAxis : ProgramFold.bytes(program, s).entrySet())
                    for (var k : byAxis.getValue().entrySet())
                        if (!(byAxis.getKey() == Axis.PP && k.getKey() == CollectiveKind.SEND_RECV)) expected += k.getValue();
                List<Span> comm = t.lane(s, Lane.COMM);
                for (Span span : comm) {
                    if (span.kind() == SpanKind.PP_SEND) continue;
                    var m = sent.matcher(span.label());
                    while (m.find()) drawn += Long.parseLong(m.group(1));
                    assertTrue(span.startSeconds() >= 0 && span.endSeconds() <= t.stepSeconds() * (1 + 1e-12), plan.name() + ": " + span);
                    // A span of the experts' group names only it (the ZeRO-1/2 parameter gather lists each group's part).
                    if (span.label().contains("on EXPERT_DP") && !span.label().startsWith("parameter gather"))
                        assertTrue(!span.label().contains("on DP"), span.label());
                }
                assertEquals(expected, drawn, plan.name() + " stage " + s);
                // DDP's two bucket spans do not overlap.
                List<Span> buckets = comm.stream().filter(x -> x.label().startsWith("gradient sync")).toList();
                for (int i = 1; i < buckets.size(); i++)
                    assertTrue(buckets.get(i).startSeconds() >= buckets.get(i - 1).endSeconds() * (1 - 1e-12), plan.name() + ": " + buckets);
            }
        }
    }

    @Test
    void badLayoutsAreRefusedWithTheRule() {
        assertEquals("plans[0].ep: needs a mixture-of-experts model (model.moe), found 2",
                refused("{preset: llama3-8b}", "{name: p, ep: 2}"));
        assertEquals("plans[0].ep: must divide model.moe.experts (8), found 16",
                refused("{preset: mixtral-8x7b}", "{name: p, ep: 16}"));
        assertEquals("plans[0].tp: must be 1 under expert parallelism (experts split over TP as well are not modelled), found 2",
                refused("{preset: mixtral-8x7b}", "{name: p, tp: 2, ep: 2, sequenceParallel: true}"));
        assertEquals("plans[0].ep: must divide dp (4), found 8",
                refused("{preset: mixtral-8x7b}", "{name: p, dp: 4, pp: 2, ep: 8}"));
    }

    static String refused(String model, String plan) {
        return assertThrows(SpecException.class, () -> Fixtures.experiment("""
                name: bad
                model: %s
                cluster: {preset: dgx-h100, nodes: 2}
                training: {globalBatch: 64, microBatch: 1, precision: bf16-mixed}
                plans: [%s]
                """.formatted(model, plan))).getMessage();
    }

    static long bytes(List<CommOp> ops, Axis axis, CollectiveKind kind) {
        return ops.stream().filter(o -> o.axis() == axis && o.kind() == kind).mapToLong(CommOp::totalBytes).sum();
    }
}
