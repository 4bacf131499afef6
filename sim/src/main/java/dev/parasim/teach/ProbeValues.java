package dev.parasim.teach;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.CollectiveCost;
import dev.parasim.memory.Activations;
import dev.parasim.memory.MemoryBreakdown;
import dev.parasim.memory.MemoryModel;
import dev.parasim.plan.GroupSpan;
import dev.parasim.report.chart.BubbleChart;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.TrainingSpec;
import dev.parasim.workload.Flops;
import dev.parasim.workload.Parameters;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Evaluates a question's probes on one experiment, each plan predicted once by the accountant. */
public final class ProbeValues {
    /** Largest micro-batch size {@link Probe.MaxMicroBatch} tries. */
    static final int MAX_MICRO_BATCH = 4096;

    private final Experiment experiment;
    private final Function<List<String>, Experiment> variants;
    private final Map<String, PlanPrediction> predictions = new HashMap<>();
    private final Map<List<String>, ProbeValues> whatIfs = new HashMap<>();

    /** Probes on {@code experiment}; {@code variants} builds it with further what-ifs (for {@link Probe.WhatIf}). */
    public ProbeValues(Experiment experiment, Function<List<String>, Experiment> variants) {
        this.experiment = experiment;
        this.variants = variants;
    }

    /** Probes on {@code experiment} alone (no {@link Probe.WhatIf}). */
    public ProbeValues(Experiment experiment) {
        this(experiment, set -> {
            throw new IllegalStateException("no setup to apply " + set + " to");
        });
    }

    /** {@return every probe's value, in declaration order (a ratio reads the probes before it)} */
    public Map<String, Double> evaluate(Map<String, Probe> probes) {
        Map<String, Double> values = new LinkedHashMap<>();
        probes.forEach((name, probe) -> values.put(name, value(probe, values)));
        return values;
    }

    /** {@return the accountant's prediction for the setup's plan called {@code name}} */
    public PlanPrediction prediction(String name) {
        return predictions.computeIfAbsent(name, n -> Accountant.predict(experiment, plan(n)));
    }

    ParallelPlan plan(String name) {
        for (ParallelPlan p : experiment.plans()) if (p.name().equals(name)) return p;
        throw new SpecException("plan", "must name a plan of the setup " + experiment.plans().stream().map(ParallelPlan::name).toList(), name);
    }

    double value(Probe probe, Map<String, Double> earlier) {
        ModelSpec model = experiment.model();
        TrainingSpec training = experiment.training();
        if (probe instanceof Probe.Memory p && p.part() == Probe.MemoryPart.BETWEEN_PASSES)
            return MemoryModel.activationBytesBetweenPasses(experiment, plan(p.plan()),
                    p.stage() >= 0 ? p.stage() : prediction(p.plan()).memory().stage());
        if (probe instanceof Probe.Memory p) return memory(prediction(p.plan()).memory(), p);
        if (probe instanceof Probe.Comm p) {
            var comm = prediction(p.plan()).comm();
            if (p.tier() != null) return comm.byTier().getOrDefault(p.tier(), 0L);
            return p.collective().kind == null ? comm.bytesPerGpu() : comm.bytes(p.collective().kind);
        }
        if (probe instanceof Probe.Time p) {
            var t = prediction(p.plan()).time();
            return switch (p.part()) {
                case STEP -> t.stepSeconds();
                case COMPUTE -> t.computeSeconds();
                case EXPOSED_COMM -> t.exposedCommSeconds();
                case BUBBLE -> t.bubbleSeconds();
            };
        }
        if (probe instanceof Probe.Throughput p) {
            PlanPrediction pred = prediction(p.plan());
            return switch (p.metric()) {
                case MFU -> pred.mfu();
                case HFU -> pred.hfu();
                case TOKENS_PER_SECOND -> pred.tokensPerSecond();
                case TOKENS_PER_GPU_SECOND -> pred.tokensPerSecond() / pred.plan().world();
            };
        }
        if (probe instanceof Probe.Fact p) return fact(p.fact(), model, training, experiment.cluster());
        if (probe instanceof Probe.PlanFact p) return planFact(p, plan(p.plan()));
        if (probe instanceof Probe.LayerActivations p)
            return Activations.perLayer(model, plan(p.plan()), training.microBatch(), training.recompute(),
                    training.precision().activationBytes());
        if (probe instanceof Probe.Collective p) return collective(p, experiment.cluster());
        if (probe instanceof Probe.MaxMicroBatch p) return maxMicroBatch(plan(p.plan()));
        if (probe instanceof Probe.WhatIf p)
            return whatIfs.computeIfAbsent(p.set(), set -> new ProbeValues(variants.apply(set))).value(p.probe(), earlier);
        if (probe instanceof Probe.Ratio p) return earlier.get(p.of()) / earlier.get(p.to());
        if (probe instanceof Probe.Difference p) return earlier.get(p.of()) - earlier.get(p.minus());
        throw new IllegalStateException("unknown probe " + probe);
    }

    static double memory(MemoryBreakdown m, Probe.Memory p) {
        return switch (p.part()) {
            case PARAMS -> m.paramsBytes();
            case GRADS -> m.gradsBytes();
            case OPTIMIZER -> m.optimizerBytes();
            case STATES -> m.modelStateBytes();
            case ACTIVATIONS -> p.stage() >= 0 ? m.activationsBytesByStage().get(p.stage()) : m.activationsBytes();
            case BETWEEN_PASSES -> throw new IllegalStateException("between-passes needs the plan, not its breakdown");
            case BUFFERS -> m.otherBytes();
            case PEAK -> m.peakBytes();
            case CAPACITY -> m.capacityBytes();
            case FITS -> m.fits() ? 1 : 0;
        };
    }

    static double fact(Probe.FactKind fact, ModelSpec model, TrainingSpec training, ClusterSpec cluster) {
        Precision precision = training.precision();
        int k = precision.optimizerBytesPerParam(training.optimizer());
        return switch (fact) {
            case PARAMETERS -> Parameters.total(model);
            case ACTIVE_PARAMETERS -> Parameters.active(model);
            case LAYER_PARAMETERS -> Parameters.perLayer(model);
            case EMBEDDING_PARAMETERS -> Parameters.embedding(model);
            case MODEL_FLOPS_PER_STEP -> Flops.model(model, training.globalBatch());
            case HARDWARE_FLOPS_PER_STEP -> Flops.hardware(model, training.globalBatch(), training.recompute());
            // Training FLOPs per token: forward + backward = 3 × forward (≈ 6Ψ, Kaplan et al. 2020 §2.1).
            case FLOPS_PER_TOKEN -> 3 * Flops.forwardPerToken(model);
            case TOKENS_PER_STEP -> (double) training.globalBatch() * model.seqLen();
            case GPUS -> cluster.gpus();
            case GPU_MEMORY -> cluster.gpu().memoryBytes();
            case GPU_PEAK_FLOPS -> cluster.gpu().peakFlops(precision);
            case HBM_BANDWIDTH -> cluster.gpu().hbmGBps() * 1e9;
            case NODE_LINK_BANDWIDTH -> cluster.nodeTier().bandwidthGBps() * 1e9;
            case CLUSTER_LINK_BANDWIDTH -> cluster.clusterTier().bandwidthGBps() * 1e9;
            case OPTIMIZER_BYTES_PER_PARAM -> k;
            case STATE_BYTES_PER_PARAM -> precision.paramBytes() + precision.gradBytes() + k;
        };
    }

    double planFact(Probe.PlanFact p, ParallelPlan plan) {
        int m = experiment.microBatches(plan);
        return switch (p.fact()) {
            case MICRO_BATCHES -> m;
            case GPUS -> plan.world();
            case DP_GROUP -> plan.dp() * plan.cp();
            case PARAMETERS_PER_GPU -> Parameters.sum(Parameters.stageUnits(experiment.model(), plan,
                    prediction(p.plan()).memory().stage()));
            case BUBBLE_CLOSED_FORM -> plan.pp() == 1 ? 0 : switch (plan.schedule()) {
                case GPIPE, ONE_F_ONE_B -> BubbleChart.oneFOneB(plan.pp(), m);
                case INTERLEAVED -> BubbleChart.interleaved(plan.pp(), m, plan.chunks());
                case ZB_H1 -> {
                    BubbleChart.Params shape = BubbleChart.Params.fromModel(plan.pp(), m, List.of(2),
                            experiment.model().seqLen(), experiment.model().hidden());
                    yield BubbleChart.zbH1(plan.pp(), m, shape.forward(), shape.backwardInput(), shape.backwardWeight());
                }
            };
        };
    }

    /** {@return the group a collective of {@code ranks} GPUs spans: one node, or full nodes of the cluster} */
    static GroupSpan span(int ranks, int gpusPerNode) {
        return ranks <= gpusPerNode ? new GroupSpan(ranks, ranks, 1)
                : new GroupSpan(ranks, gpusPerNode, (ranks + gpusPerNode - 1) / gpusPerNode);
    }

    static double collective(Probe.Collective p, ClusterSpec cluster) {
        CollectiveCost cost = new CollectiveCost(cluster.nodeTier(), cluster.clusterTier());
        double seconds = cost.of(p.kind(), p.bytes(), span(p.ranks(), cluster.gpusPerNode())).seconds();
        // algbw = S/t, busbw = algbw · factor(n) (NCCL nccl-tests doc/PERFORMANCE.md).
        return switch (p.measure()) {
            case TIME -> seconds;
            case ALGBW -> p.bytes() / seconds;
            case BUSBW -> p.bytes() / seconds * p.kind().busBandwidthFactor(p.ranks());
        };
    }

    /** {@return the largest micro-batch size b whose plan fits, micro-batches per step kept (global batch b·dp·m); 0 if none} */
    int maxMicroBatch(ParallelPlan plan) {
        TrainingSpec t = experiment.training();
        int m = experiment.microBatches(plan);
        int best = 0;
        for (int b = 1; b <= MAX_MICRO_BATCH; b++) {
            TrainingSpec sized = new TrainingSpec(b * plan.dp() * m, b, t.precision(), t.optimizer(), t.recompute(),
                    t.bucketMB(), t.tpCommOverlap(), t.zeroGathers(), t.recomputeEarlyStop(), t.gradReduceFp32(), t.crossEntropy());
            Experiment e = new Experiment(experiment.name(), experiment.model(), experiment.cluster(), sized, List.of(plan),
                    experiment.execute());
            if (!MemoryModel.of(e, plan).fits()) break;
            best = b;
        }
        return best;
    }
}
