package dev.parasim.validate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Megatron-Core's H100 weak-scaling table (NVIDIA/Megatron-LM README, r0.8.0, July 2024): GPT models,
 * vocabulary 131072, sequence 4096, DGX H100, BF16, DP/TP/PP overlap on. Bundled as
 * {@code /validation/megatron-core-h100.csv} with its citation.
 */
public final class MegatronCoreTable {
    public static final int VOCAB = 131072;
    public static final int SEQ_LEN = 4096;

    private MegatronCoreTable() {}

    public static List<PublishedRun> rows() {
        List<PublishedRun> rows = new ArrayList<>();
        try (InputStream in = MegatronCoreTable.class.getResourceAsStream("/validation/megatron-core-h100.csv")) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            boolean header = true;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) continue;
                if (header) {
                    header = false;
                    continue;
                }
                String[] f = line.split(",");
                rows.add(new PublishedRun(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                        VOCAB, SEQ_LEN, Integer.parseInt(f[4]), Integer.parseInt(f[5]), Integer.parseInt(f[6]),
                        Integer.parseInt(f[7]), Integer.parseInt(f[8]), Double.parseDouble(f[9])));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled Megatron-Core table", e);
        }
        return rows;
    }
}
