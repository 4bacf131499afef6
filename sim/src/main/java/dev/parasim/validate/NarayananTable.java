package dev.parasim.validate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Narayanan et al. 2021 (arXiv:2104.04473) Table 1: GPT weak scaling from 1.7B to 1T parameters on DGX A100
 * 80GB (Selene), vocabulary 51200, sequence 2048. Bundled as {@code /validation/narayanan-2021-a100.csv} with
 * its citation. Unlike the Megatron-Core table, {@link PublishedRun#tflopsPerGpu()} here counts HARDWARE
 * FLOPs with full recompute (the paper's eq. 3). Held out: never used to fit the calibration.
 */
final class NarayananTable {
    public static final int VOCAB = 51200;
    public static final int SEQ_LEN = 2048;
    static final String RESOURCE = "/validation/narayanan-2021-a100.csv";

    private NarayananTable() {}

    public static List<PublishedRun> rows() {
        try (InputStream in = NarayananTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing bundled table " + RESOURCE);
            List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
            return PublishedRuns.parse(RESOURCE, lines, VOCAB, SEQ_LEN);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled Narayanan et al. 2021 table", e);
        }
    }
}
