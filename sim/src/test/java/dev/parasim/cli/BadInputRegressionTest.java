package dev.parasim.cli;

import dev.parasim.spec.Limits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16's reproducers, one test each: every one used to crash (a stack trace, exit 1), hang or write a
 * multi-line message; each is now one line {@code path: rule, found value} on stderr, exit 2, nothing written,
 * and no Spark started.
 */
class BadInputRegressionTest {
    static final String GPT3 = CliSmokeTest.CONFIGS.resolve("gpt3-on-a100.yaml").toString();
    static final String TINY = CliSmokeTest.CONFIGS.resolve("tiny-gpt-executed.yaml").toString();
    static final String SWEEP = Path.of("..", "configs", "sweeps", "gpt3-1024-a100.yaml").toString();
    static final String MEASURED = Path.of("..", "configs", "measured", "megatron-core-h100.csv").toString();

    @TempDir
    Path dir;

    @Test
    void selfReferencingAliasIsOneLine() throws IOException {
        Path f = write("self.yaml", "a: &x [*x]\n");
        assertRejected(f + ": must not use an alias inside itself (line 1), found \"&x\"", "predict", f.toString());
    }

    @Test
    void aliasBombUnderTheAliasLimitIsRefusedFast() throws IOException {
        // 47 aliases (under SnakeYAML's 50) that expand to 2^24 values.
        StringBuilder bomb = new StringBuilder("a0: &a0 [x, x]\n");
        for (int i = 1; i < 24; i++) bomb.append("a%d: &a%d [*a%d, *a%d]\n".formatted(i, i, i - 1, i - 1));
        Path f = write("bomb.yaml", bomb.toString());
        long start = System.nanoTime();
        assertRejected(f + ": must hold at most 100000 values with aliases expanded (line 16), found \"more\"", "predict", f.toString());
        assertTrue(System.nanoTime() - start < 10e9, "refused within seconds");
    }

    @Test
    void tooManyAliasesAndTooDeepNestingAreOneLine() throws IOException {
        String many = "a: &a [1]\nb: [" + IntStream.range(0, 51).mapToObj(i -> "*a").collect(Collectors.joining(", ")) + "]\n";
        Path f = write("aliases.yaml", many);
        assertRejected(f + ": must be valid YAML, found \"Number of aliases for non-scalar nodes exceeds the specified max=50\"",
                "predict", f.toString());
        Path deep = write("deep.yaml", "a: " + "[".repeat(60) + "]".repeat(60) + "\n");
        assertRejected(deep + ": must be valid YAML, found \"Nesting Depth exceeded max 50\"", "predict", deep.toString());
    }

    @Test
    void typeTagsAreRefused() throws IOException {
        Path binary = write("binary.yaml", "name: !!binary aGVsbG8=\n");
        assertRejected(binary + ": must not use type tags (line 1), found \"tag:yaml.org,2002:binary\"", "predict", binary.toString());
        Path java = write("java.yaml", "name: !!javax.script.ScriptEngineManager [x]\n");
        assertRejected(java + ": must not use type tags (line 1), found \"tag:yaml.org,2002:javax.script.ScriptEngineManager\"",
                "predict", java.toString());
    }

    @Test
    void setIndexPastIntIsOneLine() {
        assertRejected("--set plans[99999999999].tp: index must be below 7, found 99999999999",
                "predict", GPT3, "--set", "plans[99999999999].tp=2");
        assertRejected("--set plans[99999999999999999999999].tp: index must be below 7, found \"[99999999999999999999999]\"",
                "predict", GPT3, "--set", "plans[99999999999999999999999].tp=2");
    }

    @Test
    void integerOverflowsAreLimits() {
        assertRejected("plans[6].chunks: must be at most 1048576, found 1073741824", "predict", GPT3, "--set", "plans[6].chunks=1073741824");
        // microBatch·dp = 2^23 · 512 = 2^32 used to wrap to 0 (division by zero).
        assertRejected("""
                training.globalBatch: must be divisible by microBatch·dp (4294967296) of plans[0], found 1536
                training.globalBatch: must be divisible by microBatch·dp (4294967296) of plans[1], found 1536
                training.globalBatch: must be divisible by microBatch·dp (4294967296) of plans[2], found 1536
                training.globalBatch: must be divisible by microBatch·dp (4294967296) of plans[3], found 1536
                training.globalBatch: must be divisible by microBatch·dp (67108864) of plans[4], found 1536
                training.globalBatch: must be divisible by microBatch·dp (67108864) of plans[5], found 1536
                training.globalBatch: must be divisible by microBatch·dp (67108864) of plans[6], found 1536""",
                "predict", GPT3, "--set", "training.microBatch=8388608");
        assertRejected("model.hidden: must be at most 65536, found 2147483520", "predict", GPT3, "--set", "model.hidden=2147483520");
        assertRejected("model.layers: must be at most 2048, found 1000000000", "predict", GPT3, "--set", "model.layers=1000000000");
        assertRejected("model.vocab: must be at most 16777216, found 2147483647", "predict", GPT3, "--set", "model.vocab=2147483647");
        assertRejected("plans[0]: dp·tp·pp·cp must be at most 1048576, found \"1048576·1·1·4096\"",
                "predict", GPT3, "--set", "plans[0].dp=1048576", "--set", "plans[0].cp=4096");
        assertRejected("cluster.nodes: gpusPerNode·nodes must be at most 1048576, found 8388608",
                "predict", GPT3, "--set", "cluster.nodes=1048576");
        assertRejected("model.seqLen: must be at most 1048576, found 1073741824", "predict", GPT3, "--set", "model.seqLen=1073741824");
        assertRejected("training.bucketMB: must be at least 0.001, found 1.0E-9", "predict", GPT3, "--set", "training.bucketMB=1e-9");
    }

    @Test
    void limitsPassAtTheLimitAndFailJustPast() {
        assertEquals(0, CliRunner.run("predict", GPT3, "--set", "model.layers=" + Limits.MAX_LAYERS / 2 * 2, "--set", "plans[6].chunks=1",
                "--set", "plans[6].schedule=1f1b", "--set", "plans[5].chunks=1", "--set", "plans[5].schedule=1f1b").exitCode());
        assertRejected("model.layers: must be at most 2048, found 2049", "predict", GPT3, "--set", "model.layers=2049");
    }

    @Test
    void devZeroDirectoriesAndHugeFilesAreRefusedBeforeReading() throws IOException {
        assertRejected("/dev/zero: must be a regular file, found \"a special file\"", "predict", "/dev/zero");
        assertRejected(dir + ": must be a regular file, found \"a directory\"", "predict", dir.toString());
        Path huge = write("huge.yaml", "#" + "x".repeat(1 << 20) + "\n");
        assertRejected(huge + ": must be at most 1048576 bytes, found \"a larger file\"", "predict", huge.toString());
        Path latin = dir.resolve("latin1.yaml");
        Files.write(latin, new byte[] {'n', 'a', 'm', 'e', ':', ' ', (byte) 0xe9, '\n'});
        assertRejected(latin + ": must be UTF-8 text, found \"other bytes\"", "predict", latin.toString());
    }

    @Test
    void reportTimelinesAreBounded() {
        Path out = dir.resolve("out");
        assertRejected("training.globalBatch: must be at most 16777216, found 1073741824",
                "report", GPT3, "--out", out.toString(), "--set", "training.globalBatch=1073741824");
        assertRejected("""
                plans[4]: micro-batches per step·pp·chunks must be at most 262144, found "65536·8·1 = 524288"
                plans[5]: micro-batches per step·pp·chunks must be at most 262144, found "65536·8·2 = 1048576"
                plans[6]: micro-batches per step·pp·chunks must be at most 262144, found "65536·8·1 = 524288\"""",
                "report", GPT3, "--out", out.toString(), "--set", "training.globalBatch=524288");
    }

    @Test
    void executedPlansAreLimitedBeforeSparkStarts() {
        String out = dir.resolve("out").toString();
        assertNotExecuted("execute.steps: must be at most 1000, found 1000000000", "run", TINY, "--out", out, "--set", "execute.steps=1000000000");
        assertNotExecuted("model.seqLen: executed models have at most 2048 tokens per sequence, found 65536",
                "run", TINY, "--out", out, "--set", "model.seqLen=65536");
        List<String> dp4096 = new ArrayList<>(List.of("run", TINY, "--out", out, "--set", "cluster.nodes=512", "--set", "training.globalBatch=8192"));
        for (int i = 0; i < 4; i++) dp4096.addAll(List.of("--set", "plans[" + i + "].dp=4096"));
        // Every plan's problem on its own line (issue 15: run used to report them one at a time).
        assertNotExecuted(IntStream.range(0, 4).mapToObj(i -> "plans[" + i + "]: executed runs have at most 64 ranks (dp·tp·pp·cp), found 4096")
                .collect(Collectors.joining("\n")), dp4096.toArray(String[]::new));
        assertNotExecuted(IntStream.range(0, 4).mapToObj(i -> "plans[" + i + "]: executed runs play at most 4096 micro-batches·pp·chunks per step, found 8192")
                        .collect(Collectors.joining("\n")),
                "run", TINY, "--out", out, "--set", "training.globalBatch=131072", "--set", "training.microBatch=2");
        assertRejected("--ranks-per-partition: must be 0 (dp / cores) or positive, found -1", "run", TINY, "--out", out,
                "--ranks-per-partition", "-1");
    }

    @Test
    void unevenPipelineStagesArePredictedAndExecutable() throws IOException {
        Path uneven = write("uneven.yaml", """
                name: uneven
                model: {name: tiny-gpt, layers: 5, hidden: 32, heads: 4, vocab: 64, seqLen: 16, dropout: false}
                cluster: {preset: cpu-8}
                training: {globalBatch: 8, microBatch: 1, precision: fp32}
                plans:
                  - {name: even, dp: 8}
                  - {name: default-split, dp: 4, pp: 2}
                  - {name: by-hand, dp: 2, pp: 4, stageLayers: [1, 2, 1, 1]}
                execute: {steps: 1, seed: 1}
                """);
        assertEquals(0, CliRunner.run("predict", uneven.toString(), "--json").exitCode(), "predict evaluates them");
        String table = CliRunner.run("predict", uneven.toString()).out();
        assertTrue(table.contains("  stages      layers per stage 3, 2 (uneven)"), table);
        assertTrue(table.contains("  stages      layers per stage 1, 2, 1 × 2 (uneven)"), table);
        // The executor runs them too (exec.spark.PipelineRuns trains uneven splits and checks them against one rank).
        var e = dev.parasim.spec.load.SpecLoader.load(uneven, List.of());
        for (var plan : e.plans()) dev.parasim.exec.ExecLimits.check(e, plan);
    }

    @Test
    void sweepSpacesAreBoundedAndAxisValuesDistinct() throws IOException {
        String out = dir.resolve("out").toString();
        String gpus = IntStream.rangeClosed(1, 2000).mapToObj(i -> String.valueOf(8 * i)).collect(Collectors.joining(", "));
        Path big = write("big.yaml", Files.readString(Path.of(SWEEP)).replace("gpus: [1024]", "gpus: [" + gpus + "]"));
        assertRejected("axes: gpus × axes must span at most 16000000 combinations, found \"215040000\"", "sweep", big.toString(), "--out", out);
        assertRejected("axes.tp[1]: must not repeat tp[0], found 8", "sweep", SWEEP, "--out", out, "--set", "axes.tp=[8, 8]");
        assertRejected("gpus[1]: must not repeat gpus[0], found 1024", "sweep", SWEEP, "--out", out, "--set", "gpus=[1024, 1024]");
        assertRejected("axes.zero[2]: must not repeat zero[0], found 0", "sweep", SWEEP, "--out", out, "--set", "axes.zero=[0, 1, 0]");
        assertRejected("--stream: must not be combined with --spark-sql, found \"--spark-sql\"", "sweep", SWEEP, "--out", out,
                "--stream", "--spark-sql");
        assertRejected("--engine: must be auto, spark or in-process, found \"gpu\"", "sweep", SWEEP, "--out", out, "--engine", "gpu");
        assertRejected("--engine: in-process needs a local master and none of --parquet, --spark-sql, --stream, found \"--parquet\"",
                "sweep", SWEEP, "--out", out, "--engine", "in-process", "--parquet");
    }

    @Test
    void newlinesAreEscapedAndLongValuesAbridged() {
        assertRejected("training.precision: must be one of fp32|bf16-mixed|fp8-mixed, found \"fp\\n16\"",
                "predict", GPT3, "--set", "training.precision=\"fp\\n16\"");
        CliRunner r = CliRunner.run("predict", GPT3, "--set", "model.preset=" + "x".repeat(500));
        assertEquals(2, r.exitCode());
        assertTrue(r.err().endsWith(", found \"" + "x".repeat(120) + "… (500 characters)\"" + System.lineSeparator()), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void calibrateChecksItsCsvAndOptionsBeforeSpark() throws IOException {
        String out = dir.resolve("out").toString();
        List<String> lines = Files.readAllLines(Path.of(MEASURED));
        String header = lines.stream().filter(l -> l.startsWith("model,")).findFirst().orElseThrow();
        Path headerOnly = write("header.csv", header + "\n");
        assertRejected(headerOnly + ": must have at least one row after the header, found \"only a header\"", "calibrate", headerOnly.toString(),
                "--out", out);
        Path infinity = write("inf.csv", header + "\n1.7B,16,2048,24,1,1,48,48,192,Infinity,0.41\n");
        assertRejected(infinity + ": row 1.tflops_per_gpu: must be a positive number, found \"Infinity\"", "calibrate", infinity.toString(),
                "--out", out);
        Path unusable = write("unusable.csv", header + "\n1.7B,16,2048,24,3,1,16,48,192,408.8,0.41\n");
        assertRejected(unusable + ": row 1.plans[0].tp: must divide model.heads (16), found 3", "calibrate", unusable.toString(), "--out", out);
        assertRejected("--reg: must be zero or a positive number, found -1.0", "calibrate", MEASURED, "--out", out, "--reg", "-1");
    }

    @Test
    void benchRefusesZeroCores() {
        assertRejected("--cores: must be in 1..256, found 0", "bench", "sweep", "--cores", "0");
        assertRejected("--seconds: must be in (0, 3600], found NaN", "bench", "timeline", "--seconds", "NaN");
        assertRejected("--reps: must be in 1..100, found 0", "bench", "e2e", "--reps", "0");
    }

    @Test
    void nonsenseMasterIsOneLine() {
        assertRejected("--master: must be local, local[N], local[*], spark://HOST:PORT, yarn or k8s://URL, found \"nonsense://x\"",
                "run", TINY, "--out", dir.resolve("out").toString(), "--master", "nonsense://x");
    }

    @Test
    void sparkFailuresAreOneLineWithTheirOwnExitCode() throws Exception {
        StringWriter err = new StringWriter();
        var lost = new org.apache.spark.SparkException("Job aborted due to stage failure: executor lost\nDriver stacktrace:\n\tat x");
        assertEquals(Main.SPARK_FAILURE, Main.failure(new RuntimeException(lost), new PrintWriter(err, true)));
        assertEquals("spark: Job aborted due to stage failure: executor lost" + System.lineSeparator(), err.toString());
        StringWriter start = new StringWriter();
        var cannot = new dev.parasim.spark.SparkFailure("cannot start Spark with master spark://nohost:7077",
                new java.io.IOException("Connection refused"));
        assertEquals(Main.SPARK_FAILURE, Main.failure(cannot, new PrintWriter(start, true)));
        assertEquals("spark: cannot start Spark with master spark://nohost:7077: IOException Connection refused" + System.lineSeparator(),
                start.toString());
    }

    @Test
    void usageErrorsAreOneLineWithAPointerToHelp() {
        assertRejected("sim predict: Unknown option: '--bogus' (see 'sim predict --help')", "predict", GPT3, "--bogus");
        assertRejected("sim predict: Missing required parameter: 'EXPERIMENT' (see 'sim predict --help')", "predict");
        assertRejected("sim predict: option '--json' should be specified only once (see 'sim predict --help')", "predict", GPT3, "--json", "--json");
        assertRejected("sim run: Invalid value for option '--ranks-per-partition': 'abc' is not an int (see 'sim run --help')",
                "run", TINY, "--ranks-per-partition", "abc");
    }

    void assertRejected(String message, String... args) {
        assertRefused(Main.SPEC_ERROR, message, args);
    }

    /** Like {@link #assertRejected} for a well-formed plan the executor does not run (exit {@link Main#NOT_EXECUTABLE}). */
    void assertNotExecuted(String message, String... args) {
        assertRefused(Main.NOT_EXECUTABLE, message, args);
    }

    private void assertRefused(int code, String message, String... args) {
        List<Path> before = listing();
        CliRunner r = CliRunner.run(args);
        assertEquals(message + System.lineSeparator(), r.err());
        assertEquals(code, r.exitCode());
        assertEquals("", r.out());
        assertEquals(before, listing(), "nothing may be written");
    }

    Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    List<Path> listing() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
