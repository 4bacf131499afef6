package dev.parasim.validate;

import dev.parasim.spec.Calibration;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Megatron-Core H100 table with the one global calibration: mean ≤ 10%, max ≤ 20% (the targets). */
class ValidationTest {

    @Test
    void megatronCoreWithinTargets() {
        List<Validation.Row> rows = Validation.megatronCore(Calibration.DEFAULT);
        assertEquals(9, rows.size());
        double mean = rows.stream().mapToDouble(r -> Math.abs(r.relativeError())).average().orElseThrow();
        double max = rows.stream().mapToDouble(r -> Math.abs(r.relativeError())).max().orElseThrow();
        assertTrue(mean <= 0.10, "mean " + mean);
        assertTrue(max <= 0.20, "max " + max);
        // Every row fits an 80 GB H100, as it did in the published runs.
        rows.forEach(r -> assertTrue(r.prediction().fits(), r.run().model() + ": " + r.prediction().memory().reason()));
    }

    @Test
    void chunkRuleKeepsTwoLayersPerChunk() {
        assertEquals(1, Validation.chunks(24, 1));
        assertEquals(21, Validation.chunks(84, 2));
        assertEquals(1, Validation.chunks(112, 16));   // 7 layers per stage: prime, no interleaving
        assertEquals(8, Validation.chunks(96, 6));
    }
}
