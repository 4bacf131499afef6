package dev.parasim.sweep;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.TrainingSpec;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.ZeroStage;
import dev.parasim.spec.SweepSpec;
import dev.parasim.timeline.PipelinePlays;
import dev.parasim.timeline.Timelines;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Evaluates the plans of one seed with the accountant and the timeline. Candidates that break a spec
 * rule are counted per rule (the rule text, e.g. "must divide model.heads (96)"), never dropped silently.
 */
public final class PlanEvaluator {
    private final SweepSpec spec;
    /** Pipeline plays shared by the plans of the current seed (ZeRO-0 and -1 of one layout play the same pipeline). */
    private final PipelinePlays plays = new PipelinePlays();

    public PlanEvaluator(SweepSpec spec) {
        this.spec = spec;
    }

    /**
     * Evaluates every plan of the seed; emits one result per valid plan and one count per rejection reason. Rejection is
     * cheap: a seed whose layout breaks a rule counts its candidates without enumerating them, and a candidate whose
     * experiment breaks a spec rule takes the reason found for an earlier candidate of the seed with the same
     * {@link Validity} (the rules read no other coordinate), so most of the rejected candidates build nothing.
     */
    public void evaluate(PlanSpace.Seed seed, Consumer<SweepResult> sink) {
        ClusterSpec cluster = spec.cluster().withNodes(seed.gpus() / spec.cluster().gpusPerNode());
        String broken = layoutRuleBroken(seed, cluster);
        if (broken != null) {
            long candidates = PlanSpace.count(spec, seed);
            if (candidates > 0) sink.accept(SweepResult.invalid(seed.gpus(), broken, candidates));
            return;
        }
        Map<String, Long> rejected = new LinkedHashMap<>();
        Map<Validity, String> rejections = new HashMap<>();
        PlanSpace.expand(spec, seed, c -> {
            Validity validity = new Validity(c.schedule(), c.chunks(), c.microBatch(), c.sequenceParallel(), c.ep());
            String reason = rejections.get(validity);
            if (reason == null) {
                try {
                    Experiment e = experiment(name(seed, c), seed, c, cluster);
                    try {
                        sink.accept(evaluate(seed, c, e));
                        return;
                    } catch (SpecException evaluation) {
                        reason = reason(evaluation);
                    }
                } catch (SpecException rule) {
                    reason = reason(rule);
                    rejections.put(validity, reason);
                }
            }
            rejected.merge(reason, 1L, Long::sum);
        });
        rejected.forEach((reason, count) -> sink.accept(SweepResult.invalid(seed.gpus(), reason, count)));
        plays.clear();
    }

    /**
     * The coordinates of a seed's candidate that the spec rules read (the experiment's checks, {@code spec.Experiment},
     * {@code spec.ParallelPlan}, {@code spec.TrainingSpec}): not the ZeRO stage nor recompute, which are only required.
     */
    private record Validity(PipelineSchedule schedule, int chunks, int microBatch, boolean sequenceParallel, int ep) {}

    /** Evaluates one candidate and drops the result ({@link SweepJob.Prepared#warmUp}); {@return false if it breaks a rule} */
    boolean warmUp(PlanSpace.Candidate c) {
        PlanSpace.Seed seed = c.seed();
        ClusterSpec cluster = spec.cluster().withNodes(seed.gpus() / spec.cluster().gpusPerNode());
        if (layoutRuleBroken(seed, cluster) != null) return false;
        try {
            evaluate(seed, c, experiment(name(seed, c), seed, c, cluster));
            return true;
        } catch (SpecException e) {
            return false;
        }
    }

    /** {@return the pipeline plays this evaluator ran and reused} */
    public PipelinePlays plays() {
        return plays;
    }

    /** {@return the sweep rule the seed's layout breaks, or null} */
    private String layoutRuleBroken(PlanSpace.Seed seed, ClusterSpec cluster) {
        if (spec.constraints().tpWithinNode() && seed.tp() > cluster.gpusPerNode())
            return "constraint: tp must stay within a node (" + cluster.gpusPerNode() + " GPUs)";
        if (seed.gpus() % ((long) seed.tp() * seed.pp() * seed.cp()) != 0) return "tp·pp·cp must divide the GPU count";
        return null;
    }

    /**
     * Accountant work of one plan in units of one timeline pass replay, for {@link #estimatedCost}: a fixed part and a part
     * per pipeline stage (the memory model walks each stage's passes), fitted to the million-candidate sweep's seeds
     * (about 5,000 and 170 pass replays).
     */
    static final double PLAN_COST_IN_PASSES = 5000, STAGE_COST_IN_PASSES = 170;

    /**
     * {@return the seed's evaluation work, estimated without evaluating}: per valid candidate the
     * accountant, plus per distinct pipeline play (ZeRO-0 and -1 of a layout share one) its passes,
     * p·m·v·(2, or 3 for ZB-H1). Only balances seeds over tasks: a 32-stage pipeline of 1,536 micro-batches
     * costs hundreds of times a 2-stage one, and an invalid layout (tp·pp·cp not dividing the GPUs) almost nothing.
     */
    public double estimatedCost(PlanSpace.Seed seed) {
        ClusterSpec cluster = spec.cluster().withNodes(seed.gpus() / spec.cluster().gpusPerNode());
        if (layoutRuleBroken(seed, cluster) != null) return 0;
        // Validity and passes do not depend on recompute, nor on the ZeRO stage beyond "is it 3": build and
        // check one experiment per rest of the coordinates (a twelfth of the candidates here).
        Map<List<Object>, Double> passesOf = new HashMap<>();
        java.util.Set<List<Object>> plays = new java.util.HashSet<>();
        double[] cost = {0};
        PlanSpace.expand(spec, seed, c -> {
            double passes = passesOf.computeIfAbsent(
                    List.of(c.zero() == ZeroStage.PARAMETERS, c.schedule(), c.chunks(), c.microBatch(), c.sequenceParallel(), c.ep()),
                    k -> passes(seed, c, cluster));
            if (passes < 0) return;
            cost[0] += PLAN_COST_IN_PASSES + STAGE_COST_IN_PASSES * seed.pp();
            ZeroStage playedAs = c.zero() == ZeroStage.OPTIMIZER ? ZeroStage.DDP : c.zero();
            if (plays.add(List.of(playedAs, c.schedule(), c.chunks(), c.microBatch(), c.recompute(), c.sequenceParallel(), c.ep())))
                cost[0] += passes;
        });
        return cost[0];
    }

    /** {@return passes of the candidate's pipeline play, p·m·v·(2, or 3 for ZB-H1), or −1 if it breaks a rule} */
    private double passes(PlanSpace.Seed seed, PlanSpace.Candidate c, ClusterSpec cluster) {
        Experiment e;
        try {
            e = experiment("estimate", seed, c, cluster);
        } catch (SpecException rejected) {
            return -1;
        }
        ParallelPlan plan = e.plans().get(0);
        int passKinds = plan.pp() > 1 && plan.schedule() == PipelineSchedule.ZB_H1 ? 3 : 2;
        return (double) plan.pp() * e.microBatches(plan) * plan.chunks() * passKinds;
    }

    /** {@return the one-plan experiment of a candidate; throws the spec rule it breaks} */
    private Experiment experiment(String name, PlanSpace.Seed seed, PlanSpace.Candidate c, ClusterSpec cluster) {
        TrainingSpec base = spec.training();
        TrainingSpec training = new TrainingSpec(base.globalBatch(), c.microBatch(), base.precision(), base.optimizer(),
                c.recompute(), base.bucketMB(), base.tpCommOverlap(), base.zeroGathers(), base.recomputeEarlyStop(),
                base.gradReduceFp32(), base.crossEntropy());
        int dp = seed.gpus() / (seed.tp() * seed.pp() * seed.cp());
        ParallelPlan plan = new ParallelPlan(name, dp, seed.tp(), seed.pp(), seed.cp(), c.zero(), c.schedule(),
                c.chunks(), c.sequenceParallel(), List.of(), c.ep());
        return new Experiment(spec.name(), spec.model(), cluster, training, List.of(plan), Optional.empty());
    }

    /** {@return the row of a candidate whose experiment {@code e} is built} */
    private SweepResult evaluate(PlanSpace.Seed seed, PlanSpace.Candidate c, Experiment e) {
        int dp = seed.gpus() / (seed.tp() * seed.pp() * seed.cp());
        ParallelPlan plan = e.plans().get(0);
        Accountant.Evaluation evaluation = Accountant.evaluate(e, plan);
        PlanPrediction p = evaluation.prediction();
        double timelineStep = Timelines.stepSeconds(e, plan, evaluation.stages(), plays);
        double tokensPerSecond = p.tokensPerSecond();
        double days = spec.constraints().tokenBudget() > 0 ? spec.constraints().tokenBudget() / tokensPerSecond / 86400 : 0;
        var m = p.memory();
        return new SweepResult(seed.gpus(), plan.name(), dp, seed.tp(), seed.pp(), seed.cp(), c.ep(), c.zero().number(),
                c.schedule().label(), c.chunks(), c.sequenceParallel(), c.microBatch(), c.recompute().label(),
                m.fits() ? SweepResult.OK : SweepResult.OOM, m.reason(), 1, m.peakBytes(), m.paramsBytes(), m.gradsBytes(),
                m.optimizerBytes(), m.activationsBytes(), m.otherBytes(), p.comm().bytesPerGpu(), p.time().stepSeconds(),
                timelineStep, p.time().computeSeconds(), p.time().exposedCommSeconds(), p.time().bubbleSeconds(), p.mfu(),
                p.hfu(), tokensPerSecond, tokensPerSecond / seed.gpus(), days);
    }

    /** {@return the rule a candidate broke, without the numbers that differ between candidates, so reasons aggregate} */
    static String reason(SpecException e) {
        String path = e.path().startsWith("plans[0]") ? "plan" + e.path().substring("plans[0]".length())
                : e.path().startsWith("training") ? e.path() : "plan." + e.path();
        String rule = e.rule().replaceAll(" \\(\\d+\\)", "").replace(" of plans[0]", "");
        return path + ": " + rule;
    }

    /** {@return a readable, unique plan name such as dp16-tp8-pp8-z1-interleaved2-mb1-selective-sp} */
    static String name(PlanSpace.Seed seed, PlanSpace.Candidate c) {
        int dp = seed.gpus() / (seed.tp() * seed.pp() * seed.cp());
        StringBuilder b = new StringBuilder("dp").append(dp).append("-tp").append(seed.tp()).append("-pp").append(seed.pp());
        if (seed.cp() > 1) b.append("-cp").append(seed.cp());
        b.append("-z").append(c.zero().number());
        if (seed.pp() > 1) b.append('-').append(c.schedule().label()).append(c.chunks() > 1 ? c.chunks() : "");
        b.append("-mb").append(c.microBatch()).append('-').append(c.recompute().label());
        if (c.sequenceParallel()) b.append("-sp");
        if (c.ep() > 1) b.append("-ep").append(c.ep());
        return b.toString();
    }
}
