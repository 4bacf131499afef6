package dev.parasim.program.schedule;

import dev.parasim.memory.Activations;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.ZeroStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PipelineOrderTest {

    @Test
    void oneForwardOneBackwardOnFourStages() {
        List<List<PassRef>> orders = PipelineOrder.of(PipelineSchedule.ONE_F_ONE_B, 4, 6, 1);
        assertEquals("[F0, F1, F2, F3, BW0, F4, BW1, F5, BW2, BW3, BW4, BW5]", orders.get(0).toString());
        assertEquals("[F0, BW0, F1, BW1, F2, BW2, F3, BW3, F4, BW4, F5, BW5]", orders.get(3).toString());
    }

    @Test
    void interleavedFollowsMegatronsOrder() {
        List<List<PassRef>> orders = PipelineOrder.of(PipelineSchedule.INTERLEAVED, 2, 4, 2);
        // Stage 0: warm-up 2(p−1) + (v−1)p = 4 forwards, micro-batches in groups of p per chunk.
        assertEquals("[F0, F1, F0.1, F1.1, F2, BW0.1, F3, BW1.1, F2.1, BW0, F3.1, BW1, BW2.1, BW3.1, BW2, BW3]",
                orders.get(0).toString());
    }

    @Test
    void zeroBubbleSplitsBackwardAndDefersWeightGradients() {
        List<List<PassRef>> orders = PipelineOrder.of(PipelineSchedule.ZB_H1, 3, 4, 1);
        for (List<PassRef> order : orders) assertEquals(12, order.size());
        // B runs as soon as it can; W's fill what would be bubbles, and one runs next whenever a B leaves p pending:
        // up to p micro-batches await their W right after a B (stage 2 after B2 here), at most p − 1 when a B starts.
        assertEquals("[F0, F1, F2, B0, F3, B1, W0, B2, W1, W2, B3, W3]", orders.get(0).toString());
        assertEquals("[F0, B0, F1, B1, F2, B2, W0, F3, B3, W1, W2, W3]", orders.get(2).toString());
    }

    /** Activations live from a micro-batch's forward to its backward (B for ZB-H1): the peak must match the memory model. */
    @ParameterizedTest(name = "{0} p={1} m={2} v={3}")
    @CsvSource({"gpipe, 4, 8, 1", "1f1b, 4, 8, 1", "1f1b, 8, 4, 1", "zb-h1, 4, 8, 1", "interleaved, 4, 8, 2", "interleaved, 2, 6, 3"})
    void peakInFlightMatchesTheMemoryModel(String label, int p, int m, int v) {
        PipelineSchedule schedule = java.util.Arrays.stream(PipelineSchedule.values()).filter(s -> s.label().equals(label)).findFirst().orElseThrow();
        ModelSpec model = new ModelSpec("m", p * v * 3, 64, 4, 4, 256, 100, 32, MlpKind.GELU, true, true);
        ParallelPlan plan = new ParallelPlan("p", 1, 1, p, 1, ZeroStage.DDP, schedule, v, false);
        List<List<PassRef>> orders = PipelineOrder.of(schedule, p, m, v);
        for (int stage = 0; stage < p; stage++) {
            int live = 0, peak = 0;
            for (PassRef ref : orders.get(stage)) {
                if (ref.pass() == Pass.F) peak = Math.max(peak, ++live);
                if (ref.pass() == Pass.BW || ref.pass() == Pass.B) live--;
            }
            double layersPerChunk = (double) model.layers() / (p * v);
            assertEquals(Activations.layersInFlight(model, plan, m, stage), peak * layersPerChunk, 1e-9, "stage " + stage);
        }
    }

    /**
     * ZB-H1 holds M_B per micro-batch from F to B and M_W from B to W: over every order with 2 ≤ p ≤ 8 and
     * p ≤ m ≤ 4p, the most a stage holds between passes is {@code Activations.heldBetweenPasses} with
     * {@code weightGradsPendingAtPeak}, whether M_W is below, equal to or above M_B.
     */
    @Test
    void zeroBubbleHeldBytesMatchTheMemoryModel() {
        for (int p = 2; p <= 8; p++)
            for (int m = p; m <= 4 * p; m++) {
                ParallelPlan plan = new ParallelPlan("p", 1, 1, p, 1, ZeroStage.DDP, PipelineSchedule.ZB_H1, 1, false);
                List<List<PassRef>> orders = PipelineOrder.of(PipelineSchedule.ZB_H1, p, m, 1);
                for (int stage = 0; stage < p; stage++)
                    for (long[] mbw : new long[][] {{7, 3}, {5, 5}, {3, 7}}) {
                        long held = 0, peak = 0;
                        for (PassRef ref : orders.get(stage)) {
                            held += switch (ref.pass()) { case F -> mbw[0]; case B -> mbw[1] - mbw[0]; case W -> -mbw[1];
                                case BW -> throw new AssertionError(ref); };
                            peak = Math.max(peak, held);
                        }
                        assertEquals(peak, Activations.heldBetweenPasses(mbw[0], mbw[1], p - stage,
                                Activations.weightGradsPendingAtPeak(plan, m, stage)), "p " + p + " m " + m + " stage " + stage);
                    }
            }
    }

    @ParameterizedTest
    @CsvSource({"GPIPE, 4, 6, 1", "ONE_F_ONE_B, 4, 6, 1", "INTERLEAVED, 4, 8, 2", "ZB_H1, 4, 6, 1", "ONE_F_ONE_B, 1, 3, 1"})
    void compiledOrderKeepsEachStagesOrderAndPutsEveryPassAfterItsInput(PipelineSchedule schedule, int p, int m, int v) {
        List<List<PassRef>> orders = PipelineOrder.of(schedule, p, m, v);
        CompiledOrder compiled = CompiledOrder.of(orders, v);
        assertEquals(orders.stream().mapToInt(List::size).sum(), compiled.size());
        int[] next = new int[p];
        java.util.Map<Dependencies.StagePass, Integer> position = new java.util.HashMap<>();
        for (int i = 0; i < compiled.size(); i++) {
            int code = compiled.op()[i], stage = compiled.stage(i);
            PassRef ref = orders.get(stage).get(next[stage]++);
            assertEquals(ref.chunk(), compiled.chunk(i), "chunk at " + i);
            assertEquals(ref.pass().ordinal(), (code >>> 1) & 3, "pass kind at " + i);
            assertEquals(Dependencies.consumerStage(stage, ref, p, v) >= 0, (code & 1) == 1, "consumer flag at " + i);
            Dependencies.StagePass dep = Dependencies.of(stage, ref, p, v);
            if (dep != null) {
                Integer at = position.get(dep);
                org.junit.jupiter.api.Assertions.assertNotNull(at, ref + " on stage " + stage + " before its input " + dep);
                assertEquals(dep.stage() == stage ? -1 : at, compiled.dependency()[i]);
            }
            position.put(new Dependencies.StagePass(stage, ref), i);
        }
        for (int s = 0; s < p; s++) assertEquals(orders.get(s).size(), next[s]);
    }

    @Test
    void anOrderThatWaitsForItselfIsRejectedWhenCompiled() {
        // Stage 0 runs micro-batch 0's backward before its forward: stage 1 can never start.
        List<List<PassRef>> orders = List.of(
                List.of(new PassRef(Pass.BW, 0, 0), new PassRef(Pass.F, 0, 0)),
                List.of(new PassRef(Pass.F, 0, 0), new PassRef(Pass.BW, 0, 0)));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> CompiledOrder.of(orders, 1));
        assertEquals("pipeline order deadlocks: no stage can run its next pass", e.getMessage());
    }
    @Test
    void inFlightPeaksGiveTheWalkedPeakForAnyPerChunkBytes() {
        java.util.Random random = new java.util.Random(7);
        for (int p = 2; p <= 6; p++)
            for (int v = 2; v <= 4; v++)
                for (int m = p; m <= 4 * p; m += p) {
                    List<int[][]> peaks = PipelineOrder.inFlightPeaks(PipelineSchedule.INTERLEAVED, p, m, v);
                    for (int stage = 0; stage < p; stage++)
                        for (int trial = 0; trial < 5; trial++) {
                            long[] bytes = new long[v];
                            for (int c = 0; c < v; c++) bytes[c] = 1 + random.nextInt(1000);
                            long live = 0, walked = 0;
                            for (PassRef ref : PipelineOrder.of(PipelineSchedule.INTERLEAVED, p, m, v).get(stage)) {
                                live += ref.pass() == Pass.F ? bytes[ref.chunk()] : -bytes[ref.chunk()];
                                walked = Math.max(walked, live);
                            }
                            long fromPeaks = 0;
                            for (int[] inFlight : peaks.get(stage)) {
                                long held = 0;
                                for (int c = 0; c < v; c++) held += inFlight[c] * bytes[c];
                                fromPeaks = Math.max(fromPeaks, held);
                            }
                            assertEquals(walked, fromPeaks, "p " + p + " v " + v + " m " + m + " stage " + stage);
                        }
                }
    }
}
