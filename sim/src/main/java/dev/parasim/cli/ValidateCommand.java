package dev.parasim.cli;

import dev.parasim.spec.Calibration;
import dev.parasim.validate.Validation;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code sim validate}: predicted vs published TFLOP/s per GPU on Megatron-Core's H100 table. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Compare predicted and published TFLOP/s per GPU (Megatron-Core H100 table) with the global calibration.")
public final class ValidateCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.println("Megatron-Core weak scaling on DGX H100 (NVIDIA/Megatron-LM README, r0.8.0), model FLOPs per GPU.");
        out.println("Setup for every row: micro-batch 1, bf16, distributed optimizer, selective recompute, SP when tp > 1,");
        out.println("TP comm overlap, interleaved schedule when pp > 1 (chunks of >= " + Validation.MIN_LAYERS_PER_CHUNK + " layers).");
        out.println();
        out.println(String.format(Locale.ROOT, "%-6s %4s %3s %3s %5s %6s  %10s %10s %8s", "model", "tp", "pp", "dp", "gpus", "batch",
                "published", "predicted", "error"));
        List<Validation.Row> rows = Validation.megatronCore(Calibration.DEFAULT);
        double sum = 0, max = 0;
        for (Validation.Row r : rows) {
            var run = r.run();
            out.println(String.format(Locale.ROOT, "%-6s %4d %3d %3d %5d %6d  %10.1f %10.1f %+7.1f%%", run.model(), run.tp(), run.pp(),
                    run.dp(), run.gpus(), run.globalBatch(), run.tflopsPerGpu(), r.predictedTflopsPerGpu(), 100 * r.relativeError()));
            sum += Math.abs(r.relativeError());
            max = Math.max(max, Math.abs(r.relativeError()));
        }
        out.println();
        out.println(String.format(Locale.ROOT, "mean absolute error %.1f%%, max %.1f%% over %d rows (targets: mean <= 10%%, max <= 20%%)",
                100 * sum / rows.size(), 100 * max, rows.size()));
        out.flush();
        return 0;
    }
}
