package dev.parasim.analytic;

import dev.parasim.Fixtures;
import dev.parasim.cost.ComputeCost;
import dev.parasim.cost.PassTimes;
import dev.parasim.memory.MemoryModel;
import dev.parasim.report.PredictionJson;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.timeline.Timeline;
import dev.parasim.timeline.Timelines;
import dev.parasim.workload.Parameters;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Uneven pipeline stages (pp·chunks not dividing the layers, or an explicit stageLayers) with golden numbers. */
class UnevenStagesTest {
    /** The tiny GPT (h 32, a 4, f 128, V 64, s 16, tied, LayerNorm, eager attention, no dropout) with 5 layers on 2 stages. */
    static final Experiment FIVE = Fixtures.experiment("""
            name: five
            model: {preset: tiny-gpt, layers: 5}
            cluster: {preset: cpu-8}
            training: {globalBatch: 8, microBatch: 1, precision: fp32}
            plans:
              - {name: default, dp: 4, pp: 2}
              - {name: by-hand, dp: 4, pp: 2, stageLayers: [2, 3]}
            """);

    /** BLOOM-176B's published layout (BigScience 2022): 70 layers, tp 4, pp 12, dp 8 on 384 A100s, 2,048 sequences of 2,048. */
    static final String BLOOM = """
            name: bloom
            model: {preset: gpt3-175b, name: bloom-176b, layers: 70, hidden: 14336, heads: 112, kvHeads: 112,
                    ffnHidden: 57344, vocab: 250880, seqLen: 2048}
            cluster: {preset: dgx-a100-80g, nodes: 48}
            training: {globalBatch: 2048, microBatch: 2, precision: bf16-mixed, recompute: selective}
            plans:
              - {name: published, dp: 8, tp: 4, pp: 12, zero: 1}
              - {name: by-hand, dp: 8, tp: 4, pp: 12, zero: 1, stageLayers: [5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5]}
            """;

    @Test
    void fiveLayersOnTwoStagesByHand() {
        ParallelPlan plan = FIVE.plans().get(0);
        // Default split: 3, 2 (the one smaller share is the last stage's, which holds the head).
        // A layer: 12h² + 13h = 12,704; embedding V·h + s·h = 2,560; final norm 2h = 64 with the tied wte copy V·h = 2,048.
        assertEquals(2560 + 3 * 12704, Parameters.sum(Parameters.stageUnits(FIVE.model(), plan, 0)));
        assertEquals(40672, Parameters.sum(Parameters.stageUnits(FIVE.model(), plan, 0)));
        assertEquals(27520, Parameters.sum(Parameters.stageUnits(FIVE.model(), plan, 1)));
        // The (model, tp, pp, stage) form other callers use gives the default split of one chunk per stage too.
        for (int s = 0; s < 2; s++)
            assertArrayEquals(Parameters.stageUnits(FIVE.model(), plan, s), Parameters.stageUnits(FIVE.model(), 1, 2, s));
        // Activations (fp32, no recompute): a layer keeps 4·s·b·(4h + 2h + 2f + 2·kv) + 4·a·s²·b = 36,864 B and its norm
        // statistics 4·2·2·s·b = 256 B. Stage 0: 3 layers + its output 4·s·b·h = 2,048, two micro-batches in flight under
        // 1F1B; stage 1: 2 layers + output, final norm output and statistics, fp32 softmax 4·s·b·V = 8,320, one in flight.
        assertEquals(2 * (3 * 37120 + 2048), MemoryModel.activationBytes(FIVE, plan, 0));
        assertEquals(226816, MemoryModel.activationBytes(FIVE, plan, 0));
        assertEquals(82560, MemoryModel.activationBytes(FIVE, plan, 1));
        // Step time: each stage computes its own layers (plus the embedding on the first, the head on the last).
        ComputeCost cost = new ComputeCost(FIVE.cluster().gpu(), FIVE.training().precision(), FIVE.cluster().calibration());
        PassTimes layer = cost.layer(FIVE.model(), plan, 1, FIVE.training().recompute());
        List<StageCost> stages = Accountant.evaluate(FIVE, plan).stages();
        assertEquals(layer.times(3).plus(cost.embedding(FIVE.model(), plan, 1)), stages.get(0).compute());
        assertEquals(layer.times(2).plus(cost.head(FIVE.model(), plan, 1)), stages.get(1).compute());
        // On cpu-8's calibrated GEMMs (seconds per micro-batch): one layer's forward is 0.112 ms, so 3 layers with
        // the embedding take 0.335 ms and 2 with the head 0.233 ms (0.108, 0.325 and 0.225 ms before the H100
        // calibration's refit with the cross-entropy counted kernel by kernel: GEMM efficiency 0.72 to 0.635).
        assertEquals(1.1152428346456692E-4, layer.forward(), 1e-18);
        assertEquals(3.348288503937008E-4, stages.get(0).compute().forward(), 1e-18);
        assertEquals(2.3297889763779526E-4, stages.get(1).compute().forward(), 1e-18);
        assertEquals(6.686337007874015E-4, stages.get(0).compute().backward(), 1e-18);
    }

    @Test
    void anExplicitSplitMovesTheLayers() {
        ParallelPlan byHand = FIVE.plans().get(1);
        assertEquals(2560 + 2 * 12704, Parameters.sum(Parameters.stageUnits(FIVE.model(), byHand, 0)));
        assertEquals(3 * 12704 + 2112, Parameters.sum(Parameters.stageUnits(FIVE.model(), byHand, 1)));
        assertEquals(2 * (2 * 37120 + 2048), MemoryModel.activationBytes(FIVE, byHand, 0));
        assertEquals(3 * 37120 + 8320, MemoryModel.activationBytes(FIVE, byHand, 1));
    }

    @Test
    void bloomsPublishedLayoutIsPredictedPerStage() {
        Experiment e = Fixtures.experiment(BLOOM);
        ParallelPlan plan = e.plans().get(0);
        PlanPrediction p = Accountant.predict(e, plan);
        Map<String, Object> json = PredictionJson.plan(e.model(), p);
        assertEquals(List.of(5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5), json.get("stageLayers"));
        // Memory per stage; the worst stage decides fits.
        long worst = 0;
        int worstStage = -1;
        for (int s = 0; s < plan.pp(); s++) {
            MemoryModel.ModelStates states = MemoryModel.modelStates(e, plan, s);
            long peak = states.paramsBytes() + states.gradsBytes() + states.optimizerBytes() + MemoryModel.activationBytes(e, plan, s);
            if (peak > worst) { worst = peak; worstStage = s; }
        }
        assertEquals(worstStage, p.memory().stage());
        assertEquals(12, p.memory().activationsBytesByStage().size());
        // The middle stages hold 6 layers, the first and last 5 with the embedding (and head): 6 layers of 14336² weights.
        long[] middle = Parameters.stageUnits(e.model(), plan, 5);
        assertEquals(6, middle.length);
        assertEquals(6, Parameters.stageUnits(e.model(), plan, 0).length);   // embedding + 5 layers
        assertTrue(p.time().stepSeconds() > 0);
    }

    @Test
    void anExplicitSplitEqualToTheDefaultGivesTheSameOutput() {
        Experiment e = Fixtures.experiment(BLOOM);
        Map<String, Object> byDefault = PredictionJson.plan(e.model(), Accountant.predict(e, e.plans().get(0)));
        Map<String, Object> byHand = PredictionJson.plan(e.model(), Accountant.predict(e, e.plans().get(1)));
        byDefault.remove("name");
        byHand.remove("name");
        assertEquals(byDefault, byHand);
        Timeline a = Timelines.of(e, e.plans().get(0)), b = Timelines.of(e, e.plans().get(1));
        assertEquals(a.stepSeconds(), b.stepSeconds(), 0);
        assertArrayEquals(a.busySeconds(), b.busySeconds(), 0);
    }

    @Test
    void theTimelinePlaysEachStagesOwnCosts() {
        Experiment e = Fixtures.experiment(BLOOM);
        // Interleaved needs m (here 2,304 / (2·8) = 144) a multiple of pp: 24 virtual stages of 2, 3 × 22, 2 layers.
        Experiment interleaved = Fixtures.experiment(BLOOM.replace("globalBatch: 2048", "globalBatch: 2304")
                + "  - {name: interleaved, dp: 8, tp: 4, pp: 12, zero: 1, schedule: interleaved, chunks: 2}\n");
        for (ParallelPlan plan : List.of(e.plans().get(0), interleaved.plans().get(2))) {
            Experiment x = plan.chunks() > 1 ? interleaved : e;
            Timeline full = Timelines.of(x, plan), fast = Timelines.of(x, plan, false);
            // Bit for bit: the compiled replay keeps one cost per stage, chunk and pass.
            assertEquals(full.stepSeconds(), fast.stepSeconds(), plan.name());
            assertArrayEquals(full.busySeconds(), fast.busySeconds(), plan.name());
        }
        // 1F1B: the middle stages (6 layers) are busier than the first (5 layers and the embedding).
        double[] busy = Timelines.of(e, e.plans().get(0), false).busySeconds();
        assertTrue(busy[5] > busy[0], busy[5] + " vs " + busy[0]);
    }

    @Test
    void perTensorGathersCountEachStagesOwnLayers() {
        // ZeRO-3 with DeepSpeed's per-tensor gathers over the uneven split 3, 2: one count per unit of the stage, a GPT
        // layer 12 tensors, the embedding 2 (wte, wpe), the last unit the final norm's 2 and the tied wte copy.
        Experiment e = Fixtures.experiment("""
                name: five-zero3
                model: {preset: tiny-gpt, layers: 5}
                cluster: {preset: cpu-8}
                training: {globalBatch: 8, microBatch: 1, precision: fp32, zeroGathers: tensors}
                plans:
                  - {name: zero3, dp: 4, pp: 2, zero: 3}
                """);
        ParallelPlan plan = e.plans().get(0);
        assertArrayEquals(new int[] {2, 12, 12, 12}, Parameters.stageUnitTensors(e.model(), plan, 0));
        assertArrayEquals(new int[] {12, 12, 3}, Parameters.stageUnitTensors(e.model(), plan, 1));
        for (int s = 0; s < 2; s++)
            assertEquals(Parameters.stageUnits(e.model(), plan, s).length, Parameters.stageUnitTensors(e.model(), plan, s).length);
        assertTrue(Accountant.predict(e).get(0).time().stepSeconds() > 0);
    }
}
