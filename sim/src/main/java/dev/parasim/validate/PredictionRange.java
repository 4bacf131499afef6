package dev.parasim.validate;

import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
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

    /** One validated run: its GPU type, regimes and relative error. */
    private record Evidence(String gpu, Set<Validation.Regime> regimes, double error) {}

    private static final class Bundled {
        static final List<Evidence> RUNS = load();
    }

    /** {@return the range of {@code p}'s step on {@code e}'s cluster, if published runs share its GPU type and a regime} */
    public static Optional<PredictionRange> of(Experiment e, PlanPrediction p) {
        String gpu = family(e.cluster().gpu().name());
        if (gpu == null) return Optional.empty();
        Set<Validation.Regime> regimes = regimes(e.model().seqLen(), e.training().recompute(), e.training().precision(),
                p.plan().zero() == ZeroStage.PARAMETERS && p.plan().tp() == 1 && p.plan().pp() == 1 && e.cluster().gpus() >= 128);
        double low = Double.POSITIVE_INFINITY, high = Double.NEGATIVE_INFINITY;
        int runs = 0;
        for (Evidence run : Bundled.RUNS) {
            if (!run.gpu().equals(gpu) || java.util.Collections.disjoint(run.regimes(), regimes)) continue;
            low = Math.min(low, run.error());
            high = Math.max(high, run.error());
            runs++;
        }
        if (runs == 0) return Optional.empty();
        double step = p.time().stepSeconds();
        return Optional.of(new PredictionRange(step * (1 + low), step * (1 + high), low, high, runs, gpu, regimes));
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

    static Set<Validation.Regime> regimes(int seqLen, Recompute recompute, Precision precision, boolean fsdpAtScale) {
        Set<Validation.Regime> regimes = EnumSet.noneOf(Validation.Regime.class);
        if (seqLen >= 16384) regimes.add(Validation.Regime.LONG_SEQUENCE);
        if (recompute == Recompute.FULL) regimes.add(Validation.Regime.FULL_RECOMPUTE);
        if (precision == Precision.FP8_MIXED) regimes.add(Validation.Regime.FP8);
        if (fsdpAtScale) regimes.add(Validation.Regime.FSDP_LARGE);
        if (regimes.isEmpty()) regimes.add(Validation.Regime.OTHER);
        return regimes;
    }

    /** {@return "H100" or "A100" for the GPU types the bundled tables measured, else null} */
    static String family(String gpuName) {
        String name = gpuName.toUpperCase(Locale.ROOT);
        return name.contains("H100") ? "H100" : name.contains("A100") ? "A100" : null;
    }

    private static List<Evidence> load() {
        List<Evidence> out = new ArrayList<>();
        Validation.Setup mc = Validation.MEGATRON_CORE_H100, nar = Validation.NARAYANAN_A100;
        for (Validation.Row r : Validation.megatronCore(Calibration.H100))
            out.add(new Evidence("H100", regimes(r.run().seqLen(), mc.recompute(), mc.precision(), false), r.relativeError()));
        for (Validation.Row r : Validation.heldOutA100(Calibration.A100))
            out.add(new Evidence("A100", regimes(r.run().seqLen(), nar.recompute(), nar.precision(), false), r.relativeError()));
        for (String[] t : new String[][] {{"dgx-h100", "H100"}, {"dgx-a100", "A100"}}) {
            List<MptTable.Run> runs = Validation.llmFoundryRuns(t[0]);
            List<Validation.Row> rows = Validation.llmFoundry(t[0], Calibration.forGpu(t[1]));
            for (int i = 0; i < rows.size(); i++)
                out.add(new Evidence(t[1], EnumSet.copyOf(Validation.Regime.of(runs.get(i))), rows.get(i).relativeError()));
        }
        return List.copyOf(out);
    }
}
