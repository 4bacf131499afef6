package dev.parasim.validate;

import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ZeroStage;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A step-time range instead of a point where the model's own residuals say it is uncertain: the published runs
 * bundled for validation (Megatron-Core's H100 table, Narayanan et al. 2021's A100 table, MosaicML llm-foundry's H100
 * and A100 tables), each predicted with its GPU type's one calibration, give a relative error per run; the plan's
 * range applies the smallest and largest error of the runs on its GPU type that share one of its regimes (long
 * sequence, full recompute, FP8, FSDP on ≥ 128 GPUs, or none of those) to its predicted step. A model that predicts
 * throughput e too high predicts the step (1 + e) too short, so the range is step·(1 + e_min) … step·(1 + e_max); it
 * need not contain the point when every run in the regime erred the same way. No range without such runs.
 *
 * @param errorLow  the smallest relative throughput error of those runs (predicted / measured − 1)
 * @param errorHigh the largest
 * @param runs      how many published runs the range rests on
 * @param gpu       their GPU type, "H100" or "A100"
 */
public record PredictionRange(double lowSeconds, double highSeconds, double errorLow, double errorHigh, int runs, String gpu,
                              Set<Validation.Regime> regimes) {

    /** The relative errors of the published runs of one GPU type in any of some regimes, predicted once per JVM. */
    private static final java.util.Map<String, double[]> ERRORS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@return the range of {@code p}'s step on {@code e}'s cluster, if published runs share its GPU type and a regime}:
     * none for an MoE model, as no bundled table has one
     */
    public static Optional<PredictionRange> of(Experiment e, PlanPrediction p) {
        String gpu = family(e.cluster().gpu().name());
        if (gpu == null || e.model().isMoe()) return Optional.empty();
        Set<Validation.Regime> regimes = Validation.Regime.of(e.model().seqLen(), e.training().recompute(), e.training().precision(),
                p.plan().zero() == ZeroStage.PARAMETERS && p.plan().tp() == 1 && p.plan().pp() == 1 && e.cluster().gpus() >= 128);
        double[] errors = ERRORS.computeIfAbsent(gpu + regimes, key -> errors(gpu, regimes));
        if (errors.length == 0) return Optional.empty();
        double low = java.util.Arrays.stream(errors).min().orElseThrow(), high = java.util.Arrays.stream(errors).max().orElseThrow();
        double step = p.time().stepSeconds();
        return Optional.of(new PredictionRange(step * (1 + low), step * (1 + high), low, high, errors.length, gpu, regimes));
    }

    /** {@return one line: the range, its error span and the runs it rests on} */
    public String describe() {
        return String.format(Locale.ROOT, "%.3f–%.3f s: the model's error on the %d published %s runs of this regime (%s), %+.1f%% to %+.1f%%",
                lowSeconds, highSeconds, runs, gpu, String.join("; ", regimes.stream().map(PredictionRange::label).toList()),
                100 * errorLow, 100 * errorHigh);
    }

    private static String label(Validation.Regime r) {
        return r == Validation.Regime.OTHER ? "< 16K tokens, no full recompute, no FP8, no FSDP on >= 128 GPUs" : r.label;
    }

    /** {@return "H100" or "A100" for the GPU types the bundled tables measured, else null} */
    static String family(String gpuName) {
        String name = gpuName.toUpperCase(Locale.ROOT);
        return name.contains("H100") ? "H100" : name.contains("A100") ? "A100" : null;
    }

    /** {@return the relative errors of the bundled runs on {@code gpu} sharing a regime with {@code regimes}; only those are predicted} */
    private static double[] errors(String gpu, Set<Validation.Regime> regimes) {
        List<Double> out = new ArrayList<>();
        Validation.Setup mc = Validation.MEGATRON_CORE_H100, nar = Validation.NARAYANAN_A100;
        ClusterSpec h100 = Validation.calibrated("dgx-h100", Calibration.H100), a100 = Validation.calibrated("dgx-a100-80g", Calibration.A100);
        if (gpu.equals("H100"))
            for (PublishedRun run : MegatronCoreTable.rows())
                if (shares(Validation.Regime.of(run.seqLen(), mc.recompute(), mc.precision(), false), regimes))
                    out.add(Validation.predict(run, h100, mc).relativeError());
        if (gpu.equals("A100"))
            for (PublishedRun run : NarayananTable.rows())
                if (shares(Validation.Regime.of(run.seqLen(), nar.recompute(), nar.precision(), false), regimes))
                    out.add(Validation.predict(run, a100, nar).relativeError());
        String prefix = gpu.equals("H100") ? "dgx-h100" : "dgx-a100";
        for (MptTable.Run r : Validation.llmFoundryRuns(prefix))
            if (shares(EnumSet.copyOf(Validation.Regime.of(r)), regimes))
                out.add(Validation.predict(r.model(), r.run(), Validation.calibrated(r.cluster(), Calibration.forGpu(gpu)),
                        Validation.setupOf(r)).relativeError());
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static boolean shares(Set<Validation.Regime> a, Set<Validation.Regime> b) {
        return !java.util.Collections.disjoint(a, b);
    }
}
