package dev.parasim.report;

import dev.parasim.analytic.PlanPrediction;
import dev.parasim.plan.GroupSpan;
import dev.parasim.plan.RankLayout;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.ZeroGathers;
import dev.parasim.spec.ZeroStage;
import dev.parasim.workload.Parameters;

import java.util.Locale;
import java.util.Optional;

/**
 * Why a ZeRO-3 plan's step is what it is, in one sentence: a micro-batch issues two gathers and one reduce-scatter per
 * unit (FSDP) or per parameter tensor (DeepSpeed's on-demand fetch; three gathers under full or operator-level recompute,
 * {@code analytic.CommModel.backwardGathers}), each paying at least the ring latency (n − 1)·α of
 * its data-parallel group whatever its size, against the compute that can hide them ({@code analytic.StepTimeModel}).
 * This is what makes ZeRO-3 at 1,536 GPUs with one sequence per GPU slower than 3D parallelism (Narayanan et al. 2021, §5.2).
 */
final class Zero3Note {
    private Zero3Note() {}

    /** {@return the sentence for a ZeRO-3 plan over more than one rank, else empty} */
    static Optional<String> of(Experiment e, PlanPrediction p) {
        ParallelPlan plan = p.plan();
        int n = plan.dp() * plan.cp();
        if (plan.zero() != ZeroStage.PARAMETERS || n == 1) return Optional.empty();
        int stage = p.time().stage();
        boolean perTensor = e.training().zeroGathers() == ZeroGathers.TENSORS;
        int pieces = perTensor ? java.util.Arrays.stream(Parameters.stageUnitTensors(e.model(), plan, stage)).sum()
                : Parameters.stageUnits(e.model(), plan, stage).length;
        int gathers = 1 + dev.parasim.analytic.CommModel.backwardGathers(e);
        int collectives = (gathers + 1) * pieces;
        // collective.CollectiveCost: a gather or reduce-scatter over a group spanning nodes pays (n − 1) cluster-tier α.
        GroupSpan span = RankLayout.of(plan, e.cluster()).dataSpan();
        double latency = (n - 1) * (span.crossesNodes() ? e.cluster().clusterTier() : e.cluster().nodeTier()).latencySeconds();
        double perStep = (double) e.microBatches(plan) * collectives * latency;
        String experts = "";
        if (plan.ep() > 1 && plan.edp() > 1) {
            // Under expert parallelism each unit's experts run the same collectives over their own dp·cp/ep replicas.
            long units = java.util.Arrays.stream(Parameters.stageExpertUnits(e.model(), plan, stage)).filter(x -> x > 0).count();
            long more = (gathers + 1) * units;
            GroupSpan expertSpan = RankLayout.of(plan, e.cluster()).expertDataSpan();
            double expertLatency = (plan.edp() - 1)
                    * (expertSpan.crossesNodes() ? e.cluster().clusterTier() : e.cluster().nodeTier()).latencySeconds();
            perStep += (double) e.microBatches(plan) * more * expertLatency;
            experts = String.format(Locale.ROOT, ", and %,d more for the units' experts over their n_e = %,d replicas, at least %s each",
                    more, plan.edp(), Units.seconds(expertLatency));
        }
        return Optional.of(String.format(Locale.ROOT,
                "%s collectives per micro-batch (%s and a reduce-scatter per %s), each paying at least (n − 1)·α = %s"
                        + " of ring latency at n = %s%s: %s per step against %s of compute%s",
                String.format(Locale.ROOT, "%,d", collectives),
                gathers == 3 ? "three gathers (forward, recompute, backward)" : "two gathers", perTensor ? "parameter tensor, fetched when its module runs"
                        : "unit, the next unit's gather prefetched behind this one's compute",
                Units.seconds(latency), String.format(Locale.ROOT, "%,d", n), experts, Units.seconds(perStep), Units.seconds(p.time().computeSeconds()),
                perStep > p.time().computeSeconds() ? ", which it cannot hide" : ""));
    }
}
