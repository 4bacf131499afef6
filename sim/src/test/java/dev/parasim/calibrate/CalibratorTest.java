package dev.parasim.calibrate;

import dev.parasim.SparkTestSession;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.validate.MegatronCoreTable;
import dev.parasim.validate.PublishedRun;
import dev.parasim.validate.Validation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibratorTest {
    static final ClusterSpec H100 = SpecLoader.clusterPreset("dgx-h100");

    @Test
    void fittedPresetIsNeverWorseThanTheHandCalibration(@TempDir Path dir) throws Exception {
        List<PublishedRun> runs = MegatronCoreTable.rows();
        Calibrator.Result r = Calibrator.fit(SparkTestSession.get(), H100, runs, 0.01);
        assertTrue(Calibrator.Result.meanError(r.after()) <= Calibrator.Result.meanError(r.before()));
        assertTrue(Calibrator.Result.maxError(r.after()) <= Calibrator.Result.maxError(r.before()));
        Path preset = CalibrationPreset.write(dir, H100, r, "megatron-core-h100.csv");
        String yaml = Files.readString(preset);
        ClusterSpec loaded = SpecLoader.parse("""
                name: check
                model: {preset: gpt2-small}
                cluster: %s
                training: {globalBatch: 8, microBatch: 1, precision: bf16-mixed}
                plans: [{name: ddp}]
                """.formatted(flow(yaml)), List.of()).cluster();
        assertEquals(r.fitted(), loaded.calibration());
        assertEquals(runs.size() + 1, Files.readAllLines(dir.resolve("calibration-fit.csv")).size());
    }

    /** Runs "measured" under a known, different calibration: the fit must recover most of the gap. */
    @Test
    void recoversAKnownPerturbation() {
        Calibration truth = new Calibration(0.55, 68, 0.20, 1024, 0.80, 200, 0.52, 1.0, 4);
        ClusterSpec truthCluster = new ClusterSpec(H100.name(), H100.gpu(), 8, 1, H100.tiers(), truth);
        List<PublishedRun> synthetic = MegatronCoreTable.rows().stream().map(run -> {
            double seconds = Calibrator.seconds(truthCluster, truth, run);
            double tflops = Calibrator.measured(run) * run.tflopsPerGpu() / seconds;
            return new PublishedRun(run.model(), run.heads(), run.hidden(), run.layers(), run.vocab(), run.seqLen(), run.tp(),
                    run.pp(), run.dp(), run.gpus(), run.globalBatch(), tflops);
        }).toList();
        Calibrator.Result r = Calibrator.fit(SparkTestSession.get(), H100, synthetic, 0.0);
        double before = Calibrator.Result.meanError(r.before()), after = Calibrator.Result.meanError(r.after());
        assertTrue(before > 0.08, "the perturbation is visible: " + before);
        assertTrue(after < before / 3, "fit recovers it: " + before + " -> " + after);
        assertTrue(r.fitted().gemmEfficiency() < 0.66, "GEMM efficiency moved toward 0.55: " + r.fitted().gemmEfficiency());
    }

    /**
     * The H100 calibration fitted to A100-only measurements (llm-foundry's 139 A100 rows) moves toward the A100 one,
     * and the reverse (77 H100 rows from the A100 calibration). Measured: A100 rows mean 25.8% → 4.3% (max 46.7% →
     * 27.8%); H100 rows mean 31.1% → 5.8% (max 73.7% → 19.0%), with llm-foundry's gradients reduce-scattered in fp32
     * (25.5% → 4.4%, max 46.7% → 30.0%; 32.7% → 6.0%, max 73.9% → 19.0% before). From the refitted H100 calibration the first correction
     * would have run HBM past its peak while the element-wise bytes made up for it; the fit now holds a component at its
     * bound and fits the others ({@code Calibrator.corrections}), without which it did not move (27.1% → 26.8%).
     */
    @Test
    void fitsOneGpuTypesPresetFromTheOthersMeasurements() {
        List<Calibrator.Case> a100 = Validation.llmFoundryRuns("dgx-a100").stream().map(Calibrator.Case::llmFoundry).toList();
        Calibrator.Result fromH100 = Calibrator.fit(SparkTestSession.get(), Calibration.H100, a100, 0.01);
        double before = Calibrator.Result.meanError(fromH100.before()), after = Calibrator.Result.meanError(fromH100.after());
        assertTrue(before > 0.2, "the H100 preset is off on A100 runs: " + before);
        assertTrue(after < 0.5 * before, "A100 from H100: " + before + " -> " + after);
        assertTrue(fromH100.move() > 0, "moved");
        List<Calibrator.Case> h100 = Validation.llmFoundryRuns("dgx-h100").stream().map(Calibrator.Case::llmFoundry).toList();
        Calibrator.Result fromA100 = Calibrator.fit(SparkTestSession.get(), Calibration.A100, h100, 0.01);
        double before2 = Calibrator.Result.meanError(fromA100.before()), after2 = Calibrator.Result.meanError(fromA100.after());
        assertTrue(before2 > 0.2, "the A100 preset is off on H100 runs: " + before2);
        assertTrue(after2 < 0.5 * before2, "H100 from A100: " + before2 + " -> " + after2);
    }

    /** The preset file's mapping, as a YAML flow value for an inline cluster. */
    static String flow(String presetYaml) {
        StringBuilder b = new StringBuilder("\n");
        for (String line : presetYaml.split("\n")) if (!line.startsWith("#")) b.append("  ").append(line).append('\n');
        return b.toString();
    }
}
