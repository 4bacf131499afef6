package dev.parasim.sweep;

import dev.parasim.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Two Spark writes of the same rows, one with its footer's encoding lists reversed (as another JVM may order them), normalize to the same bytes. */
class ParquetPartsTest {

    @Test
    void twoWritesOfTheSameRowsBecomeTheSameBytesAndStayReadable(@TempDir Path dir) throws IOException {
        SparkSession spark = SparkTestSession.get();
        Dataset<Row> rows = spark.sql("SELECT id, CAST(id % 7 AS STRING) AS label, id * 0.5 AS half FROM range(0, 2000)").coalesce(1);
        Path a = dir.resolve("a.parquet"), b = dir.resolve("b.parquet");
        rows.write().parquet(a.toString());
        rows.write().parquet(b.toString());
        assertNotEquals(listing(a), listing(b), "Spark names the parts after a random job UUID");
        Path partB = parts(b).get(0);
        byte[] reversed = reversedEncodings(Files.readAllBytes(partB));
        assertNotEquals(List.of(), differingBytes(Files.readAllBytes(parts(a).get(0)), reversed), "the footers differ");
        Files.write(partB, reversed);
        Files.deleteIfExists(partB.resolveSibling("." + partB.getFileName() + ".crc"));

        ParquetParts.normalize(a);
        ParquetParts.normalize(b);

        assertEquals(List.of("_SUCCESS", "part-00000.snappy.parquet"), listing(a));
        assertEquals(listing(a), listing(b));
        assertArrayEquals(Files.readAllBytes(a.resolve("part-00000.snappy.parquet")), Files.readAllBytes(b.resolve("part-00000.snappy.parquet")));
        List<Row> read = spark.read().parquet(b.toString()).orderBy("id").collectAsList();
        assertEquals(rows.orderBy("id").collectAsList(), read);
    }

    @Test
    void aFileWithoutParquetsMagicIsRefused() {
        IOException e = assertThrows(IOException.class, () -> ParquetParts.sortedEncodings("not parquet at all".getBytes()));
        assertEquals("not a Parquet file: no PAR1 at its end", e.getMessage());
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<Path> parts(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
    }

    private static List<Integer> differingBytes(byte[] x, byte[] y) {
        List<Integer> at = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(x.length, y.length); i++) if (x[i] != y[i]) at.add(i);
        return at;
    }

    /** The file with each column chunk's encodings reversed, footer rewritten: what another JVM's hash order may write. */
    private static byte[] reversedEncodings(byte[] bytes) throws IOException {
        return ParquetParts.withEncodings(bytes, Collections::reverse);
    }
}
