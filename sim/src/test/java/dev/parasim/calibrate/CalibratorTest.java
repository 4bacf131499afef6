package dev.parasim.calibrate;

import dev.parasim.SparkTestSession;
import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.validate.MegatronCoreTable;
import dev.parasim.validate.PublishedRun;
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

    /** The preset file's mapping, as a YAML flow value for an inline cluster. */
    static String flow(String presetYaml) {
        StringBuilder b = new StringBuilder("\n");
        for (String line : presetYaml.split("\n")) if (!line.startsWith("#")) b.append("  ").append(line).append('\n');
        return b.toString();
    }
}
