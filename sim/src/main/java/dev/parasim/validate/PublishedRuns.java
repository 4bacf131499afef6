package dev.parasim.validate;

import dev.parasim.spec.SpecException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads measured runs from CSV by header name: model, heads, hidden, layers, tp, pp, dp, gpus,
 * global_batch, tflops_per_gpu (model FLOPs per GPU); optional vocab and seq_len columns override the
 * defaults given. Lines starting with # are comments (keep the source citation there).
 */
public final class PublishedRuns {
    static final List<String> REQUIRED = List.of("model", "heads", "hidden", "layers", "tp", "pp", "dp", "gpus",
            "global_batch", "tflops_per_gpu");

    static final int MAX_FILE_BYTES = 1 << 20;

    private PublishedRuns() {}

    public static List<PublishedRun> read(Path file, int defaultVocab, int defaultSeqLen) {
        List<String> lines;
        try {
            if (Files.exists(file) && !Files.isRegularFile(file))
                throw new SpecException(file.toString(), "must be a regular file", Files.isDirectory(file) ? "a directory" : "a special file");
            if (Files.exists(file) && Files.size(file) > MAX_FILE_BYTES)
                throw new SpecException(file.toString(), "must be at most " + MAX_FILE_BYTES + " bytes", Files.size(file));
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SpecException(file.toString(), "must be an existing file", "no such file");
        } catch (IOException e) {
            throw new SpecException(file.toString(), "must be readable", e.getMessage());
        }
        return parse(file.toString(), lines, defaultVocab, defaultSeqLen);
    }

    /** Parses CSV lines (comments and blank lines skipped); {@code source} names them in errors. */
    public static List<PublishedRun> parse(String source, List<String> lines, int defaultVocab, int defaultSeqLen) {
        List<String> rows = lines.stream().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
        if (rows.isEmpty()) throw new SpecException(source, "must have a header and at least one row", "an empty file");
        if (rows.size() == 1) throw new SpecException(source, "must have at least one row after the header", "only a header");
        List<String> header = Arrays.stream(rows.get(0).split(",")).map(String::trim).toList();
        for (String column : REQUIRED)
            if (!header.contains(column)) throw new SpecException(source + ": header", "must have column " + column, String.join(",", header));
        List<PublishedRun> runs = new ArrayList<>();
        for (int i = 1; i < rows.size(); i++) {
            String[] f = rows.get(i).split(",");
            String at = source + ": row " + i;
            if (f.length != header.size()) throw new SpecException(at, "must have " + header.size() + " fields", f.length);
            runs.add(new PublishedRun(f[header.indexOf("model")].trim(), integer(at, header, f, "heads"), integer(at, header, f, "hidden"),
                    integer(at, header, f, "layers"), header.contains("vocab") ? integer(at, header, f, "vocab") : defaultVocab,
                    header.contains("seq_len") ? integer(at, header, f, "seq_len") : defaultSeqLen, integer(at, header, f, "tp"),
                    integer(at, header, f, "pp"), integer(at, header, f, "dp"), integer(at, header, f, "gpus"),
                    integer(at, header, f, "global_batch"), number(at, header, f, "tflops_per_gpu")));
        }
        return runs;
    }

    static int integer(String at, List<String> header, String[] f, String column) {
        String v = f[header.indexOf(column)].trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new SpecException(at + "." + column, "must be an integer", v);
        }
    }

    static double number(String at, List<String> header, String[] f, String column) {
        String v = f[header.indexOf(column)].trim();
        try {
            double d = Double.parseDouble(v);
            if (!(d > 0) || Double.isInfinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new SpecException(at + "." + column, "must be a positive number", v);
        }
    }
}
