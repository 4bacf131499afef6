package dev.parasim.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnitsTest {
    @Test
    void bytesTakeTheLargestDecimalUnitReached() {
        assertEquals("0 B", Units.bytes(0));
        assertEquals("999 B", Units.bytes(999));
        assertEquals("1.00 KB", Units.bytes(1000));
        assertEquals("112.13 KB", Units.bytes(112_128));
        assertEquals("59.92 GB", Units.bytes(59_920_000_000L));
        assertEquals("2.88 TB", Units.bytes(2_876_410_000_000L));
    }

    @Test
    void countsAndSeconds() {
        assertEquals("28.0K", Units.count(28_032));
        assertEquals("174.6B", Units.count(174_600_000_000L));
        assertEquals("512", Units.count(512));
        assertEquals("40.290 s", Units.seconds(40.29));
        assertEquals("0.000 s", Units.seconds(0));
        assertEquals("1.147 ms", Units.seconds(0.0011472));
        assertEquals("12.5 µs", Units.seconds(12.5e-6));
    }

    @Test
    void everyUnitReadsAsANumberSoTablesAlignIt() {
        for (String cell : List.of(Units.bytes(999), Units.bytes(112_128), Units.count(28_032), Units.seconds(40.29),
                Units.seconds(0.0011472), Units.seconds(12.5e-6)))
            assertTrue(HtmlRenderer.numeric(cell), cell);
    }
}
