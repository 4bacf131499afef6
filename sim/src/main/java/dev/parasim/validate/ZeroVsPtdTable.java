package dev.parasim.validate;

import dev.parasim.spec.SpecException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Narayanan et al. 2021 (arXiv:2104.04473) §5.2, Table 2 / Figure 10: DeepSpeed ZeRO-3 without model parallelism against
 * PTD parallelism, GPT-3 175B at global batch 1536 on 384, 768 and 1,536 A100s (PTD-P model-parallel size 96: tp 8,
 * pp 12) and the 530B model at batch 2240 on 1,120 and 2,240 (ZeRO-3 on 640 at batch 2560, PTD-P on 560; model-parallel
 * size 280: tp 8, pp 35). Bundled as {@code /validation/narayanan-2021-zero3.csv} with its citation and what it assumes;
 * TFLOP/s count hardware FLOPs with recompute. Held out.
 */
public final class ZeroVsPtdTable {
    static final String RESOURCE = "/validation/narayanan-2021-zero3.csv";

    /** The two schemes the paper compares. */
    public enum Scheme { ZERO3, PTD_P }

    /** One published run: its scheme, its micro-batch and the run as the other tables hold it. */
    public record Run(Scheme scheme, int microBatch, PublishedRun run) {}

    /** A ZeRO-3 row and the PTD-P row the paper compares it with (indices into {@link #rows()}). */
    public record Pair(int zero3, int ptd) {}

    private ZeroVsPtdTable() {}

    /**
     * {@return each ZeRO-3 row with the PTD-P row the paper sets against it}: the k-th ZeRO-3 row of a model with that
     * model's k-th PTD-P row, both in rising GPU count — the same GPUs and batch, except 530B's first pair (ZeRO-3 on 640
     * GPUs at batch 2560, PTD-P on 560 at 2240: the paper's "24% higher throughput", Table 2's footnote)
     */
    public static List<Pair> pairs(List<Run> rows) {
        List<Pair> pairs = new ArrayList<>();
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).scheme() != Scheme.ZERO3) continue;
            String model = rows.get(i).run().model();
            int k = seen.merge(model, 1, Integer::sum) - 1, found = 0;
            for (int j = 0; j < rows.size(); j++) {
                if (rows.get(j).scheme() != Scheme.PTD_P || !rows.get(j).run().model().equals(model)) continue;
                if (found++ == k) { pairs.add(new Pair(i, j)); break; }
            }
        }
        return List.copyOf(pairs);
    }

    public static List<Run> rows() {
        try (InputStream in = ZeroVsPtdTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing bundled table " + RESOURCE);
            List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
            List<PublishedRun> runs = PublishedRuns.parse(RESOURCE, lines, NarayananTable.VOCAB, NarayananTable.SEQ_LEN);
            List<String> data = lines.stream().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
            List<String> header = Arrays.stream(data.get(0).split(",")).map(String::trim).toList();
            List<Run> rows = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                String[] f = data.get(i + 1).split(",");
                String scheme = f[header.indexOf("scheme")].trim();
                Scheme s = switch (scheme) {
                    case "zero3" -> Scheme.ZERO3;
                    case "ptd-p" -> Scheme.PTD_P;
                    default -> throw new SpecException(RESOURCE + ": row " + (i + 1) + ".scheme", "must be zero3 or ptd-p", scheme);
                };
                rows.add(new Run(s, PublishedRuns.integer(RESOURCE + ": row " + (i + 1), header, f, "micro_batch"), runs.get(i)));
            }
            return List.copyOf(rows);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled Narayanan et al. 2021 ZeRO-3 table", e);
        }
    }
}
