package dev.parasim.cli;

import dev.parasim.calibrate.Calibrator;
import dev.parasim.calibrate.CalibrationPreset;
import dev.parasim.spark.SparkSessions;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.SpecException;
import dev.parasim.validate.Validation;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.validate.PublishedRun;
import dev.parasim.validate.PublishedRuns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code sim calibrate}: fit the cost model's efficiencies to measured runs (Spark MLlib) and write a cluster preset. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Fit efficiency parameters to measured step times with Spark MLlib; write a cluster preset and a fit table.")
public final class CalibrateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MEASURED", description = "CSV: model,heads,hidden,layers,tp,pp,dp,gpus,global_batch,tflops_per_gpu[,vocab,seq_len]")
    Path measured;

    @Option(names = "--cluster", description = "cluster preset the runs used (default dgx-h100)")
    String cluster = "dgx-h100";

    @Option(names = "--vocab", description = "vocabulary when the CSV has no vocab column (default 131072, Megatron-Core's table)")
    int vocab = 131072;

    @Option(names = "--seq-len", description = "sequence length when the CSV has no seq_len column (default 4096)")
    int seqLen = 4096;

    @Option(names = "--reg", description = "ridge regularisation of the corrections (default 0.01)")
    double reg = 0.01;

    @Option(names = "--out", description = "output directory (default: out/calibration)")
    Path out = Path.of("out", "calibration");

    @Option(names = "--master", description = "Spark master URL (default: local[*], or spark-submit's)")
    String master;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!(reg >= 0) || Double.isInfinite(reg)) throw new SpecException("--reg", "must be zero or a positive number", reg);
        if (vocab <= 0) throw new SpecException("--vocab", "must be positive", vocab);
        if (seqLen <= 0) throw new SpecException("--seq-len", "must be positive", seqLen);
        OutDir.check(out);
        dev.parasim.spark.SparkSessions.checkMaster(master);
        List<PublishedRun> runs = PublishedRuns.read(measured, vocab, seqLen);
        ClusterSpec base = SpecLoader.clusterPreset(cluster);
        // Every row must make a valid experiment on the cluster before Spark starts: the error names file and row.
        for (int i = 0; i < runs.size(); i++) {
            PublishedRun run = runs.get(i);
            SpecException.at(measured + ": row " + (i + 1), () -> Validation.predict(run, base));
        }
        Calibrator.Result result = Calibrator.fit(SparkSessions.get(master), base, runs, reg);
        Path preset = CalibrationPreset.write(out, base, result, measured.getFileName().toString());
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%-8s %12s %12s %8s %12s %8s%n", "run", "measured s", "hand s", "error", "fitted s", "error");
        for (int i = 0; i < runs.size(); i++) {
            var before = result.before().get(i);
            var after = result.after().get(i);
            o.printf(Locale.ROOT, "%-8s %12.3f %12.3f %+7.1f%% %12.3f %+7.1f%%%n", runs.get(i).model(), before.measuredSeconds(),
                    before.predictedSeconds(), 100 * before.relativeError(), after.predictedSeconds(), 100 * after.relativeError());
        }
        o.printf(Locale.ROOT, "hand calibration:   mean %.1f%%, max %.1f%%%n", 100 * Calibrator.Result.meanError(result.before()),
                100 * Calibrator.Result.maxError(result.before()));
        o.printf(Locale.ROOT, "fitted calibration: mean %.1f%%, max %.1f%% (last round moved %.2f of the MLlib correction)%n",
                100 * Calibrator.Result.meanError(result.after()), 100 * Calibrator.Result.maxError(result.after()), result.move());
        o.println("preset: " + preset);
        o.flush();
        return 0;
    }
}
