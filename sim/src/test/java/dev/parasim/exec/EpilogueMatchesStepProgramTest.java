package dev.parasim.exec;

import dev.parasim.program.Instruction;
import dev.parasim.program.StepProgram;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The executor's step epilogue is mapped from the step program's ({@link EpilogueOps}); this guards the mapping. For
 * every executed plan shape, the collectives of the executor's step epilogue (the ops after its {@link PipelineOp})
 * are the step program's epilogue collectives ({@code program.StageProgram.epilogue}) one for one and in order: each
 * ring segment of an executor op is one instruction, of the same kind and group, over the instruction's elements or
 * those padded to a multiple of the group's ranks (ZeRO's padded units: the same chunks, the same bytes). A
 * collective on a group of one rank moves nothing and the program leaves it out, so the executor runs none (the test
 * still skips any, should the mapping ever emit one). The
 * shapes: the executed experiments' plans, and tiny plans of dp ∈ {1, 2, 3}, tp ∈ {1, 2} (SP on and off), pp ∈ {1, 2}
 * (1F1B, and interleaved with 2 chunks), ZeRO 0–3, fp32 and bf16-mixed, with DDP buckets small enough to be several.
 * Builds the programs only; nothing runs.
 */
class EpilogueMatchesStepProgramTest {

    static Stream<Arguments> plans() throws IOException {
        List<Arguments> out = new ArrayList<>();
        Path configs = Path.of("..", "configs", "experiments");
        for (String file : List.of("tiny-gpt-executed.yaml", "tiny-gpt-parallel-executed.yaml", "tiny-gpt-recompute-executed.yaml")) {
            Experiment e = SpecLoader.parse(Files.readString(configs.resolve(file)), List.of());
            for (ParallelPlan plan : e.plans()) out.add(Arguments.of(file + " " + plan.name(), e, plan));
        }
        for (String precision : List.of("fp32", "bf16-mixed"))
            for (int dp = 1; dp <= 3; dp++)
                for (int tp = 1; tp <= 2; tp++)
                    for (int pp = 1; pp <= 2; pp++)
                        for (int zero = 0; zero <= 3; zero++)
                            for (boolean sp : tp == 1 ? new boolean[] {false} : new boolean[] {false, true})
                                for (int chunks = 1; chunks <= pp; chunks++) {
                                    Experiment e = tiny(dp, tp, pp, chunks, zero, sp, precision);
                                    out.add(Arguments.of(e.plans().get(0).name() + " " + precision, e, e.plans().get(0)));
                                }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void epilogueCollectivesAreTheProgramsOneForOne(String name, Experiment e, ParallelPlan plan) {
        ExecLimits.check(e, plan);
        StrategyProgram[][] programs = Execution.programs(e, plan);
        StepProgram program = StepProgram.of(e, plan);
        RankGrid grid = new RankGrid(plan.dp(), plan.tp(), plan.pp());
        for (int s = 0; s < plan.pp(); s++) {
            List<Instruction.Collective> expected = new ArrayList<>();
            for (Instruction i : program.stages().get(s).epilogue())
                if (i instanceof Instruction.Collective c) expected.add(c);
            for (int t = 0; t < plan.tp(); t++) {
                List<String> executed = new ArrayList<>();
                List<Integer> lengths = new ArrayList<>();
                epilogue(programs[s][t], grid, executed, lengths);
                String where = name + " stage " + s + " TP rank " + t;
                assertEquals(describe(expected, program), executed, where + ": kind, group and group size of each collective");
                for (int k = 0; k < expected.size(); k++) {
                    long elements = expected.get(k).elements(), n = program.groupSize(expected.get(k).group());
                    assertTrue(lengths.get(k) >= elements && lengths.get(k) < elements + n, where + ", collective " + k + " ("
                            + executed.get(k) + "): " + lengths.get(k) + " elements run for the program's " + elements);
                }
            }
        }
    }

    /**
     * Where the mapping is not one for one: with dp = 1 DDP still stages its buckets around a DP sync the program
     * leaves out (the copies the accountant charges), and an fp64 run cuts the same flat gradient into buckets of
     * 8-byte elements, twice as many as the program's 4-byte ones.
     */
    @org.junit.jupiter.api.Test
    void bucketStagingWithoutPeersAndFp64BucketsFollowTheExecutorsElements() {
        Experiment single = Experiments.tiny(1, 0, 2, "fp32", false, 0.004);
        List<String> ops = after(Execution.programs(single, single.plans().get(0))[0][0]).stream().map(Object::toString).toList();
        assertEquals(List.of("STAGE_BUCKETS", "UNSTAGE_BUCKETS", "ADAM", "END_STEP"), ops, "dp = 1 DDP epilogue");

        Experiment fp64 = Experiments.tiny(2, 0, 2, "fp32", true, 0.004);
        StrategyProgram program = Execution.programs(fp64, fp64.plans().get(0))[0][0];
        long flat = 0;
        for (int u = 0; u < program.layout().units().size(); u++) flat += program.unitSize(u);
        long buckets = StepProgram.of(fp64, fp64.plans().get(0)).stages().get(0).epilogue().stream()
                .filter(i -> i instanceof Instruction.Collective).count();
        List<Seg> segs = after(program).stream().filter(op -> op instanceof RingAllReduce).findFirst()
                .map(op -> ((RingAllReduce) op).segs()).orElseThrow();
        assertEquals(program.buckets.size(), segs.size(), "the executor's own buckets");
        assertTrue(segs.size() > buckets, segs.size() + " fp64 buckets for the program's " + buckets);
        assertEquals(flat, program.buckets.stream().mapToLong(b -> b[1]).sum(), "the buckets cover the flat gradient");
    }

    /** {@return the ops after the program's {@link PipelineOp}} */
    private static List<Op> after(StrategyProgram program) {
        List<Op> ops = program.ops();
        int start = 0;
        while (!(ops.get(start) instanceof PipelineOp)) start++;
        return ops.subList(start + 1, ops.size());
    }

    /** Adds each ring segment of the collectives after the program's {@link PipelineOp}, on groups of more than one rank. */
    private static void epilogue(StrategyProgram program, RankGrid grid, List<String> executed, List<Integer> lengths) {
        for (Op op : after(program)) {
            if (op.collective() == null) continue;
            int n = switch (op.group()) { case DP -> grid.dp(); case TP -> grid.tp(); case EMBEDDING -> 2; };
            if (n == 1) continue;
            List<Seg> segs = op instanceof RingAllReduce r ? r.segs() : op instanceof RingReduceScatter r ? r.segs()
                    : op instanceof RingAllGather g ? g.segs() : null;
            if (segs == null) throw new AssertionError("an epilogue collective the test does not know: " + op);
            for (Seg seg : segs) {
                executed.add(op.collective() + " " + op.group() + " of " + n);
                lengths.add(seg.length());
            }
        }
    }

    private static List<String> describe(List<Instruction.Collective> collectives, StepProgram program) {
        return collectives.stream().map(c -> c.kind() + " " + c.group() + " of " + program.groupSize(c.group())).toList();
    }

    /** {@return a tiny-GPT experiment of one plan (4 layers, 2 micro-batches per replica, DDP buckets of 1 kB)} */
    private static Experiment tiny(int dp, int tp, int pp, int chunks, int zero, boolean sp, String precision) {
        String schedule = chunks > 1 ? "interleaved" : "1f1b";
        return SpecLoader.parse("""
                name: epilogue-test
                model: {name: tiny-gpt, layers: 4, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 1, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: %s, bucketMB: 0.001}
                plans:
                  - {name: d%d-t%d-p%d-v%d-z%d%s, dp: %d, tp: %d, pp: %d, schedule: %s, chunks: %d, zero: %d, sequenceParallel: %s}
                execute: {steps: 1, seed: 3}
                """.formatted(dp * tp * pp, dp * 4, precision, dp, tp, pp, chunks, zero, sp ? "-sp" : "",
                dp, tp, pp, schedule, chunks, zero, sp), List.of());
    }
}
