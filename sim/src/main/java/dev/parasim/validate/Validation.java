package dev.parasim.validate;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Optimizer;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.TrainingSpec;
import dev.parasim.spec.ZeroStage;
import dev.parasim.spec.load.SpecLoader;

import java.util.List;
import java.util.Optional;

/**
 * Predicts published runs with one global setup and reports the error per row. The setup is the
 * same for every row (no per-row knobs): micro-batch 1, bf16 mixed precision with the distributed
 * optimizer (ZeRO-1), selective recompute (flash attention), sequence parallelism whenever tp > 1,
 * TP communication overlap, and the interleaved schedule with as many chunks as keep at least
 * {@link #MIN_LAYERS_PER_CHUNK} layers per chunk whenever pp > 1.
 */
public final class Validation {
    public static final int MIN_LAYERS_PER_CHUNK = 2;

    private Validation() {}

    /** One row's comparison. */
    public record Row(PublishedRun run, PlanPrediction prediction, double predictedTflopsPerGpu) {
        public double relativeError() { return predictedTflopsPerGpu / run.tflopsPerGpu() - 1; }
    }

    public static List<Row> megatronCore(Calibration calibration) {
        ClusterSpec base = SpecLoader.clusterPreset("dgx-h100");
        ClusterSpec h100 = new ClusterSpec(base.name(), base.gpu(), base.gpusPerNode(), base.nodes(), base.tiers(),
                calibration);
        return MegatronCoreTable.rows().stream().map(run -> predict(run, h100)).toList();
    }

    public static Row predict(PublishedRun run, ClusterSpec cluster) {
        ModelSpec model = new ModelSpec(run.model(), run.layers(), run.hidden(), run.heads(), run.heads(),
                4 * run.hidden(), run.vocab(), run.seqLen(), MlpKind.GELU, true);
        TrainingSpec training = new TrainingSpec(run.globalBatch(), 1, Precision.BF16_MIXED, Optimizer.ADAM,
                Recompute.SELECTIVE, TrainingSpec.DEFAULT_BUCKET_MB, true);
        int chunks = chunks(run.layers(), run.pp());
        ParallelPlan plan = new ParallelPlan(run.model(), run.dp(), run.tp(), run.pp(), 1, ZeroStage.OPTIMIZER,
                run.pp() == 1 ? PipelineSchedule.ONE_F_ONE_B
                        : chunks > 1 ? PipelineSchedule.INTERLEAVED : PipelineSchedule.ONE_F_ONE_B,
                chunks, run.tp() > 1);
        ClusterSpec sized = cluster.withNodes(run.gpus() / cluster.gpusPerNode());
        Experiment e = new Experiment(run.model(), model, sized, training, List.of(plan), Optional.empty());
        PlanPrediction p = Accountant.predict(e, plan);
        double tflops = p.modelFlops() / p.time().stepSeconds() / run.gpus() / 1e12;
        return new Row(run, p, tflops);
    }

    /** {@return the most chunks v (dividing layers/pp) that keep at least MIN_LAYERS_PER_CHUNK layers per chunk} */
    static int chunks(int layers, int pp) {
        if (pp == 1) return 1;
        int perStage = layers / pp;
        for (int v = perStage / MIN_LAYERS_PER_CHUNK; v > 1; v--) if (perStage % v == 0) return v;
        return 1;
    }
}
