package dev.parasim.exec.spark;

import dev.parasim.analytic.Accountant;
import dev.parasim.program.ExecutedEvent;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankDetail;
import dev.parasim.memory.MemoryModel;
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
 * tp2 and tp4 runs (pp = 1, plain TP and with sequence parallelism), 1 step of 2 micro-batches, fp32:
 * <ul>
 * <li>each rank's peak metered activations equal the accountant's ({@code MemoryModel.activationBytes}) to the
 *   byte: L blocks' saved tensors — Korthikanti et al. 2022 Table 2 without dropout masks, plus the LayerNorm
 *   statistics — and the edge terms (the last block's output, the final norm's output and statistics, under SP
 *   the head's gathered input, the fp32 softmax b·s·V/t). Under SP both hold Korthikanti's row: qkv and fc1
 *   keep their local input and gather it again in backward. Nothing is left after the step;</li>
 * <li>the replay has one F and one BW per micro-batch per rank and every TP collective on the comm lane
 *   as a TP span: per micro-batch 4L + 4 AllReduces (plain TP), or 4L + 2 ReduceScatters, 4L + 2
 *   AllGathers and 2 AllReduces plus the step's SP-gradient AllReduce, and 2L more AllGathers (the
 *   backward re-gathers of the qkv/fc1 inputs) (SP).</li>
 * </ul>
 */
class TensorParallelMemoryAndReplayTest {

    @ParameterizedTest(name = "tp{0}, sequenceParallel {1}")
    @CsvSource({"2,false", "2,true", "4,false", "4,true"})
    void activationsMatchTheAccountantAndReplayHasPassesAndTpCollectives(int t, boolean sp) {
        int m = 2;
        Experiment e = SpecLoader.parse("""
                name: exec-tp-memory
                model: {name: tiny-gpt, layers: 2, hidden: 16, heads: 4, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: %d, nodes: 1}
                training: {globalBatch: 4, microBatch: 2, precision: fp32}
                plans:
                  - {name: tp%d, dp: 1, tp: %d, sequenceParallel: %s}
                execute: {steps: 1, seed: 5}
                """.formatted(t, t, t, sp), List.of());
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        long layers = e.model().layers();
        long predicted = MemoryModel.activationBytes(e, plan, 0);
        assertEquals(predicted, Accountant.predict(e, plan).memory().activationsBytes(), "the prediction's activations");
        Timeline replay = ExecutedReplay.of(e, plan, r.eventsByRank());
        for (RankDetail d : r.ranks()) {
            assertEquals(predicted, d.memory().peak(MemCategory.ACTIVATIONS), "rank " + d.rank() + " peak activations");
            assertEquals(0, d.memory().live(MemCategory.ACTIVATIONS), "rank " + d.rank() + " activations after the step");
            long forward = d.events().stream().filter(ev -> ev.kind() == ExecutedEvent.Kind.F).count();
            long backward = d.events().stream().filter(ev -> ev.kind() == ExecutedEvent.Kind.BW).count();
            assertEquals(m, forward, "one F per micro-batch on rank " + d.rank());
            assertEquals(m, backward, "one BW per micro-batch on rank " + d.rank());
            List<Span> compute = replay.lane(d.rank(), Lane.COMPUTE);
            assertEquals(m, compute.stream().filter(x -> x.kind() == SpanKind.FORWARD).count());
            assertEquals(m, compute.stream().filter(x -> x.kind() == SpanKind.BACKWARD).count());
            List<Span> comm = replay.lane(d.rank(), Lane.COMM);
            assertTrue(comm.stream().allMatch(x -> x.kind() == SpanKind.TP_COMM && x.label().endsWith("[TP]")), "TP spans only");
            long expected = sp ? m * (2 * (4 * layers + 2) + 2 * layers + 2) + 1 : m * (4 * layers + 4);
            assertEquals(expected, comm.size(), "TP collectives on rank " + d.rank());
            if (sp) {
                assertEquals(m * (4 * layers + 2), comm.stream().filter(x -> x.label().equals("RingReduceScatter[TP]")).count());
                assertEquals(m * (6 * layers + 2), comm.stream().filter(x -> x.label().equals("RingAllGather[TP]")).count());
            }
        }
        assertTrue(replay.exposedCommSeconds() > 0);
    }

    /**
     * tp2·pp2 1F1B with SP, 2 micro-batches: every rank replays one F and one BW per micro-batch, and its
     * TP collectives land on the comm lane — per micro-batch 12 on the first stage (the lookup's
     * ReduceScatter, 4 per layer each way and its 2 backward re-gathers, the embedding gradient's AllGather)
     * and 14 on the last (4 per layer each way and 2 re-gathers, the head's AllGather, the cross-entropy's
     * 2 AllReduces, the head gradient's ReduceScatter), plus the step's SP-gradient AllReduce.
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
        ExecutedResult r = ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT);
        Timeline replay = ExecutedReplay.of(e, plan, r.eventsByRank());
        for (RankDetail d : r.ranks()) {
            List<Span> compute = replay.lane(d.rank(), Lane.COMPUTE);
            assertEquals(m, compute.stream().filter(x -> x.kind() == SpanKind.FORWARD).count(), "rank " + d.rank());
            assertEquals(m, compute.stream().filter(x -> x.kind() == SpanKind.BACKWARD).count(), "rank " + d.rank());
            long tp = replay.lane(d.rank(), Lane.COMM).stream().filter(x -> x.kind() == SpanKind.TP_COMM).count();
            assertEquals(m * (d.stage() == 0 ? 12 : 14) + 1, tp, "TP collectives on rank " + d.rank());
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
        assertInputsFollowTheirProducers(ExecutedReplay.of(e, plan, ExecutedRun.inProcess(e, plan, ExecutedRun.Options.DEFAULT).eventsByRank()));
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
