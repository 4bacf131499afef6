package dev.parasim.validate;

import dev.parasim.spec.AttentionKernel;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.ZeroStage;
import dev.parasim.workload.Flops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MosaicML llm-foundry's benchmark tables (scripts/train/benchmarking/README.md, tables of 2024-01-06): 216 PyTorch
 * FSDP runs of MPT models (GeLU MLP 4h, learned positions, tied embeddings, vocabulary 50368, flash attention) on
 * 8–512 A100 40/80 GB and H100 80 GB, sequences 512–65,536, with and without full activation checkpointing, bf16
 * and fp8. Bundled as {@code /validation/mpt-llmfoundry.csv} with its citation. Each row states its own settings
 * (FSDP FULL_SHARD = ZeRO-3, SHARD_GRAD_OP = ZeRO-2, over all GPUs; micro-batch; checkpointing; precision).
 */
public final class MptTable {
    public static final int VOCAB = 50368;
    static final String RESOURCE = "/validation/mpt-llmfoundry.csv";

    /**
     * One row: the model and layout as a {@link PublishedRun} whose {@code tflopsPerGpu} is the measured throughput in
     * this project's model FLOPs ({@link Flops#model}: tokens/s/GPU × 3 × forward FLOPs per token), the cluster preset
     * of its GPU and its stated settings.
     */
    public record Run(String section, PublishedRun run, String cluster, Precision precision, ZeroStage zero,
                      Recompute recompute, int microBatch, double measuredStepSeconds) {
        /** {@return the model as MPT builds it} */
        public ModelSpec model() {
            return new ModelSpec(run.model(), run.layers(), run.hidden(), run.heads(), run.heads(), 4 * run.hidden(), VOCAB,
                    run.seqLen(), MlpKind.GELU, true, false, AttentionKernel.FLASH);
        }
    }

    private MptTable() {}

    public static List<Run> rows() {
        try (InputStream in = MptTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing bundled table " + RESOURCE);
            List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
            List<String> header = Arrays.asList(lines.get(0).split(","));
            List<Run> runs = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) runs.add(row(header, line));
            return runs;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled llm-foundry table", e);
        }
    }

    static Run row(List<String> header, String line) {
        // The section is the only quoted field and may hold commas: split it off first.
        String section, rest;
        if (line.startsWith("\"")) {
            int close = line.indexOf('"', 1);
            section = line.substring(1, close);
            rest = line.substring(close + 2);
        } else {
            section = line.substring(0, line.indexOf(','));
            rest = line.substring(line.indexOf(',') + 1);
        }
        String[] f = rest.split(",");
        java.util.function.Function<String, String> col = c -> f[header.indexOf(c) - 1];
        int layers = Integer.parseInt(col.apply("layers")), hidden = Integer.parseInt(col.apply("hidden"));
        int heads = Integer.parseInt(col.apply("heads")), seqLen = Integer.parseInt(col.apply("seq_len"));
        int gpus = Integer.parseInt(col.apply("gpus")), gbs = Integer.parseInt(col.apply("gbs"));
        String gpu = col.apply("gpu");
        String cluster = switch (gpu) {
            case "h100_80gb" -> "dgx-h100";
            case "a100_80gb" -> "dgx-a100-80g";
            case "a100_40gb" -> "dgx-a100-40g";
            default -> throw new IllegalStateException(RESOURCE + ": unknown gpu " + gpu);
        };
        Precision precision = col.apply("precision").endsWith("fp8") ? Precision.FP8_MIXED : Precision.BF16_MIXED;
        ZeroStage zero = col.apply("sharding").equals("FULL_SHARD") ? ZeroStage.PARAMETERS : ZeroStage.GRADIENTS;
        Recompute recompute = Boolean.parseBoolean(col.apply("act_ckpt")) ? Recompute.FULL : Recompute.NONE;
        // Step time from the unrounded token throughput (tput_samples_s is rounded in the source).
        double stepSeconds = Double.parseDouble(col.apply("gbs_tokens")) / Double.parseDouble(col.apply("tput_tokens_s"));
        String model = col.apply("model");
        ModelSpec spec = new ModelSpec(model, layers, hidden, heads, heads, 4 * hidden, VOCAB, seqLen, MlpKind.GELU, true, false,
                AttentionKernel.FLASH);
        double tflopsPerGpu = Flops.model(spec, gbs) / stepSeconds / gpus / 1e12;
        PublishedRun run = new PublishedRun(model, heads, hidden, layers, VOCAB, seqLen, 1, 1, gpus, gpus, gbs, tflopsPerGpu);
        return new Run(section, run, cluster, precision, zero, recompute, Integer.parseInt(col.apply("mbs")), stepSeconds);
    }
}
