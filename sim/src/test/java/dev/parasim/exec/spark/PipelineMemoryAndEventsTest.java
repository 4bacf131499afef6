package dev.parasim.exec.spark;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankDetail;
import dev.parasim.memory.Activations;
import dev.parasim.memory.MemoryModel;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.workload.StageSplit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Measured pipeline memory follows the schedule, equals the accountant's, and the event log is complete.
 * <ul>
 * <li>The most micro-batch chunks a stage holds between passes equals the memory model's in-flight count
 *     ({@code Activations.layersInFlight} / layers per chunk): GPipe m, 1F1B and ZB-H1 p − stage,
 *     interleaved min(m·v, 2(p − s − 1) + (v − 1)·p + 1), or m·v when m = p (all warm-up, as Megatron).</li>
 * <li>Every stage's peak activation bytes, and the most it holds between passes (the same: a forward only adds, a
 *     backward only releases), equal the accountant's for that stage ({@code MemoryModel.activationBytes}) to the
 *     byte, edge terms included: each chunk's output, the final norm and the fp32 softmax on the last chunk. Under
 *     ZB-H1 that includes what each micro-batch keeps from its B to its W (M_W: the linear layers' inputs and output
 *     gradients, the head's logit gradient and input), as many as the order has pending at the peak.</li>
 * <li>Each rank logs one F and one BW (ZB-H1: one B and one W) per micro-batch per chunk; every send has
 *     exactly one matching receive on its peer; a received pass depends on the sender's pass.</li>
 * </ul>
 */
class PipelineMemoryAndEventsTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.parasim.exec.spark.PipelineRuns#all")
    void memoryFollowsTheScheduleAndTheLogIsComplete(PipelineRuns.Config c) {
        Experiment e = c.experiment();
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = PipelineRuns.result(c);
        int pp = c.pp(), v = c.chunks(), m = c.m();
        String schedule = c.schedule();
        ModelSpec model = e.model();
        for (RankDetail d : r.ranks()) {
            int stage = d.stage();
            // Layers per chunk on this stage (uneven splits differ by stage; Activations.layersInFlight counts the
            // stage's average over its chunks).
            double layersPerChunk = (double) StageSplit.of(model, plan).stageLayers(stage) / v;
            long inFlight = Math.round(Activations.layersInFlight(model, plan, m, stage) / layersPerChunk);
            assertEquals(inFlight, d.maxInFlight(), "stage " + stage + " in-flight micro-batch chunks");
            long predicted = MemoryModel.activationBytes(e, plan, stage);
            System.out.printf("%s stage %d: peak activations %,d B measured, %,d predicted%n", c, stage,
                    d.memory().peak(MemCategory.ACTIVATIONS), predicted);
            assertEquals(predicted, d.memory().peak(MemCategory.ACTIVATIONS), "stage " + stage + " peak activation bytes");
            assertEquals(predicted, d.residentActivationBytes(), "stage " + stage + " activation bytes held between passes");
            assertEquals(0, d.memory().live(MemCategory.ACTIVATIONS), "stage " + stage + " activations after the step");
            checkPasses(d, schedule, m, v);
        }
        checkMessages(r.ranks());
    }

    private static void checkPasses(RankDetail d, String schedule, int m, int v) {
        Map<ExecutedEvent.Kind, Set<String>> seen = new HashMap<>();
        for (ExecutedEvent ev : d.events()) {
            if (ev.kind() == ExecutedEvent.Kind.SEND || ev.kind() == ExecutedEvent.Kind.RECV || ev.kind() == ExecutedEvent.Kind.COLLECTIVE
                    || ev.kind() == ExecutedEvent.Kind.OPTIMIZER)
                continue;
            assertTrue(seen.computeIfAbsent(ev.kind(), k -> new HashSet<>()).add(ev.microBatch() + "." + ev.chunk()),
                    "rank " + d.rank() + " ran " + ev.label() + " twice");
            assertTrue(ev.flops() > 0, ev.label() + " has FLOPs");
        }
        List<ExecutedEvent.Kind> kinds = schedule.equals("zb-h1") ? List.of(ExecutedEvent.Kind.F, ExecutedEvent.Kind.B, ExecutedEvent.Kind.W)
                : List.of(ExecutedEvent.Kind.F, ExecutedEvent.Kind.BW);
        assertEquals(Set.copyOf(kinds), seen.keySet(), "rank " + d.rank() + " pass kinds");
        for (ExecutedEvent.Kind k : kinds) assertEquals(m * v, seen.get(k).size(), "rank " + d.rank() + " " + k + " passes");
        assertEquals(1, d.events().stream().filter(ev -> ev.kind() == ExecutedEvent.Kind.OPTIMIZER).count(), "rank " + d.rank() + " optimizer steps");
    }

    private static void checkMessages(List<RankDetail> ranks) {
        Map<String, Integer> sends = new HashMap<>();
        Map<String, Set<String>> passes = new HashMap<>();
        for (RankDetail d : ranks)
            for (ExecutedEvent ev : d.events()) {
                if (ev.kind() == ExecutedEvent.Kind.SEND) sends.merge(d.rank() + ">" + ev.peer() + ":" + ev.label(), 1, Integer::sum);
                if (ev.kind() == ExecutedEvent.Kind.F || ev.kind() == ExecutedEvent.Kind.B || ev.kind() == ExecutedEvent.Kind.BW)
                    passes.computeIfAbsent(String.valueOf(d.rank()), k -> new HashSet<>()).add(ev.label());
            }
        int recvs = 0;
        for (RankDetail d : ranks)
            for (ExecutedEvent ev : d.events()) {
                if (ev.kind() != ExecutedEvent.Kind.RECV) continue;
                recvs++;
                assertEquals(1, sends.getOrDefault(ev.peer() + ">" + d.rank() + ":" + ev.label(), 0),
                        "rank " + d.rank() + " received " + ev.label() + " from " + ev.peer() + " exactly once sent");
                assertTrue(ev.bytes() > 0);
            }
        assertEquals(sends.size(), recvs, "every send is received");
        for (RankDetail d : ranks)
            for (ExecutedEvent ev : d.events()) {
                if (ev.dependsOn().isEmpty() || ev.kind() == ExecutedEvent.Kind.W) continue;
                String[] dep = ev.dependsOn().split(":");
                assertTrue(passes.getOrDefault(dep[0], Set.of()).contains(dep[1]), ev.label() + " depends on " + ev.dependsOn());
            }
    }
}
