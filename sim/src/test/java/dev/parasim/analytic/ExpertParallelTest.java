package dev.parasim.analytic;

import dev.parasim.Fixtures;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.memory.MemoryModel;
import dev.parasim.plan.Axis;
import dev.parasim.plan.GroupSpan;
import dev.parasim.plan.RankLayout;
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
        // One span per pass: 8 forwards and 8 backwards.
        assertEquals(16, ep.size());
        assertTrue(ep.get(0).label().contains("64× allToAll on EP"), ep.get(0).label());
        PlanPrediction p = Accountant.predict(E, plan("zero1-ep8"));
        assertEquals(p.time().stepSeconds(), t.stepSeconds(), 1e-9 * p.time().stepSeconds());
        // The AllToAlls are exposed: the ep plan's exposed communication covers them.
        double allToAll = 0;
        for (Span s : ep) allToAll += s.endSeconds() - s.startSeconds();
        assertTrue(p.time().exposedCommSeconds() >= allToAll * (1 - 1e-9), p.time() + " vs " + allToAll);
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
