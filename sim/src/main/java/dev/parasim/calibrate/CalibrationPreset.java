package dev.parasim.calibrate;

import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.LinkTier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Writes a calibration result as a cluster preset YAML (loadable inline) and its per-run fit table as CSV. */
public final class CalibrationPreset {
    private CalibrationPreset() {}

    public static Path write(Path dir, ClusterSpec base, Calibrator.Result result, String source) {
        try {
            Files.createDirectories(dir);
            Path preset = dir.resolve(base.name() + "-calibrated.yaml");
            Files.writeString(preset, yaml(base, result.fitted(), source), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("calibration-fit.csv"), csv(result), StandardCharsets.UTF_8);
            return preset;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String yaml(ClusterSpec c, Calibration k, String source) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(c.name()).append(" with efficiencies fitted by `sim calibrate ").append(source).append("` (Spark MLlib).\n");
        b.append("name: ").append(c.name()).append("-calibrated\n");
        b.append("gpu:\n  name: ").append(c.gpu().name()).append('\n');
        b.append(String.format(Locale.ROOT, "  memoryGB: %s%n  peakTflops: {fp32: %s, bf16: %s, fp8: %s}%n  hbmGBps: %s%n",
                num(c.gpu().memoryGB()), num(c.gpu().fp32Tflops()), num(c.gpu().bf16Tflops()), num(c.gpu().fp8Tflops()),
                num(c.gpu().hbmGBps())));
        b.append("gpusPerNode: ").append(c.gpusPerNode()).append("\nnodes: ").append(c.nodes()).append("\ntiers:\n");
        for (LinkTier t : c.tiers())
            b.append(String.format(Locale.ROOT, "  - {name: %s, scope: %s, bandwidthGBps: %s, latencyUs: %s, efficiency: %s}%n",
                    t.name(), t.scope().label(), num(t.bandwidthGBps()), num(t.latencyUs()), num(t.efficiency())));
        b.append(String.format(Locale.ROOT, "calibration: {gemmEfficiency: %s, gemmHalfSize: %s, attentionEfficiency: %s, "
                        + "attentionHalfSeq: %s, memoryEfficiency: %s, elementwiseBytes: %s, tpOverlap: %s, dpOverlap: %s, kernelLaunchUs: %s}%n",
                num(k.gemmEfficiency()), num(k.gemmHalfSize()), num(k.attentionEfficiency()), num(k.attentionHalfSeq()), num(k.memoryEfficiency()),
                num(k.elementwiseBytes()), num(k.tpOverlap()), num(k.dpOverlap()), num(k.kernelLaunchUs())));
        return b.toString();
    }

    static String csv(Calibrator.Result r) {
        StringBuilder b = new StringBuilder("run,gpus,measured_seconds,hand_seconds,hand_error,fitted_seconds,fitted_error\n");
        List<Calibrator.Fit> before = r.before(), after = r.after();
        for (int i = 0; i < before.size(); i++)
            b.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.6f,%.5f,%.6f,%.5f%n", before.get(i).run().model(),
                    before.get(i).run().gpus(), before.get(i).measuredSeconds(), before.get(i).predictedSeconds(),
                    before.get(i).relativeError(), after.get(i).predictedSeconds(), after.get(i).relativeError()));
        return b.toString();
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
