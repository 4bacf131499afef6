package dev.parasim.validate;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.AttentionKernel;
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
import dev.parasim.spec.ZeroGathers;
import dev.parasim.spec.ZeroStage;
import dev.parasim.spec.load.SpecLoader;

import java.util.List;
import java.util.Optional;

/**
 * Predicts published runs and reports the error per row. Each table has one {@link Setup}, the same for
 * every row (no per-row knobs), and every table is predicted with the one calibration passed in. Whenever
 * pp > 1 the interleaved schedule is used with as many chunks as keep at least
 * {@link #MIN_LAYERS_PER_CHUNK} layers per chunk.
 */
public final class Validation {
    public static final int MIN_LAYERS_PER_CHUNK = 2;

    /**
     * The training setup of one published table.
     *
     * @param sequenceParallel sequence parallelism whenever tp > 1
     * @param hardwareFlops    whether the published TFLOP/s count hardware FLOPs (with recompute) rather than model FLOPs
     * @param attention        the attention kernel the runs used
     * @param zeroGathers      how the framework issued ZeRO-3's gathers (FSDP per unit, prefetched; DeepSpeed per tensor)
     * @param recomputeEarlyStop whether its full recompute stops at the layer's last saved tensor (PyTorch's
     *                         non-reentrant checkpoint) rather than replaying the whole forward (Megatron-LM, DeepSpeed)
     * @param gradReduceFp32   whether its data-parallel gradient collectives move fp32 (FSDP's reduce_dtype=float32)
     */
    public record Setup(int microBatch, Precision precision, Recompute recompute, ZeroStage zero,
                        boolean sequenceParallel, boolean tpCommOverlap, boolean hardwareFlops, AttentionKernel attention,
                        ZeroGathers zeroGathers, boolean recomputeEarlyStop, boolean gradReduceFp32) {
        /** A setup whose gradient collectives move the precision's gradient width. */
        public Setup(int microBatch, Precision precision, Recompute recompute, ZeroStage zero, boolean sequenceParallel,
                     boolean tpCommOverlap, boolean hardwareFlops, AttentionKernel attention, ZeroGathers zeroGathers,
                     boolean recomputeEarlyStop) {
            this(microBatch, precision, recompute, zero, sequenceParallel, tpCommOverlap, hardwareFlops, attention, zeroGathers,
                    recomputeEarlyStop, false);
        }
    }

    /**
     * Megatron-Core r0.8.0 on H100: bf16, distributed optimizer (ZeRO-1), selective recompute, SP, TP overlap, and
     * Transformer Engine's attention, which on Hopper runs cuDNN's fused kernel ({@link AttentionKernel#FLASH_HOPPER}).
     */
    public static final Setup MEGATRON_CORE_H100 = new Setup(1, Precision.BF16_MIXED, Recompute.SELECTIVE,
            ZeroStage.OPTIMIZER, true, true, false, AttentionKernel.FLASH_HOPPER, ZeroGathers.UNITS, false);

    /**
     * Megatron-LM as in Narayanan et al. 2021 §5.1: fp16 mixed precision (same bytes and A100 peak as
     * bf16-mixed, which stands in for it), full recompute, plain data parallelism (no distributed optimizer),
     * no sequence parallelism (Korthikanti et al. 2022 came later), no TP communication overlap. The paper
     * gives no micro-batch size per row; 1 is assumed, as for the H100 table (with 2, the 310B row would have
     * 72 micro-batches per pipeline, not a multiple of pp = 16 as the interleaved schedule requires). Attention is
     * eager (batched GEMMs and Megatron's fused softmax; FlashAttention came a year later).
     */
    public static final Setup NARAYANAN_A100 = new Setup(1, Precision.BF16_MIXED, Recompute.FULL, ZeroStage.DDP,
            false, false, true, AttentionKernel.EAGER, ZeroGathers.UNITS, false);

    private Validation() {}

    /** One row's comparison; predicted and published TFLOP/s count the same FLOPs (the table's setup says which). */
    public record Row(PublishedRun run, PlanPrediction prediction, double predictedTflopsPerGpu) {
        public double relativeError() { return predictedTflopsPerGpu / run.tflopsPerGpu() - 1; }
    }

    /** {@return the mean absolute relative error of rows} */
    public static double meanAbsError(List<Row> rows) {
        return rows.stream().mapToDouble(r -> Math.abs(r.relativeError())).average().orElseThrow();
    }

    /** {@return the largest absolute relative error of rows} */
    public static double maxAbsError(List<Row> rows) {
        return rows.stream().mapToDouble(r -> Math.abs(r.relativeError())).max().orElseThrow();
    }

    /** The calibration table: Megatron-Core's H100 weak scaling on the dgx-h100 preset. */
    public static List<Row> megatronCore(Calibration calibration) {
        ClusterSpec h100 = calibrated("dgx-h100", calibration);
        return MegatronCoreTable.rows().stream().map(run -> predict(run, h100, MEGATRON_CORE_H100)).toList();
    }

    /** The held-out table: Narayanan et al. 2021 Table 1 on the dgx-a100-80g preset, same calibration. */
    public static List<Row> heldOutA100(Calibration calibration) {
        ClusterSpec a100 = calibrated("dgx-a100-80g", calibration);
        return NarayananTable.rows().stream().map(run -> predict(run, a100, NARAYANAN_A100)).toList();
    }

    /**
     * DeepSpeed ZeRO-3 as Narayanan et al. 2021 §5.2 ran it against PTD-P: no model parallelism, one micro-batch of
     * {@code microBatch} sequences per GPU, fp16 mixed (bf16-mixed stands in), full recompute, eager attention, and
     * DeepSpeed's per-tensor, on-demand gathers ({@link ZeroGathers#TENSORS}); hardware FLOPs as the paper counts them.
     */
    public static Setup deepSpeedZero3(int microBatch) {
        return new Setup(microBatch, Precision.BF16_MIXED, Recompute.FULL, ZeroStage.PARAMETERS, false, false, true,
                AttentionKernel.EAGER, ZeroGathers.TENSORS, false);
    }

    /**
     * The held-out ZeRO-3 vs PTD-P comparison (Narayanan et al. 2021 Table 2, GPT-3 175B on 384–1,536 A100s, 530B on
     * 560–2,240), in table
     * order: ZeRO-3 rows with {@link #deepSpeedZero3}, PTD-P rows with {@link #NARAYANAN_A100}, one calibration.
     */
    public static List<Row> zero3VsPtd(Calibration calibration) {
        ClusterSpec a100 = calibrated("dgx-a100-80g", calibration);
        return ZeroVsPtdTable.rows().stream().map(r -> predict(r.run(), a100,
                r.scheme() == ZeroVsPtdTable.Scheme.ZERO3 ? deepSpeedZero3(r.microBatch()) : NARAYANAN_A100)).toList();
    }

    /**
     * {@return PTD-P's predicted TFLOP/s per GPU over ZeRO-3's}, what the paper's "PTD-P outperforms ZeRO-3 by x%"
     * compares: on the same GPUs and batch it is how many times longer the ZeRO-3 step is
     */
    public static double zero3OverPtd(Row zero3, Row ptd) {
        return ptd.predictedTflopsPerGpu() / zero3.predictedTflopsPerGpu();
    }

    static ClusterSpec calibrated(String preset, Calibration calibration) {
        ClusterSpec base = SpecLoader.clusterPreset(preset);
        return new ClusterSpec(base.name(), base.gpu(), base.gpusPerNode(), base.nodes(), base.tiers(), calibration);
    }

    /** A Megatron-Core-table row (the calibrator's view): {@link #MEGATRON_CORE_H100} setup. */
    public static Row predict(PublishedRun run, ClusterSpec cluster) {
        return predict(run, cluster, MEGATRON_CORE_H100);
    }

    public static Row predict(PublishedRun run, ClusterSpec cluster, Setup setup) {
        return predict(new ModelSpec(run.model(), run.layers(), run.hidden(), run.heads(), run.heads(),
                4 * run.hidden(), run.vocab(), run.seqLen(), MlpKind.GELU, true, true, setup.attention()), run, cluster, setup);
    }

    /** Regimes the llm-foundry rows are also summarised by (a row may be in several). */
    public enum Regime {
        LONG_SEQUENCE("long sequence (>= 16K)"), FULL_RECOMPUTE("full recompute"), FP8("fp8"),
        FSDP_LARGE("FSDP on >= 128 GPUs"), OTHER("bf16, < 16K, no recompute, < 128 GPUs");

        public final String label;

        Regime(String label) { this.label = label; }

        /** {@return the regimes of an llm-foundry row (every one is FSDP)} */
        public static List<Regime> of(MptTable.Run r) {
            return List.copyOf(of(r.run().seqLen(), r.recompute(), r.precision(), r.run().gpus() >= 128));
        }

        /** {@return the regimes of a run or plan: its sequence, recompute, precision and whether it is FSDP on ≥ 128 GPUs} */
        public static java.util.Set<Regime> of(int seqLen, Recompute recompute, Precision precision, boolean fsdpAtScale) {
            java.util.Set<Regime> regimes = java.util.EnumSet.noneOf(Regime.class);
            if (seqLen >= 16384) regimes.add(LONG_SEQUENCE);
            if (recompute == Recompute.FULL) regimes.add(FULL_RECOMPUTE);
            if (precision == Precision.FP8_MIXED) regimes.add(FP8);
            if (fsdpAtScale) regimes.add(FSDP_LARGE);
            if (regimes.isEmpty()) regimes.add(OTHER);
            return regimes;
        }
    }

    /**
     * The llm-foundry row's setup: its micro-batch, precision, recompute and FSDP sharding; plain DP, flash attention;
     * Composer checkpoints each block with PyTorch's non-reentrant checkpoint, whose recompute stops early, and its
     * default FSDP mixed precision (the table's "MP Mode DEFAULT") reduce-scatters gradients in fp32
     * ({@code reduce_dtype=torch.float32} since Composer 0.16.4; llm-foundry pinned mosaicml 0.17.2–0.18 when the tables
     * were regenerated; parameters gathered in bf16).
     */
    public static Setup setupOf(MptTable.Run r) {
        return new Setup(r.microBatch(), r.precision(), r.recompute(), r.zero(), false, false, false, AttentionKernel.FLASH,
                ZeroGathers.UNITS, true, true);
    }

    /** MosaicML llm-foundry's FSDP table, the rows on {@code gpuPrefix} GPUs (e.g. "dgx-h100", "dgx-a100"), one calibration. */
    public static List<Row> llmFoundry(String clusterPrefix, Calibration calibration) {
        return MptTable.rows().stream().filter(r -> r.cluster().startsWith(clusterPrefix))
                .map(r -> predict(r.model(), r.run(), calibrated(r.cluster(), calibration), setupOf(r))).toList();
    }

    /** {@return the llm-foundry rows on clusters starting with {@code clusterPrefix}, in table order} */
    public static List<MptTable.Run> llmFoundryRuns(String clusterPrefix) {
        return MptTable.rows().stream().filter(r -> r.cluster().startsWith(clusterPrefix)).toList();
    }

    public static Row predict(ModelSpec model, PublishedRun run, ClusterSpec cluster, Setup setup) {
        TrainingSpec training = new TrainingSpec(run.globalBatch(), setup.microBatch(), setup.precision(), Optimizer.ADAM,
                setup.recompute(), TrainingSpec.DEFAULT_BUCKET_MB, setup.tpCommOverlap(), setup.zeroGathers(), setup.recomputeEarlyStop(),
                setup.gradReduceFp32());
        int chunks = chunks(run.layers(), run.pp());
        ParallelPlan plan = new ParallelPlan(run.model(), run.dp(), run.tp(), run.pp(), 1, setup.zero(),
                chunks > 1 ? PipelineSchedule.INTERLEAVED : PipelineSchedule.ONE_F_ONE_B,
                chunks, setup.sequenceParallel() && run.tp() > 1);
        ClusterSpec sized = cluster.withNodes(run.gpus() / cluster.gpusPerNode());
        Experiment e = new Experiment(run.model(), model, sized, training, List.of(plan), Optional.empty());
        PlanPrediction p = Accountant.predict(e, plan);
        // Model FLOPs: Narayanan et al. 2021 72·B·s·L·h²(...); hardware FLOPs with full recompute: their eq. 3 (workload.Flops).
        double flops = setup.hardwareFlops() ? p.hardwareFlops() : p.modelFlops();
        return new Row(run, p, flops / p.time().stepSeconds() / run.gpus() / 1e12);
    }

    /**
     * {@return the most chunks v (dividing layers/pp) that keep at least MIN_LAYERS_PER_CHUNK layers per chunk}: the
     * published interleaved runs use equal chunks, so v keeps them equal although uneven splits are predictable
     */
    static int chunks(int layers, int pp) {
        if (pp == 1) return 1;
        int perStage = layers / pp;
        for (int v = perStage / MIN_LAYERS_PER_CHUNK; v > 1; v--) if (perStage % v == 0) return v;
        return 1;
    }
}
