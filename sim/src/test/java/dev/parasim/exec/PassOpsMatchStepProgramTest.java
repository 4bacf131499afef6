package dev.parasim.exec;

import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.program.Buffer;
import dev.parasim.program.Group;
import dev.parasim.program.Instruction;
import dev.parasim.program.Overlap;
import dev.parasim.program.StageProgram;
import dev.parasim.program.StepProgram;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ZeRO collectives inside the executor's passes are mapped from the step program's pass bodies ({@link PassOps});
 * this guards the mapping. For every executed plan shape and every (pass, chunk) a stage runs, the collectives of the
 * executor's pass ops — ZeRO-3's AllGathers and ZeRO-2/3's ReduceScatters on DP, SP's per-micro-batch partial-gradient
 * sums on TP, and a TP pass's own collectives (activations, loss statistics, received slices' gathers) — are the
 * body's one for one: per kind and group in the body's order, the same unit, over the instruction's elements (padded
 * to the DP group), and the pass computes the units of the body's {@code Compute}. One-rank DP groups have none in the
 * program, and the executor's one-rank ops are skipped. The shapes: the executed experiments' plans, and tiny plans of dp ∈ {1, 2, 3}, tp ∈ {1, 2}
 * (SP on and off), pp ∈ {1, 2} (GPipe, 1F1B, ZB-H1, interleaved with 2 chunks), ZeRO 0–3. A body with two collectives
 * swapped, one removed, or one the executor has no place for fails when the programs are built. Builds ops only;
 * nothing runs.
 */
class PassOpsMatchStepProgramTest {

    static Stream<Arguments> plans() throws IOException {
        List<Arguments> out = new ArrayList<>();
        Path configs = Path.of("..", "configs", "experiments");
        for (String file : List.of("tiny-gpt-executed.yaml", "tiny-gpt-parallel-executed.yaml", "tiny-gpt-recompute-executed.yaml")) {
            Experiment e = SpecLoader.parse(Files.readString(configs.resolve(file)), List.of());
            for (ParallelPlan plan : e.plans()) out.add(Arguments.of(file + " " + plan.name(), e, plan));
        }
        for (int dp = 1; dp <= 3; dp++)
            for (int tp = 1; tp <= 2; tp++)
                for (int pp = 1; pp <= 2; pp++)
                    for (String schedule : pp == 1 ? List.of("1f1b") : List.of("gpipe", "1f1b", "zb-h1", "interleaved"))
                        for (int zero = 0; zero <= 3; zero++)
                            for (boolean sp : tp == 1 ? new boolean[] {false} : new boolean[] {false, true}) {
                                Experiment e = tiny(dp, tp, pp, schedule, zero, sp);
                                out.add(Arguments.of(e.plans().get(0).name(), e, e.plans().get(0)));
                            }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void passCollectivesAreTheBodysOneForOne(String name, Experiment e, ParallelPlan plan) {
        ExecLimits.check(e, plan, ExecModels.parameters(e.model()));
        StepProgram program = StepProgram.of(e, plan);
        StrategyProgram[][] programs = Execution.programs(e, plan, program);
        int mappedCount = 0;
        for (int s = 0; s < plan.pp(); s++) {
            StageProgram stage = program.stages().get(s);
            for (int t = 0; t < plan.tp(); t++)
                for (PassRef ref : bodies(stage)) {
                    String where = name + " stage " + s + " TP rank " + t + " " + ref.pass() + " chunk " + ref.chunk();
                    Map<String, List<String>> expected = new LinkedHashMap<>(), executed = new LinkedHashMap<>();
                    Map<String, List<Long>> lengths = new LinkedHashMap<>();
                    for (Instruction i : stage.body(ref))
                        if (i instanceof Instruction.Collective c && mapped(c)) {
                            String key = c.kind() + " " + c.group() + (ownTp(c) ? " activations" : "");
                            expected.computeIfAbsent(key, k -> new ArrayList<>()).add(key + (ownTp(c) ? "" : " unit " + c.buffer().unit()));
                            // a DP ring runs the unit padded to the group; a TP sum runs the tensor as it is
                            long length = c.group() == Group.DP ? Chunking.padded(c.elements(), program.groupSize(Group.DP)) : c.elements();
                            lengths.computeIfAbsent(key, k -> new ArrayList<>()).add(length);
                        }
                    Map<String, List<Long>> runs = new LinkedHashMap<>();
                    executed(programs[s][t], ref, plan, executed, runs);
                    assertEquals(expected, executed, where + ": kind, group and unit of each collective, in order");
                    assertEquals(lengths, runs, where + ": elements each collective runs");
                    mappedCount += expected.values().stream().mapToInt(List::size).sum();
                }
        }
        if (plan.tp() > 1 || plan.zero().shardsGradients() && plan.dp() > 1)
            assertTrue(mappedCount > 0, name + ": a TP plan, or a ZeRO-2/3 plan on dp > 1, maps pass collectives");
        else assertEquals(0, mappedCount, name + ": without TP or ZeRO-2/3 on dp > 1, no pass has a mapped collective");
    }

    /**
     * A body altered any way the executor's passes cannot follow fails the build of the ranks' programs, naming the
     * instruction and what the executor needed: ZeRO-3 (dp = 2, one stage, units 0–5 with the tied head last) with two
     * gathers swapped, one removed, one over other elements, an {@code Allocate} or {@code Free} removed, a foreign
     * collective added; ZeRO-2 under ZB-H1 with a reduce-scatter taken twice; SP's sums swapped or resized.
     */
    @Test
    void anAlteredBodyFailsTheBuild() {
        Experiment zero3 = tiny(2, 1, 1, "1f1b", 3, false);
        assertBuildFails(zero3, Pass.F, body -> swapFirstTwo(body, CollectiveKind.ALL_GATHER, Buffer.Kind.GATHERED_PARAMETERS),
                "unit=1], elements=", "in F0 does not fit the executor's gather of unit 0 (the body's next)");
        assertBuildFails(zero3, Pass.F, body -> removeLast(body, i -> i instanceof Instruction.Collective c
                && c.kind() == CollectiveKind.ALL_GATHER), "F0 has no ZeRO-3 gather of unit 5, which the executor's pass runs");
        assertBuildFails(zero3, Pass.F, body -> resizeFirst(body, CollectiveKind.ALL_GATHER, 2),
                "in F0 does not fit the executor's unit 0 padded to ");
        assertBuildFails(zero3, Pass.BW, body -> removeLast(body, i -> i instanceof Instruction.Allocate),
                "BW0 allocates no Buffer[kind=GATHERED_PARAMETERS, unit=1] for its Collective[kind=ALL_GATHER");
        assertBuildFails(zero3, Pass.F, body -> removeLast(body, i -> i instanceof Instruction.Free),
                "F0 frees no gathered unit 5, which the executor's pass releases");
        assertBuildFails(zero3, Pass.BW, body -> removeLast(body, i -> i instanceof Instruction.Collective c
                && c.kind() == CollectiveKind.REDUCE_SCATTER), "BW0 has no ZeRO-2/3 reduce-scatter of unit 0, which the executor's pass runs");
        assertBuildFails(zero3, Pass.F, body -> append(body, new Instruction.Collective(CollectiveKind.ALL_REDUCE, Group.DP,
                Buffer.of(Buffer.Kind.GRADIENTS, 0), 8, 4, Overlap.BEHIND_PASS)), "in F0 does not fit the executor's pass ops");
        Experiment zero2 = tiny(2, 2, 2, "zb-h1", 2, false);
        assertBuildFails(zero2, Pass.W, body -> append(body, body.stream()
                .filter(i -> i instanceof Instruction.Collective).findFirst().orElseThrow()), "in W0 does not fit the executor's pass W0 (no op of it takes this)");
        Experiment sp = tiny(1, 2, 1, "1f1b", 2, true);
        assertBuildFails(sp, Pass.BW, body -> swapFirstTwo(body, CollectiveKind.ALL_REDUCE, Buffer.Kind.SP_PARTIAL_GRADIENT),
                "in BW0 does not fit the executor's SP sum of unit 5 (the body's next)");
        assertBuildFails(sp, Pass.BW, body -> resizeFirst(body, CollectiveKind.ALL_REDUCE, 1),
                "in BW0 does not fit the executor's partial tensor of 16 elements in unit 5");
        // A TP pass's own collectives and every pass's compute.
        Experiment tp = tiny(1, 2, 2, "1f1b", 0, true);
        assertBuildFails(tp, Pass.F, body -> removeLast(body, i -> i instanceof Instruction.Collective c
                && c.buffer().kind() == Buffer.Kind.TP_ACTIVATION), "F0 has no REDUCE_SCATTER of TP_ACTIVATION on TP, which the executor's pass runs");
        assertBuildFails(tp, Pass.BW, body -> swapFirstKinds(body, Buffer.Kind.TP_ACTIVATION),
                "REDUCE_SCATTER, group=TP, buffer=Buffer[kind=TP_ACTIVATION, unit=-1], elements=256", "in BW0 does not fit the executor's ALL_GATHER of TP_ACTIVATION on TP of 256 elements");
        Experiment tensor = tiny(1, 2, 1, "1f1b", 0, false);
        assertBuildFails(tensor, Pass.F, body -> resizeFirst(body, CollectiveKind.ALL_REDUCE, 1),
                "in F0 does not fit the executor's ALL_REDUCE of TP_ACTIVATION on TP of 256 elements");
        assertBuildFails(tensor, Pass.F, body -> removeLast(body, i -> i instanceof Instruction.Collective c
                && c.buffer().kind() == Buffer.Kind.TP_LOSS_STATISTICS), "F0 has no ALL_REDUCE of TP_LOSS_STATISTICS on TP");
        assertBuildFails(zero3, Pass.BW, body -> removeLast(body, i -> i instanceof Instruction.Compute),
                "BW0 computes nothing, where the executor's pass runs units [0, 1, 2, 3, 4, 5]");
        assertBuildFails(tp, Pass.F, body -> replaceCompute(body, 1), "does not fit the executor's pass over units [0, 1, 2]");
        assertBuildFails(tp, Pass.F, body -> removeLast(body, i -> i instanceof Instruction.Send || i instanceof Instruction.Receive),
                "F0 has no send to stage 1");
        Experiment pipeline = tiny(1, 1, 2, "interleaved", 0, false);
        assertBuildFails(pipeline, Pass.BW, body -> replaceLinks(body, 1),
                "elements=257", "in BW0 does not fit the executor's receive of 256 elements from stage 1");
    }

    /** Swaps the first two collectives on {@code buffer} of different kinds. */
    private static List<Instruction> swapFirstKinds(List<Instruction> body, Buffer.Kind buffer) {
        int first = -1;
        for (int k = 0; k < body.size(); k++)
            if (body.get(k) instanceof Instruction.Collective c && c.buffer().kind() == buffer) {
                if (first < 0) first = k;
                else if (c.kind() != ((Instruction.Collective) body.get(first)).kind()) {
                    Instruction was = body.get(first);
                    body.set(first, c);
                    body.set(k, was);
                    return body;
                }
            }
        throw new AssertionError("no two kinds on " + buffer + " in " + body);
    }

    /** Adds {@code extra} elements to every send and receive. */
    private static List<Instruction> replaceLinks(List<Instruction> body, long extra) {
        body.replaceAll(i -> i instanceof Instruction.Send s ? new Instruction.Send(s.peerStage(), s.buffer(), s.elements() + extra, s.elementBytes())
                : i instanceof Instruction.Receive r ? new Instruction.Receive(r.peerStage(), r.buffer(), r.elements() + extra, r.elementBytes()) : i);
        return body;
    }

    /** Moves the body's compute's last unit by {@code shift}. */
    private static List<Instruction> replaceCompute(List<Instruction> body, int shift) {
        for (int k = 0; k < body.size(); k++)
            if (body.get(k) instanceof Instruction.Compute c) {
                body.set(k, new Instruction.Compute(c.pass(), c.firstUnit(), c.lastUnit() + shift, c.flops()));
                return body;
            }
        throw new AssertionError("no compute in " + body);
    }

    /** Builds the ranks' programs of {@code e}'s plan with every stage's chunk-0 body of {@code pass} changed; they must fail naming {@code parts}. */
    private static void assertBuildFails(Experiment e, Pass pass, UnaryOperator<List<Instruction>> change, String... parts) {
        ParallelPlan plan = e.plans().get(0);
        StepProgram program = StepProgram.of(e, plan);
        List<StageProgram> stages = new ArrayList<>();
        for (StageProgram stage : program.stages()) {
            List<List<Instruction>> bodies = new ArrayList<>(stage.bodies());
            int at = pass.ordinal() * stage.chunks();
            List<Instruction> changed = change.apply(new ArrayList<>(bodies.get(at)));
            assertTrue(!changed.equals(bodies.get(at)), "the change alters " + pass + "0 of stage " + stage.stage());
            bodies.set(at, changed);
            stages.add(new StageProgram(stage.stage(), stage.chunks(), stage.order(), bodies, stage.prologue(), stage.epilogue()));
        }
        StepProgram altered = new StepProgram(program.plan(), program.layout(), program.microBatches(), program.schedule(), stages);
        Execution.programs(e, plan, program);   // the program as generated builds
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> Execution.programs(e, plan, altered));
        assertTrue(error.getMessage().startsWith("the step program's "), error.getMessage());
        for (String part : parts) assertTrue(error.getMessage().contains(part), "'" + part + "' in: " + error.getMessage());
    }

    /** Swaps the first two collectives of {@code kind} on {@code buffer} buffers of different units. */
    private static List<Instruction> swapFirstTwo(List<Instruction> body, CollectiveKind kind, Buffer.Kind buffer) {
        List<Integer> at = new ArrayList<>();
        for (int k = 0; k < body.size() && at.size() < 2; k++)
            if (body.get(k) instanceof Instruction.Collective c && c.kind() == kind && c.buffer().kind() == buffer
                    && (at.isEmpty() || ((Instruction.Collective) body.get(at.get(0))).buffer().unit() != c.buffer().unit()))
                at.add(k);
        assertEquals(2, at.size(), "two " + kind + " of different units in " + body);
        Instruction first = body.get(at.get(0));
        body.set(at.get(0), body.get(at.get(1)));
        body.set(at.get(1), first);
        return body;
    }

    /** Removes the last instruction {@code which} selects. */
    private static List<Instruction> removeLast(List<Instruction> body, Predicate<Instruction> which) {
        for (int k = body.size() - 1; k >= 0; k--)
            if (which.test(body.get(k))) {
                body.remove(k);
                return body;
            }
        throw new AssertionError("nothing to remove in " + body);
    }

    /** Adds {@code extra} elements to the first collective of {@code kind}. */
    private static List<Instruction> resizeFirst(List<Instruction> body, CollectiveKind kind, long extra) {
        for (int k = 0; k < body.size(); k++)
            if (body.get(k) instanceof Instruction.Collective c && c.kind() == kind) {
                body.set(k, new Instruction.Collective(c.kind(), c.group(), c.buffer(), c.elements() + extra, c.elementBytes(), c.overlap()));
                return body;
            }
        throw new AssertionError("no " + kind + " in " + body);
    }

    private static List<Instruction> append(List<Instruction> body, Instruction extra) {
        body.add(extra);
        return body;
    }

    /** {@return whether {@link PassOps} maps {@code c}: a DP collective, an SP partial-gradient sum, a TP pass's own} */
    private static boolean mapped(Instruction.Collective c) {
        return c.group() == Group.DP || c.buffer().kind() == Buffer.Kind.SP_PARTIAL_GRADIENT || ownTp(c);
    }

    /** {@return whether {@code c} is one of a TP pass's own collectives: activations, loss statistics, a received slice's gather} */
    private static boolean ownTp(Instruction.Collective c) {
        return c.group() == Group.TP && c.buffer().kind() != Buffer.Kind.SP_PARTIAL_GRADIENT;
    }

    /** {@return one pass of each (pass, chunk) the stage runs} */
    private static Set<PassRef> bodies(StageProgram stage) {
        Set<PassRef> out = new LinkedHashSet<>();
        for (PassRef ref : stage.order()) out.add(new PassRef(ref.pass(), 0, ref.chunk()));
        return out;
    }

    /** Adds, per kind and group, each ring segment of pass {@code ref}'s DP collectives and SP sums, with its unit and length. */
    private static void executed(StrategyProgram prog, PassRef ref, ParallelPlan plan, Map<String, List<String>> executed,
                                 Map<String, List<Long>> lengths) {
        List<Op> ops = prog.tp() > 1 ? TpStageDriver.passOps(prog, ref) : ZeroPasses.plain(prog, ref);
        for (Op op : ops) {
            if (op.collective() == null) continue;
            List<Seg> segs = op instanceof RingAllReduce r ? r.segs() : op instanceof RingReduceScatter r ? r.segs()
                    : op instanceof RingAllGather g ? g.segs() : null;
            if (segs == null) throw new AssertionError("a pass collective the test does not know: " + op);
            boolean dp = op.group() == RankGrid.Group.DP;
            if (dp && plan.dp() == 1) continue;   // a one-rank ring: a local copy the program leaves out
            for (Seg seg : segs) {
                boolean own = !dp && !seg.buffer().startsWith("gt");   // TP activations and loss statistics
                String key = op.collective() + " " + (dp ? Group.DP : Group.TP) + (own ? " activations" : "");
                executed.computeIfAbsent(key, k -> new ArrayList<>()).add(key + (own ? "" : " unit " + seg.buffer().substring(2)));
                lengths.computeIfAbsent(key, k -> new ArrayList<>()).add((long) seg.length());
            }
        }
    }

    /** {@return a tiny-GPT experiment of one plan (4 layers, 4 micro-batches per replica)} */
    private static Experiment tiny(int dp, int tp, int pp, String schedule, int zero, boolean sp) {
        int chunks = schedule.equals("interleaved") ? 2 : 1;
        return SpecLoader.parse("""
                name: pass-ops-test
                model: {name: tiny-gpt, layers: 4, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 1, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32}
                plans:
                  - {name: d%d-t%d-p%d-%s-z%d%s, dp: %d, tp: %d, pp: %d, schedule: %s, chunks: %d, zero: %d, sequenceParallel: %s}
                execute: {steps: 1, seed: 3}
                """.formatted(dp * tp * pp, dp * 8, dp, tp, pp, schedule, zero, sp ? "-sp" : "",
                dp, tp, pp, schedule, chunks, zero, sp), List.of());
    }
}
