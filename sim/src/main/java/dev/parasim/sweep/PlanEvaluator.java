package dev.parasim.sweep;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.TrainingSpec;
import dev.parasim.timeline.Timeline;
import dev.parasim.timeline.Timelines;

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

    public PlanEvaluator(SweepSpec spec) {
        this.spec = spec;
    }

    /** Evaluates every plan of the seed; emits one result per valid plan and one count per rejection reason. */
    public void evaluate(PlanSpace.Seed seed, Consumer<SweepResult> sink) {
        Map<String, Long> rejected = new LinkedHashMap<>();
        ClusterSpec cluster = spec.cluster().withNodes(seed.gpus() / spec.cluster().gpusPerNode());
        int inner = seed.tp() * seed.pp() * seed.cp();
        PlanSpace.expand(spec, seed, c -> {
            String reason = null;
            if (spec.constraints().tpWithinNode() && seed.tp() > cluster.gpusPerNode())
                reason = "constraint: tp must stay within a node (" + cluster.gpusPerNode() + " GPUs)";
            else if (seed.gpus() % inner != 0)
                reason = "tp·pp·cp must divide the GPU count";
            if (reason == null) {
                try {
                    sink.accept(evaluate(seed, c, cluster));
                    return;
                } catch (SpecException e) {
                    reason = reason(e);
                }
            }
            rejected.merge(reason, 1L, Long::sum);
        });
        rejected.forEach((reason, count) -> sink.accept(SweepResult.invalid(seed.gpus(), reason, count)));
    }

    SweepResult evaluate(PlanSpace.Seed seed, PlanSpace.Candidate c, ClusterSpec cluster) {
        TrainingSpec base = spec.training();
        TrainingSpec training = new TrainingSpec(base.globalBatch(), c.microBatch(), base.precision(), base.optimizer(),
                c.recompute(), base.bucketMB(), base.tpCommOverlap());
        int dp = seed.gpus() / (seed.tp() * seed.pp() * seed.cp());
        ParallelPlan plan = new ParallelPlan(name(dp, seed, c), dp, seed.tp(), seed.pp(), seed.cp(), c.zero(), c.schedule(),
                c.chunks(), c.sequenceParallel());
        Experiment e = new Experiment(spec.name(), spec.model(), cluster, training, List.of(plan), Optional.empty());
        Accountant.Evaluation evaluation = Accountant.evaluate(e, plan);
        PlanPrediction p = evaluation.prediction();
        Timeline t = Timelines.of(e, plan, evaluation.stages(), false);
        double tokensPerSecond = p.tokensPerSecond();
        double days = spec.constraints().tokenBudget() > 0 ? spec.constraints().tokenBudget() / tokensPerSecond / 86400 : 0;
        var m = p.memory();
        return new SweepResult(seed.gpus(), plan.name(), dp, seed.tp(), seed.pp(), seed.cp(), c.zero().number(),
                c.schedule().label(), c.chunks(), c.sequenceParallel(), c.microBatch(), c.recompute().label(),
                m.fits() ? SweepResult.OK : SweepResult.OOM, m.reason(), 1, m.peakBytes(), m.paramsBytes(), m.gradsBytes(),
                m.optimizerBytes(), m.activationsBytes(), m.otherBytes(), p.comm().bytesPerGpu(), p.time().stepSeconds(),
                t.stepSeconds(), p.time().computeSeconds(), p.time().exposedCommSeconds(), p.time().bubbleSeconds(), p.mfu(),
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
    static String name(int dp, PlanSpace.Seed seed, PlanSpace.Candidate c) {
        StringBuilder b = new StringBuilder("dp").append(dp).append("-tp").append(seed.tp()).append("-pp").append(seed.pp());
        if (seed.cp() > 1) b.append("-cp").append(seed.cp());
        b.append("-z").append(c.zero().number());
        if (seed.pp() > 1) b.append('-').append(c.schedule().label()).append(c.chunks() > 1 ? c.chunks() : "");
        b.append("-mb").append(c.microBatch()).append('-').append(c.recompute().label());
        if (c.sequenceParallel()) b.append("-sp");
        return b.toString();
    }
}
