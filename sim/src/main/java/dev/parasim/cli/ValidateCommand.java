package dev.parasim.cli;

import dev.parasim.spec.Calibration;
import dev.parasim.validate.MptTable;
import dev.parasim.validate.Validation;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sim validate}: predicted vs published TFLOP/s per GPU with one calibration per GPU type: Megatron-Core H100
 * and llm-foundry's H100 rows (fitted to, H100 calibration), Narayanan et al. 2021 Table 1 and Table 2 (ZeRO-3 against
 * PTD-P, with the step ratio per GPU count; both held out) and llm-foundry's
 * A100 rows (fitted to, A100 calibration); llm-foundry also per regime (long sequence, full recompute, fp8, large FSDP).
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Compare predicted and published TFLOP/s per GPU with one calibration per GPU type: Megatron-Core H100,"
                + " Narayanan et al. 2021 Table 1 on A100 (held out), MosaicML llm-foundry FSDP on H100 and A100 (per regime).")
public final class ValidateCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Megatron-Core weak scaling on DGX H100 (NVIDIA/Megatron-LM README, r0.8.0), model FLOPs per GPU.");
        out.println("Setup for every row: micro-batch 1, bf16, distributed optimizer, selective recompute, SP when tp > 1,");
        out.println("TP comm overlap, Transformer Engine's fused attention (cuDNN on Hopper: flash-hopper), interleaved schedule when");
        out.println("pp > 1 (chunks of >= " + Validation.MIN_LAYERS_PER_CHUNK + " layers).");
        out.println();
        table(out, Validation.megatronCore(Calibration.DEFAULT), "(goal per table: mean <= 8%, max <= 20%)");
        out.println();
        out.println("held out: A100, Narayanan et al. 2021 Table 1, not used for calibration.");
        out.println("DGX A100 80GB, vocab 51200, seq 2048; hardware FLOPs per GPU with full recompute (the paper's eq. 3).");
        out.println("Setup for every row: micro-batch " + Validation.NARAYANAN_A100.microBatch() + ", bf16-mixed (the paper's fp16 mixed: same bytes and A100 peak),");
        out.println("full recompute, DDP (no distributed optimizer), no SP,");
        out.println("no TP comm overlap, interleaved schedule when pp > 1 (chunks of >= " + Validation.MIN_LAYERS_PER_CHUNK
                + " layers); the A100 calibration, fitted to llm-foundry's A100 rows only.");
        out.println();
        table(out, Validation.heldOutA100(Calibration.A100), "(held out)");
        out.println();
        zero3VsPtd(out);
        for (String[] t : new String[][] {{"dgx-h100", "H100 80GB"}, {"dgx-a100", "A100 40/80GB"}}) {
            out.println();
            out.println("MosaicML llm-foundry FSDP benchmarks on " + t[1] + " (scripts/train/benchmarking/README.md, 2024-01-06), model FLOPs per GPU.");
            out.println("Setup per row as published: FSDP FULL_SHARD (ZeRO-3) or SHARD_GRAD_OP (ZeRO-2) over every GPU, its micro-batch,");
            out.println("activation checkpointing (full recompute, stopping at the last saved tensor: PyTorch's non-reentrant checkpoint) or none,");
            out.println("bf16 or fp8, gradients reduce-scattered in fp32 (Composer's default FSDP mixed precision), flash attention, no dropout.");
            out.println();
            List<MptTable.Run> runs = Validation.llmFoundryRuns(t[0]);
            List<Validation.Row> rows = Validation.llmFoundry(t[0], Calibration.forGpu(t[1]));
            foundryTable(out, runs, rows);
        }
        out.flush();
        return 0;
    }

    /** Narayanan et al. 2021 Table 2: DeepSpeed ZeRO-3 vs PTD-P on GPT-3 175B and 530B, step seconds and the ratio per pair. */
    static void zero3VsPtd(PrintWriter out) {
        out.println("held out: A100, Narayanan et al. 2021 Table 2 / Figure 10 (§5.2), GPT-3 175B at batch 1536 and 530B at 2240, hardware FLOPs.");
        out.println("ZeRO-3 rows: DeepSpeed ZeRO-3 without model parallelism, one micro-batch of batch/GPUs per GPU, full recompute,");
        out.println("per-tensor gathers fetched on demand (training.zeroGathers: tensors); PTD-P rows: tp 8, pp 12 (175B) or 35 (530B), setup as Table 1.");
        out.println();
        List<dev.parasim.validate.ZeroVsPtdTable.Run> runs = dev.parasim.validate.ZeroVsPtdTable.rows();
        List<Validation.Row> rows = Validation.zero3VsPtd(Calibration.A100);
        table(out, rows, "(held out)");
        out.println();
        out.println("PTD-P's TFLOP/s per GPU over ZeRO-3's (on the same GPUs and batch: the ZeRO-3 step over PTD-P's)");
        out.println(String.format(Locale.ROOT, "%-6s %5s %5s %12s %12s %12s %12s", "model", "zero3", "ptd-p", "zero3 step s",
                "ptd-p step s", "published", "predicted"));
        for (dev.parasim.validate.ZeroVsPtdTable.Pair pair : dev.parasim.validate.ZeroVsPtdTable.pairs(runs)) {
            Validation.Row z = rows.get(pair.zero3()), p = rows.get(pair.ptd());
            out.println(String.format(Locale.ROOT, "%-6s %5d %5d %12.1f %12.1f %11.2fx %11.2fx", z.run().model(), z.run().gpus(),
                    p.run().gpus(), z.prediction().time().stepSeconds(), p.prediction().time().stepSeconds(),
                    p.run().tflopsPerGpu() / z.run().tflopsPerGpu(), Validation.zero3OverPtd(z, p)));
        }
    }

    static void foundryTable(PrintWriter out, List<MptTable.Run> runs, List<Validation.Row> rows) {
        out.println(String.format(Locale.ROOT, "%-9s %6s %5s %4s %4s %4s %-5s %6s  %10s %10s %8s", "model", "seq", "gpus", "zero",
                "mbs", "ckpt", "prec", "batch", "published", "predicted", "error"));
        for (int i = 0; i < rows.size(); i++) {
            MptTable.Run r = runs.get(i);
            Validation.Row row = rows.get(i);
            var run = r.run();
            out.println(String.format(Locale.ROOT, "%-9s %6d %5d %4d %4d %4s %-5s %6d  %10.1f %10.1f %+7.1f%%", run.model(), run.seqLen(),
                    run.gpus(), r.zero().number(), r.microBatch(), r.recompute() == dev.parasim.spec.Recompute.FULL ? "yes" : "no",
                    r.precision() == dev.parasim.spec.Precision.FP8_MIXED ? "fp8" : "bf16", run.globalBatch(), run.tflopsPerGpu(),
                    row.predictedTflopsPerGpu(), 100 * row.relativeError()));
        }
        out.println();
        out.println(String.format(Locale.ROOT, "mean absolute error %.1f%%, max %.1f%% over %d rows", 100 * Validation.meanAbsError(rows),
                100 * Validation.maxAbsError(rows), rows.size()));
        for (Validation.Regime regime : Validation.Regime.values()) {
            List<Validation.Row> in = new java.util.ArrayList<>();
            for (int i = 0; i < rows.size(); i++) if (Validation.Regime.of(runs.get(i)).contains(regime)) in.add(rows.get(i));
            if (in.isEmpty()) continue;
            out.println(String.format(Locale.ROOT, "  %-40s mean %5.1f%%, max %5.1f%% over %3d rows", regime.label,
                    100 * Validation.meanAbsError(in), 100 * Validation.maxAbsError(in), in.size()));
        }
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
