package dev.parasim.memory;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MemoryBreakdownTest {
    @Test
    void oneDecimalWritesWhatTheFormatterWrites() {
        Random random = new Random(14);
        for (int i = 0; i < 200_000; i++) {
            double x = switch (i % 3) {
                case 0 -> random.nextDouble() * 2_000;
                case 1 -> random.nextLong(1L << 45) / 1e9;              // bytes as GB, as the reason divides them
                default -> random.nextInt(100_000) / 10.0 + 0.05;      // halfway cases
            };
            assertEquals(String.format(Locale.ROOT, "%.1f", x), MemoryBreakdown.oneDecimal(x), "x = " + x);
        }
        for (double x : new double[] {0, 0.05, 0.95, 9.95, 99.95, 1e7, 1.23456789e8})
            assertEquals(String.format(Locale.ROOT, "%.1f", x), MemoryBreakdown.oneDecimal(x), "x = " + x);
    }

    @Test
    void anOutOfMemoryReasonNamesTheStageAndBothSizes() {
        var m = new MemoryBreakdown(40_000_000_000L, 20_000_000_000L, 20_000_000_000L, 5_050_000_000L, 0, 80_000_000_000L, 3,
                List.of(1L, 2L, 3L, 4L));
        assertEquals("needs 85.1 GB on pipeline stage 3 but the GPU has 80.0 GB", m.reason());
        assertEquals("", new MemoryBreakdown(1, 1, 1, 1, 1, 80, 0, List.of(4L)).reason());
    }
}
