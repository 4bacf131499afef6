package dev.parasim.sweep;

import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Makes a Parquet directory Spark wrote the same bytes for the same rows, run after run. Spark names each part with a
 * random job UUID ({@code part-00000-<uuid>-c000.snappy.parquet}), writes Hadoop checksum files named after them, and
 * parquet-hadoop lists each column chunk's encodings in the iteration order of a {@code HashSet} of enum constants, whose
 * identity hashes differ from JVM to JVM (two runs of {@code sim sweep --parquet} differed in 62 bytes of the footer,
 * pairs of encodings swapped). Here each part is renamed {@code part-NNNNN.<codec>.parquet}, its footer's encoding lists
 * sorted by their Thrift value (the order carries no meaning: it is a set) and written back, and the checksum files
 * removed (they would no longer match; Hadoop's local file system reads without them).
 */
public final class ParquetParts {
    private ParquetParts() {}

    private static final Pattern PART = Pattern.compile("part-(\\d+)-[0-9a-f-]+-c\\d+((?:\\.\\w+)?\\.parquet)");
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    /** Normalizes every part in {@code dir} (see the class comment); a directory without parts is left as it is. */
    public static void normalize(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> listed = Files.list(dir)) {
            files = listed.sorted(Comparator.comparing(Path::toString)).toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(".crc")) {
                Files.delete(file);
                continue;
            }
            Matcher part = PART.matcher(name);
            if (!part.matches()) continue;
            Path renamed = dir.resolve("part-" + part.group(1) + part.group(2));
            if (Files.exists(renamed)) throw new IOException("two parts numbered " + part.group(1) + " in " + dir);
            Files.write(renamed, sortedEncodings(Files.readAllBytes(file)));
            Files.delete(file);
        }
    }

    /** {@return the Parquet file {@code bytes} with every column chunk's encodings in ascending order} */
    static byte[] sortedEncodings(byte[] bytes) throws IOException {
        return withEncodings(bytes, encodings -> encodings.sort(Comparator.comparingInt(Encoding::getValue)));
    }

    /** {@return the Parquet file {@code bytes} with {@code change} applied to every column chunk's encoding list, footer rewritten} */
    static byte[] withEncodings(byte[] bytes, java.util.function.Consumer<List<Encoding>> change) throws IOException {
        int n = bytes.length;
        if (n < 12 || !java.util.Arrays.equals(bytes, n - 4, n, MAGIC, 0, 4))
            throw new IOException("not a Parquet file: no PAR1 at its end");
        int footerLength = ByteBuffer.wrap(bytes, n - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int footerStart = n - 8 - footerLength;
        if (footerLength <= 0 || footerStart < 4) throw new IOException("not a Parquet file: footer length " + footerLength);
        FileMetaData meta = Util.readFileMetaData(new ByteArrayInputStream(bytes, footerStart, footerLength));
        for (RowGroup group : meta.getRow_groups())
            for (ColumnChunk chunk : group.getColumns())
                if (chunk.isSetMeta_data() && chunk.getMeta_data().getEncodings() != null)
                    change.accept(chunk.getMeta_data().getEncodings());
        ByteArrayOutputStream out = new ByteArrayOutputStream(n);
        out.write(bytes, 0, footerStart);
        ByteArrayOutputStream footer = new ByteArrayOutputStream(footerLength);
        Util.writeFileMetaData(meta, footer);
        footer.writeTo(out);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.size()).array());
        out.write(MAGIC);
        return out.toByteArray();
    }
}
