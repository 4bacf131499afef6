package dev.parasim.exec.spark;

import dev.parasim.exec.ExecEvent;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankDetail;
import dev.parasim.exec.TestSpark;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.timeline.ExecutedReplay;
import dev.parasim.timeline.Lane;
import dev.parasim.timeline.Span;
import dev.parasim.timeline.SpanKind;
import dev.parasim.timeline.Timeline;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tp2 run (pp = 1, plain TP and with sequence parallelism), 1 step of 2 micro-batches, fp32:
 * <ul>
 * <li>each rank's peak metered activations are L blocks' saved tensors, exactly the closed form of
 *   Korthikanti et al. 2022 Table 2 without dropout masks, in elements per block: plain TP
 *   b·s·h·(4 + 4/t) + 2·b·s·f/t + (a/t)·b·s² + 4·b·s; SP (gathered qkv/fc1 inputs kept)
 *   b·s·h·(2 + 6/t) + 2·b·s·f/t + (a/t)·b·s² + 4·b·s/t; SP keeping local inputs ({@code spLocalInputs},
 *   Korthikanti's SP row) 8·b·s·h/t + 2·b·s·f/t + (a/t)·b·s² + 4·b·s/t; plus one edge term, the head's logits
 *   and softmax 2·b·s·V/t (the embedding's one-hot and the final norm are not metered); nothing is left after
 *   the step;</li>
 * <li>the replay has one F and one BW per micro-batch per rank and every TP collective on the comm lane
 *   as a TP span: per micro-batch 4L + 4 AllReduces (plain TP), or 4L + 2 ReduceScatters, 4L + 2
 *   AllGathers and 2 AllReduces plus the step's SP-gradient AllReduce (SP), and 2L more AllGathers
 *   (the backward re-gathers) with local inputs.</li>
 * </ul>
 */
class TensorParallelMemoryAndReplayTest {

    @ParameterizedTest(name = "tp2, sequenceParallel {0}, local inputs {1}")
    @CsvSource({"false,false", "true,false", "true,true"})
    void activationsMatchClosedFormAndReplayHasPassesAndTpCollectives(boolean sp, boolean local) {
        int m = 2, t = 2;
        Experiment e = SpecLoader.parse("""
                name: exec-tp-memory
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: 1}
                training: {globalBatch: 4, microBatch: 2, precision: fp32}
                plans:
                  - {name: tp2, dp: 1, tp: 2, sequenceParallel: %s}
                execute: {steps: 1, seed: 5, spLocalInputs: %s}
                """.formatted(sp, local), List.of());
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.run(TestSpark.session(), e, plan);
        ModelSpec model = e.model();
        long b = 2, s = model.seqLen(), h = model.hidden(), f = model.ffnHidden(), a = model.heads(), layers = model.layers();
        // Korthikanti et al. 2022 Table 2 (tensor parallel, resp. sequence parallel keeping gathered inputs), no dropout masks.
        long perBlock = local ? 8 * b * s * h / t + 2 * b * s * f / t + a / t * b * s * s + 4 * b * s / t
                : sp ? b * s * h * 2 + 6 * b * s * h / t + 2 * b * s * f / t + a / t * b * s * s + 4 * b * s / t
                : b * s * h * 4 + 4 * b * s * h / t + 2 * b * s * f / t + a / t * b * s * s + 4 * b * s;
        Timeline replay = ExecutedReplay.of(e, plan, r.ranks());
        for (RankDetail d : r.ranks()) {
            // Edge term: the head's logits and softmax, 2·b·s·V/t, held while every block still waits for its backward.
            long head = 2 * b * s * model.vocab() / t;
            assertEquals((layers * perBlock + head) * 4, d.memory().peak(MemCategory.ACTIVATIONS), "rank " + d.rank() + " peak activations");
            assertEquals(0, d.memory().live(MemCategory.ACTIVATIONS), "rank " + d.rank() + " activations after the step");
            long forward = d.events().stream().filter(ev -> ev.kind() == ExecEvent.Kind.F).count();
            long backward = d.events().stream().filter(ev -> ev.kind() == ExecEvent.Kind.BW).count();
            assertEquals(m, forward, "one F per micro-batch on rank " + d.rank());
            assertEquals(m, backward, "one BW per micro-batch on rank " + d.rank());
            List<Span> compute = replay.lane(d.rank(), Lane.COMPUTE);
            assertEquals(m, compute.stream().filter(x -> x.kind() == SpanKind.FORWARD).count());
            assertEquals(m, compute.stream().filter(x -> x.kind() == SpanKind.BACKWARD).count());
            List<Span> comm = replay.lane(d.rank(), Lane.COMM);
            assertTrue(comm.stream().allMatch(x -> x.kind() == SpanKind.TP_COMM && x.label().endsWith("[TP]")), "TP spans only");
            long regathers = local ? m * 2 * layers : 0;
            long expected = sp ? m * (2 * (4 * layers + 2) + 2) + 1 + regathers : m * (4 * layers + 4);
            assertEquals(expected, comm.size(), "TP collectives on rank " + d.rank());
            if (sp) {
                assertEquals(m * (4 * layers + 2), comm.stream().filter(x -> x.label().equals("RingReduceScatter[TP]")).count());
                assertEquals(m * (4 * layers + 2) + regathers, comm.stream().filter(x -> x.label().equals("RingAllGather[TP]")).count());
            }
        }
        assertTrue(replay.exposedCommSeconds() > 0);
    }

    /**
     * tp2·pp2 1F1B with SP, 2 micro-batches: every rank replays one F and one BW per micro-batch, and its
     * TP collectives land on the comm lane — per micro-batch 10 on the first stage (the lookup's
     * ReduceScatter, 4 per layer each way, the embedding gradient's AllGather) and 12 on the last (4 per
     * layer each way, the head's AllGather, the cross-entropy's 2 AllReduces, the head gradient's
     * ReduceScatter), plus the step's SP-gradient AllReduce.
     */
    @org.junit.jupiter.api.Test
    void threeDimensionalSequenceParallelRunReplaysItsTpCollectives() {
        int m = 2;
        Experiment e = SpecLoader.parse("""
                name: exec-sp-3d-replay
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: 2}
                training: {globalBatch: 4, microBatch: 2, precision: fp32}
                plans:
                  - {name: tp2-pp2-sp, dp: 1, tp: 2, pp: 2, schedule: 1f1b, sequenceParallel: true}
                execute: {steps: 1, seed: 5}
                """, List.of());
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.run(TestSpark.session(), e, plan);
        Timeline replay = ExecutedReplay.of(e, plan, r.ranks());
        for (RankDetail d : r.ranks()) {
            List<Span> compute = replay.lane(d.rank(), Lane.COMPUTE);
            assertEquals(m, compute.stream().filter(x -> x.kind() == SpanKind.FORWARD).count(), "rank " + d.rank());
            assertEquals(m, compute.stream().filter(x -> x.kind() == SpanKind.BACKWARD).count(), "rank " + d.rank());
            long tp = replay.lane(d.rank(), Lane.COMM).stream().filter(x -> x.kind() == SpanKind.TP_COMM).count();
            assertEquals(m * (d.stage() == 0 ? 10 : 12) + 1, tp, "TP collectives on rank " + d.rank());
        }
        assertInputsFollowTheirProducers(replay);
    }

    /** tp2·pp2 1F1B without SP: the slices a stage sends (logged inside its pass) still leave after that pass. */
    @org.junit.jupiter.api.Test
    void threeDimensionalSlicesLeaveAfterTheirPass() {
        Experiment e = SpecLoader.parse("""
                name: exec-tp-3d-replay
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: 2}
                training: {globalBatch: 4, microBatch: 2, precision: fp32}
                plans:
                  - {name: tp2-pp2, dp: 1, tp: 2, pp: 2, schedule: 1f1b}
                execute: {steps: 1, seed: 5}
                """, List.of());
        ParallelPlan plan = e.plans().get(0);
        assertInputsFollowTheirProducers(ExecutedReplay.of(e, plan, ExecutedRun.run(TestSpark.session(), e, plan).ranks()));
    }

    /** Every slice a rank sends leaves after the pass that produced it has ended on that rank. */
    private static void assertInputsFollowTheirProducers(Timeline replay) {
        int sends = 0;
        for (int rank = 0; rank < replay.stages(); rank++) {
            List<Span> compute = replay.lane(rank, Lane.COMPUTE);
            for (Span send : replay.lane(rank, Lane.COMM)) {
                if (send.kind() != SpanKind.PP_SEND) continue;
                SpanKind producer = send.label().startsWith("send F") ? SpanKind.FORWARD : SpanKind.BACKWARD;
                Span pass = compute.stream().filter(x -> x.kind() == producer && x.microBatch() == send.microBatch()
                        && x.chunk() == send.chunk()).findFirst().orElseThrow();
                assertTrue(pass.endSeconds() <= send.startSeconds(), "rank " + rank + ": " + send.label() + " at "
                        + send.startSeconds() + " before its pass ended at " + pass.endSeconds());
                sends++;
            }
        }
        assertTrue(sends > 0, "the pipeline sent something");
    }
}
