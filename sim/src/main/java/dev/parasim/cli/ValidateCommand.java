package dev.parasim.cli;

import dev.parasim.spec.Calibration;
import dev.parasim.validate.Validation;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sim validate}: predicted vs published TFLOP/s per GPU with the global calibration, first on the table it
 * was fitted to (Megatron-Core H100), then on a held-out table (Narayanan et al. 2021 Table 1, A100).
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Compare predicted and published TFLOP/s per GPU with the global calibration: Megatron-Core H100"
                + " (calibration table) and Narayanan et al. 2021 Table 1 on A100 (held out).")
public final class ValidateCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Megatron-Core weak scaling on DGX H100 (NVIDIA/Megatron-LM README, r0.8.0), model FLOPs per GPU.");
        out.println("Setup for every row: micro-batch 1, bf16, distributed optimizer, selective recompute, SP when tp > 1,");
        out.println("TP comm overlap, interleaved schedule when pp > 1 (chunks of >= " + Validation.MIN_LAYERS_PER_CHUNK + " layers).");
        out.println();
        table(out, Validation.megatronCore(Calibration.DEFAULT), "(targets: mean <= 10%, max <= 20%)");
        out.println();
        out.println("held out: A100, Narayanan et al. 2021 Table 1, not used for calibration.");
        out.println("DGX A100 80GB, vocab 51200, seq 2048; hardware FLOPs per GPU with full recompute (the paper's eq. 3).");
        out.println("Setup for every row: micro-batch " + Validation.NARAYANAN_A100.microBatch() + ", bf16-mixed (the paper's fp16 mixed: same bytes and A100 peak),");
        out.println("full recompute, DDP (no distributed optimizer), no SP,");
        out.println("no TP comm overlap, interleaved schedule when pp > 1 (chunks of >= " + Validation.MIN_LAYERS_PER_CHUNK
                + " layers); same calibration.");
        out.println();
        table(out, Validation.heldOutA100(Calibration.DEFAULT), "(held out)");
        out.flush();
        return 0;
    }

    static void table(PrintWriter out, List<Validation.Row> rows, String note) {
        out.println(String.format(Locale.ROOT, "%-7s %4s %3s %3s %5s %6s  %10s %10s %8s", "model", "tp", "pp", "dp", "gpus", "batch",
                "published", "predicted", "error"));
        for (Validation.Row r : rows) {
            var run = r.run();
            out.println(String.format(Locale.ROOT, "%-7s %4d %3d %3d %5d %6d  %10.1f %10.1f %+7.1f%%", run.model(), run.tp(), run.pp(),
                    run.dp(), run.gpus(), run.globalBatch(), run.tflopsPerGpu(), r.predictedTflopsPerGpu(), 100 * r.relativeError()));
        }
        out.println();
        out.println(String.format(Locale.ROOT, "mean absolute error %.1f%%, max %.1f%% over %d rows %s",
                100 * Validation.meanAbsError(rows), 100 * Validation.maxAbsError(rows), rows.size(), note));
    }
}
