package dev.parasim.program;

import dev.parasim.Fixtures;
import dev.parasim.analytic.CommModel;
import dev.parasim.analytic.CommOp;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.memory.MemoryModel;
import dev.parasim.plan.Axis;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.SpecException;
import dev.parasim.workload.Flops;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step program folded equals the accountant's closed forms for every plan of a whole small space: dp, tp, pp ∈
 * {1, 2, 4}, cp ∈ {1, 2}, ZeRO 0–3, every schedule (chunks 1–2 interleaved), SP on and off, fp32 and bf16-mixed,
 * every recomputation, gradient collectives in the gradient's width and in fp32 ({@code training.gradReduceFp32}) — bytes
 * per collective kind and group, persistent memory per category, activation peaks per
 * stage, and FLOPs per step; and a few plans with uneven stages (workload.StageSplit). No Spark.
 */
class ProgramFoldTest {

    record Case(Experiment e, ParallelPlan plan) {}

    static List<Case> space() {
        List<Case> cases = new ArrayList<>();
        int[] degrees = {1, 2, 4};
        for (int dp : degrees) for (int tp : degrees) for (int pp : degrees) for (int cp : new int[] {1, 2}) {
            int world = dp * tp * pp * cp, perNode = Math.min(world, 8);
            List<String> plans = new ArrayList<>();
            for (int zero = 0; zero <= 3; zero++)
                for (String schedule : pp == 1 ? List.of("1f1b") : List.of("gpipe", "1f1b", "zb-h1", "interleaved"))
                    for (boolean sp : tp == 1 ? new boolean[] {false} : new boolean[] {false, true}) {
                        int chunks = schedule.equals("interleaved") ? 2 : 1;
                        plans.add("{name: p%d, dp: %d, tp: %d, pp: %d, cp: %d, zero: %d, schedule: %s, chunks: %d, sequenceParallel: %s}"
                                .formatted(plans.size(), dp, tp, pp, cp, zero, schedule, chunks, sp));
                    }
            String[] precisions = {"fp32", "bf16-mixed"}, recomputes = {"none", "selective", "full", "selective-ops"};
            for (int k = 0; k < 4; k++) {
                String yaml = """
                        name: space
                        model: {preset: tiny-gpt, layers: 8, hidden: 64, heads: 4, kvHeads: 4, ffnHidden: 256, vocab: 96, seqLen: 32}
                        cluster: {preset: cpu-8, gpusPerNode: %d, nodes: %d}
                        training: {globalBatch: %d, microBatch: 1, precision: %s, recompute: %s, bucketMB: 0.004, gradReduceFp32: %s}
                        plans: [%s]
                        """.formatted(perNode, world / perNode, 8 * dp, precisions[(dp + tp + pp + k) % 2], recomputes[k],
                        k == 1, String.join(", ", plans));
                Experiment e = Fixtures.experiment(yaml);
                for (ParallelPlan plan : e.plans()) cases.add(new Case(e, plan));
            }
        }
        return cases;
    }

    @Test
    void foldedProgramEqualsTheAccountantOverTheWholeSpace() {
        List<Case> cases = space();
        assertEquals(4320, cases.size(), "plans in the space");
        for (Case c : cases) assertFolds(c);
    }

    /** Uneven stages: 7 and 10 layers on 2 and 4 stages, interleaved chunks of different sizes, explicit splits. */
    @Test
    void foldedProgramEqualsTheAccountantOnUnevenStages() {
        List<Case> cases = new ArrayList<>();
        for (int layers : new int[] {7, 10})
            for (String recompute : new String[] {"none", "full"}) {
                Experiment e = Fixtures.experiment("""
                        name: uneven
                        model: {preset: tiny-gpt, layers: %d, hidden: 64, heads: 4, kvHeads: 4, ffnHidden: 256, vocab: 96, seqLen: 32}
                        cluster: {preset: cpu-8}
                        training: {globalBatch: 16, microBatch: 1, precision: bf16-mixed, recompute: %s, bucketMB: 0.004}
                        plans:
                          - {name: pp2-1f1b, dp: 4, pp: 2}
                          - {name: pp4-gpipe-zero3, dp: 2, pp: 4, schedule: gpipe, zero: 3}
                          - {name: pp4-zb-h1-tp2-sp, tp: 2, pp: 4, schedule: zb-h1, sequenceParallel: true, zero: 2}
                          - {name: pp2-interleaved-tp2, dp: 2, tp: 2, pp: 2, schedule: interleaved, chunks: 2, zero: 1}
                          - {name: pp2-cp2-by-hand, dp: 2, cp: 2, pp: 2, stageLayers: [1, %d]}
                          - {name: pp2-interleaved-by-hand, dp: 4, pp: 2, schedule: interleaved, chunks: 2, stageLayers: [%d, 1, 2, 1]}
                        """.formatted(layers, recompute, layers - 1, layers - 4));
                for (ParallelPlan plan : e.plans()) cases.add(new Case(e, plan));
            }
        assertEquals(24, cases.size());
        for (Case c : cases) assertFolds(c);
    }

    /** MoE layers (GPT and SwiGLU experts, top 2 of 4): every expert's parameters, the routers' SP gradients, k experts' FLOPs. */
    @Test
    void foldedProgramEqualsTheAccountantForMixturesOfExperts() {
        List<Case> cases = new ArrayList<>();
        for (String mlp : new String[] {"gelu", "swiglu"})
            for (String recompute : new String[] {"none", "selective-ops", "full"}) {
                Experiment e = Fixtures.experiment("""
                        name: moe
                        model: {preset: tiny-gpt, layers: 4, hidden: 64, heads: 4, kvHeads: 2, ffnHidden: 128, vocab: 96, seqLen: 32, mlp: %s,
                                moe: {experts: 4, topK: 2}}
                        cluster: {preset: cpu-8}
                        training: {globalBatch: 16, microBatch: 1, precision: bf16-mixed, recompute: %s, bucketMB: 0.004}
                        plans:
                          - {name: ddp, dp: 8}
                          - {name: zero3, dp: 8, zero: 3}
                          - {name: tp2-sp-zero1, dp: 4, tp: 2, sequenceParallel: true, zero: 1}
                          - {name: tp2-pp2-zero2, dp: 2, tp: 2, pp: 2, zero: 2}
                          - {name: pp2-interleaved-zero3, dp: 4, pp: 2, schedule: interleaved, chunks: 2, zero: 3}
                        """.formatted(mlp, recompute));
                for (ParallelPlan plan : e.plans()) cases.add(new Case(e, plan));
            }
        assertEquals(30, cases.size());
        for (Case c : cases) assertFolds(c);
    }

    /**
     * Expert parallelism: experts split over ep data-parallel ranks, the AllToAlls (and what each recompute replays of
     * them), the experts' states and sync over their dp·cp/ep replicas, under every ZeRO stage, pipelines and CP.
     */
    @Test
    void foldedProgramEqualsTheAccountantUnderExpertParallelism() {
        List<Case> cases = new ArrayList<>();
        for (String recompute : new String[] {"none", "selective-ops", "full"})
            for (boolean earlyStop : new boolean[] {false, true})
                for (boolean dropout : new boolean[] {false, true}) {
                    Experiment e = Fixtures.experiment("""
                            name: ep
                            model: {preset: tiny-gpt, layers: 4, hidden: 64, heads: 4, kvHeads: 2, ffnHidden: 128, vocab: 96, seqLen: 32,
                                    mlp: swiglu, dropout: %s, moe: {experts: 4, topK: 2}}
                            cluster: {preset: cpu-8}
                            training: {globalBatch: 16, microBatch: 1, precision: bf16-mixed, recompute: %s, bucketMB: 0.004,
                                       recomputeEarlyStop: %s, gradReduceFp32: %s}
                            plans:
                              - {name: ddp-ep2, dp: 8, ep: 2}
                              - {name: ddp-edp1-pp2, dp: 4, pp: 2, ep: 4}
                              - {name: zero2-edp1-pp2, dp: 4, pp: 2, ep: 4, zero: 2}
                              - {name: zero1-ep4, dp: 8, ep: 4, zero: 1}
                              - {name: zero2-ep2-pp2, dp: 4, pp: 2, ep: 2, zero: 2}
                              - {name: zero3-ep2-interleaved, dp: 4, pp: 2, ep: 2, zero: 3, schedule: interleaved, chunks: 2}
                              - {name: zero3-ep4-zb, dp: 4, pp: 2, ep: 4, zero: 3, schedule: zb-h1}
                              - {name: zero1-ep2-cp2, dp: 4, cp: 2, ep: 2, zero: 1}
                              - {name: zero3-ep4-cp2, dp: 4, cp: 2, ep: 4, zero: 3}
                            """.formatted(dropout, recompute, earlyStop, earlyStop));
                    for (ParallelPlan plan : e.plans()) cases.add(new Case(e, plan));
                    // Experts padded to a capacity of ⌈1.25·k·T/E⌉ slots (a binary fraction: the byte counts stay whole).
                    e = Fixtures.experiment("""
                            name: ep-capped
                            model: {preset: tiny-gpt, layers: 4, hidden: 64, heads: 4, kvHeads: 2, ffnHidden: 128, vocab: 96, seqLen: 32,
                                    mlp: gelu, dropout: %s, moe: {experts: 4, topK: 2, capacityFactor: 1.25}}
                            cluster: {preset: cpu-8}
                            training: {globalBatch: 16, microBatch: 1, precision: bf16-mixed, recompute: %s, bucketMB: 0.004}
                            plans:
                              - {name: zero1-ep4, dp: 8, ep: 4, zero: 1}
                              - {name: zero3-ep2-pp2, dp: 4, pp: 2, ep: 2, zero: 3}
                            """.formatted(dropout, recompute));
                    for (ParallelPlan plan : e.plans()) cases.add(new Case(e, plan));
                }
        assertEquals(132, cases.size());
        for (Case c : cases) assertFolds(c);
    }

    static void assertFolds(Case c) {
        StepProgram program = StepProgram.of(c.e(), c.plan());
        String at = c.plan() + " " + c.e().training();
        double flops = 0;
        for (int s = 0; s < c.plan().pp(); s++) {
            assertEquals(accountantBytes(c.e(), c.plan(), s), ProgramFold.bytes(program, s), "bytes, stage " + s + " of " + at);
            MemoryModel.ModelStates states = MemoryModel.modelStates(c.e(), c.plan(), s);
            Map<MemoryCategory, Long> persistent = ProgramFold.persistentBytes(program, s);
            assertEquals(states.paramsBytes(), persistent.get(MemoryCategory.PARAMETERS), "params, stage " + s + " of " + at);
            assertEquals(states.gradsBytes(), persistent.get(MemoryCategory.GRADIENTS), "grads, stage " + s + " of " + at);
            assertEquals(states.optimizerBytes(), persistent.get(MemoryCategory.OPTIMIZER), "optimizer, stage " + s + " of " + at);
            assertEquals(MemoryModel.activationBytesBetweenPasses(c.e(), c.plan(), s),
                    ProgramFold.peakBetweenPasses(program, s, MemoryCategory.ACTIVATIONS), "activations between passes, stage " + s + " of " + at);
            assertEquals(MemoryModel.activationBytes(c.e(), c.plan(), s),
                    ProgramFold.peakInPasses(program, s, MemoryCategory.ACTIVATIONS), "activations, stage " + s + " of " + at);
            flops += ProgramFold.flops(program, s) * c.plan().dp() * c.plan().tp() * c.plan().cp();
        }
        double expected = Flops.hardware(c.e().model(), c.e().training().globalBatch(), c.e().training().recompute());
        assertEquals(expected, flops, expected * 1e-12, "FLOPs of " + at);
    }

    static Map<Axis, Map<CollectiveKind, Long>> accountantBytes(Experiment e, ParallelPlan plan, int stage) {
        Map<Axis, Map<CollectiveKind, Long>> out = new EnumMap<>(Axis.class);
        for (CommOp op : CommModel.stage(e, plan, stage))
            if (op.totalBytes() > 0)
                out.computeIfAbsent(op.axis(), k -> new EnumMap<>(CollectiveKind.class)).merge(op.kind(), op.totalBytes(), Long::sum);
        return out;
    }

    @Test
    void zb_h1SplitsTheBackwardAndW_carriesTheWeightGradientReduceScatter() {
        Experiment e = Fixtures.experiment("""
                name: zb
                model: {preset: tiny-gpt, layers: 4}
                cluster: {preset: cpu-8}
                training: {globalBatch: 8, microBatch: 1, precision: fp32}
                plans: [{name: zb, dp: 2, tp: 2, pp: 2, schedule: zb-h1, zero: 2}]
                """);
        StepProgram program = StepProgram.of(e, e.plans().get(0));
        StageProgram last = program.stages().get(1);
        assertTrue(last.body(dev.parasim.program.schedule.Pass.BW, 0).isEmpty(), "ZB-H1 runs no fused backward");
        long reduceScatters = last.body(dev.parasim.program.schedule.Pass.W, 0).stream()
                .filter(i -> i instanceof Instruction.Collective c && c.kind() == CollectiveKind.REDUCE_SCATTER).count();
        // The last stage's units: its 2 layers and the final norm with the wte copy.
        assertEquals(3, reduceScatters);
        assertTrue(last.body(dev.parasim.program.schedule.Pass.B, 0).stream()
                .anyMatch(i -> i instanceof Instruction.Send s && s.peerStage() == 0), "B sends the input gradient back");
    }
}
