package dev.parasim.timeline;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.StageCost;
import dev.parasim.program.StepProgram;
import dev.parasim.program.schedule.CompiledOrder;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.workload.StageSplit;

import java.util.ArrayList;
import java.util.List;

/**
 * The timeline interpreter: plays one step of a plan on one representative rank per pipeline stage
 * (DP and TP peers are symmetric), with pass costs from the same per-stage costs the closed form uses.
 * Unlike the closed form it sees uneven stages (embedding first, LM head last, and stages or chunks holding
 * different numbers of layers, {@code workload.StageSplit}), send queues, and where in the step the data-parallel
 * synchronisation really starts.
 */
public final class Timelines {
    private Timelines() {}

    private static final Pass[] PASSES = Pass.values();

    public static Timeline of(Experiment e, ParallelPlan plan) {
        return of(e, plan, true);
    }

    /** {@code withSpans} false plays the step without keeping its spans (for sweeps). */
    public static Timeline of(Experiment e, ParallelPlan plan, boolean withSpans) {
        return of(e, plan, Accountant.evaluate(e, plan).stages(), withSpans);
    }

    /** Plays a plan from per-stage costs already computed by the accountant. */
    public static Timeline of(Experiment e, ParallelPlan plan, List<StageCost> costs, boolean withSpans) {
        if (!withSpans) return fast(e, plan, costs);
        int p = plan.pp(), m = e.microBatches(plan), v = plan.chunks();
        PipelineSchedule schedule = StepProgram.effectiveSchedule(plan);
        List<List<PassRef>> orders = PipelineOrder.of(schedule, p, m, v);
        PipelineSimulator.Played played = PipelineSimulator.play(orders, v, StageCosts.of(e, plan, costs), withSpans);
        return finish(e, plan, orders, costs, played, new CommSpans(e, StepProgram.of(e, plan)));
    }

    /**
     * After the last pass: gradient sync (overlapping the last backward as {@link StageCost#syncExposed} states: DDP's
     * buckets as that backward produces them, the last one exposed), optimizer, parameter gather; every collective of
     * the step program drawn where it runs ({@link CommSpans}).
     */
    static Timeline finish(Experiment e, ParallelPlan plan, List<List<PassRef>> orders, List<StageCost> costs,
                           PipelineSimulator.Played played, CommSpans comm) {
        int p = plan.pp();
        double dpOverlap = e.cluster().calibration().dpOverlap();
        List<Span> spans = new ArrayList<>(played.spans());
        double[] end = new double[p], busy = new double[p], exposed = new double[p], compute = new double[p];
        for (int s = 0; s < p; s++) {
            StageCost c = costs.get(s);
            double[] last = lastBackward(s, orders.get(s), played);
            double syncStart = last[0] + (1 - dpOverlap) * (last[1] - last[0]);
            double syncEnd = last[1] + c.syncExposed(last[1] - syncStart);
            double optimizerStart = Math.max(played.pipelineEnd()[s], syncEnd);
            double optimizerEnd = optimizerStart + c.optimizer();
            double gatherExposed = Math.max(0, c.afterStep() - dpOverlap * c.compute().forward());
            if (!played.spans().isEmpty()) {
                spans.add(new Span(s, Lane.COMPUTE, SpanKind.OPTIMIZER, -1, -1, optimizerStart, optimizerEnd, "optimizer"));
                comm.passes(spans, s, played);
                comm.epilogue(spans, s, c, syncStart, syncEnd, optimizerEnd, gatherExposed);
            }
            end[s] = optimizerEnd + gatherExposed;
            compute[s] = played.compute()[s] + c.optimizer();
            busy[s] = compute[s] + played.exposed()[s];
            exposed[s] = played.exposed()[s] + (optimizerStart - played.pipelineEnd()[s]) + gatherExposed;
        }
        int busiest = busiest(compute, exposed);
        double step = max(end);
        double bubble = Math.max(0, step - compute[busiest] - exposed[busiest]);
        return new Timeline(plan.name(), p, spans, step, compute[busiest], exposed[busiest], bubble, busy);
    }

    /** The span-free replay: same arithmetic as {@link #finish}, over cached compiled orders and cost tables. */
    static Timeline fast(Experiment e, ParallelPlan plan, List<StageCost> costs) {
        CompiledOrder order = order(plan, e.microBatches(plan));
        FastReplay.Result r = FastReplay.play(order, table(e, plan, costs, new double[tableSize(plan)]));
        int p = plan.pp();
        Ends ends = ends(e, plan, costs, r);
        double[] end = ends.end(), busy = new double[p], exposedTotal = new double[p], computeTotal = new double[p];
        for (int s = 0; s < p; s++) {
            computeTotal[s] = r.compute()[s] + costs.get(s).optimizer();
            busy[s] = computeTotal[s] + r.exposed()[s];
            exposedTotal[s] = r.exposed()[s] + (ends.optimizerStart()[s] - r.pipelineEnd()[s]) + ends.gatherExposed()[s];
        }
        int busiest = busiest(computeTotal, exposedTotal);
        double step = max(end);
        double bubble = Math.max(0, step - computeTotal[busiest] - exposedTotal[busiest]);
        return new Timeline(plan.name(), p, List.of(), step, computeTotal[busiest], exposedTotal[busiest], bubble, busy);
    }

    /**
     * The step time alone, as {@link #fast} plays it (what a sweep keeps of a plan's timeline), reusing a pipeline play
     * from {@code plays} when an earlier plan had the same order and the same per-pass costs (plans that differ only
     * after the pipeline phase, such as ZeRO-0 and -1 of one layout, share it); identical to playing again.
     */
    public static double stepSeconds(Experiment e, ParallelPlan plan, List<StageCost> costs, PipelinePlays plays) {
        int n = tableSize(plan);
        double[] table = table(e, plan, costs, plays.table(n));
        return max(ends(e, plan, costs, plays.play(order(plan, e.microBatches(plan)), table, n)).end());
    }

    private static CompiledOrder order(ParallelPlan plan, int m) {
        return PipelineOrder.compiled(StepProgram.effectiveSchedule(plan), plan.pp(), m, plan.chunks());
    }

    /**
     * {@return the flat cost table ({@link FastReplay#compute}): per stage and chunk (a stage's chunks cost differently when
     * its layers do not split evenly), the compute, exposed communication and send seconds of each pass kind}, written
     * into the first {@link #tableSize} entries of {@code table}
     */
    private static double[] table(Experiment e, ParallelPlan plan, List<StageCost> costs, double[] table) {
        int p = plan.pp(), v = plan.chunks(), passes = Pass.values().length;
        StageCosts stages = StageCosts.of(e, plan, costs);
        for (int s = 0; s < p; s++) {
            StageCost c = costs.get(s);
            for (int chunk = 0; chunk < v; chunk++) {
                double share = stages.share(s, chunk);
                for (Pass pass : PASSES) {
                    int at = FastReplay.compute(s * v + chunk, pass.ordinal());
                    table[at] = StageCosts.compute(c, pass) / share;
                    table[at + passes] = StageCosts.exposed(c, pass) / share;
                    table[at + 2 * passes] = pass == Pass.F ? c.sendForward() : c.sendBackward();
                }
            }
        }
        return table;
    }

    /** {@return the entries of the plan's flat cost table: three per pass kind, stage and chunk} */
    private static int tableSize(ParallelPlan plan) {
        return 3 * plan.pp() * plan.chunks() * Pass.values().length;
    }

    /** Per stage: when the optimizer starts, the exposed parameter gather after it, and when the step ends. */
    private record Ends(double[] optimizerStart, double[] gatherExposed, double[] end) {}

    /** {@return per stage, how its step ends after the pipeline phase {@code r}: as {@link #finish} computes it} */
    private static Ends ends(Experiment e, ParallelPlan plan, List<StageCost> costs, FastReplay.Result r) {
        double dpOverlap = e.cluster().calibration().dpOverlap();
        int p = plan.pp();
        double[] optimizerStart = new double[p], gatherExposed = new double[p], end = new double[p];
        for (int s = 0; s < p; s++) {
            StageCost c = costs.get(s);
            double syncEnd = r.lastBackwardEnd()[s]
                    + c.syncExposed(dpOverlap * (r.lastBackwardEnd()[s] - r.lastBackwardStart()[s]));
            optimizerStart[s] = Math.max(r.pipelineEnd()[s], syncEnd);
            gatherExposed[s] = Math.max(0, c.afterStep() - dpOverlap * c.compute().forward());
            end[s] = optimizerStart[s] + c.optimizer() + gatherExposed[s];
        }
        return new Ends(optimizerStart, gatherExposed, end);
    }

    /** {@return start and end of the stage's last pass that produces weight gradients} */
    static double[] lastBackward(int stage, List<PassRef> order, PipelineSimulator.Played played) {
        for (int i = order.size() - 1; i >= 0; i--) {
            PassRef ref = order.get(i);
            if (ref.pass() == Pass.BW || ref.pass() == Pass.W)
                return played.passTimes(new dev.parasim.program.schedule.Dependencies.StagePass(stage, ref));
        }
        throw new IllegalStateException("stage " + stage + " has no backward pass");
    }

    /**
     * Pass costs from the per-stage costs: each chunk carries the stage's costs in proportion to its layers
     * ({@link StageSplit}; 1/v of them when the split is even).
     */
    record StageCosts(List<StageCost> stages, StageSplit split) implements PipelineSimulator.Costs {
        static StageCosts of(Experiment e, ParallelPlan plan, List<StageCost> stages) {
            return new StageCosts(stages, StageSplit.of(e.model(), plan));
        }

        @Override
        public PipelineSimulator.PassCost pass(int stage, PassRef ref) {
            StageCost c = stages.get(stage);
            double share = share(stage, ref.chunk());
            return new PipelineSimulator.PassCost(compute(c, ref.pass()) / share, exposed(c, ref.pass()) / share);
        }

        /** {@return the stage's share per chunk, as a divisor of its costs: exactly v when the split is even} */
        double share(int stage, int chunk) {
            return (double) split.stageLayers(stage) / split.chunkLayers(stage, chunk);
        }

        /** {@return a whole stage's compute seconds of one pass kind (all its chunks)} */
        static double compute(StageCost c, Pass pass) {
            return switch (pass) {
                case F -> c.compute().forward();
                case B -> c.compute().backwardInput();
                case W -> c.compute().backwardWeight();
                case BW -> c.compute().backward();
            };
        }

        /** {@return a whole stage's exposed communication seconds of one pass kind (W communicates nothing)} */
        static double exposed(StageCost c, Pass pass) {
            return switch (pass) {
                case F -> c.forwardExposed();
                case B, BW -> c.backwardExposed();
                case W -> 0;
            };
        }

        @Override
        public double send(int from, int to, PassRef ref) {
            return ref.pass() == Pass.F ? stages.get(from).sendForward() : stages.get(from).sendBackward();
        }
    }

    /**
     * {@return the row whose step is split into compute, exposed communication and bubble}: the busiest one (most
     * compute plus exposed communication; the first of equals), so that the bubble is the time the pipeline's
     * bottleneck waits — {@link Timeline#bubbleSeconds}'s one definition, the closed form's too
     */
    static int busiest(double[] compute, double[] exposed) {
        int b = 0;
        for (int s = 1; s < compute.length; s++) if (compute[s] + exposed[s] > compute[b] + exposed[b]) b = s;
        return b;
    }

    private static double max(double[] values) {
        double m = values[0];
        for (double v : values) m = Math.max(m, v);
        return m;
    }
}
