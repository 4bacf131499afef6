package dev.parasim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fuzz corpus ({@link FuzzCorpus}, seeded) through the real entry point in this JVM, each case within a time
 * bound: it ends in exit 0 with output, or exit 2 with exactly one stderr line naming a path ({@code path: rule,
 * found value}, or a usage error pointing to --help) and nothing written. Prints its counts.
 */
class FuzzTest {
    static final long SEED = 16;
    static final int CASES = 1_200;
    static final long BOUND_SECONDS = 20;

    @TempDir
    Path dir;

    @Test
    void everyCaseIsAcceptedOrOneLineRejectedWithinItsBound() throws Exception {
        List<FuzzCorpus.Case> cases = new FuzzCorpus(SEED).cases(CASES);
        assertEquals(cases, new FuzzCorpus(SEED).cases(CASES), "the corpus is deterministic");
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
        int accepted = 0, rejected = 0;
        List<String> crashed = new ArrayList<>(), hung = new ArrayList<>();
        long start = System.nanoTime();
        for (FuzzCorpus.Case c : cases) {
            Path caseDir = Files.createDirectories(dir.resolve("case-" + c.id()));
            Path input = caseDir.resolve(c.fileName());
            Files.writeString(input, c.input());
            Path out = caseDir.resolve("out");
            String[] args = c.args().stream().map(a -> a.equals("FILE") ? input.toString() : a.equals("OUT") ? out.toString() : a)
                    .toArray(String[]::new);
            StringWriter stdout = new StringWriter(), stderr = new StringWriter();
            Future<Integer> run = pool.submit(() -> Main.execute(args, new PrintWriter(stdout, true), new PrintWriter(stderr, true)));
            int code;
            try {
                code = run.get(BOUND_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                run.cancel(true);
                hung.add(c.id() + " " + c.args());
                pool.shutdownNow();
                pool = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "fuzz-case");
                    t.setDaemon(true);
                    return t;
                });
                continue;
            } catch (java.util.concurrent.ExecutionException e) {
                crashed.add(c.id() + " " + c.args() + ": " + e.getCause());
                continue;
            }
            String problem = check(code, stdout.toString(), stderr.toString(), out, c);
            if (problem != null) crashed.add(c.id() + " " + c.args() + ": " + problem);
            else if (code == 0) accepted++;
            else rejected++;
        }
        pool.shutdownNow();
        System.out.printf(Locale.ROOT, "fuzz: %d cases, %d accepted, %d rejected, crashed=%d, hung=%d in %.1f s (seed %d)%n",
                cases.size(), accepted, rejected, crashed.size(), hung.size(), (System.nanoTime() - start) / 1e9, SEED);
        assertEquals(List.of(), crashed, "crashed");
        assertEquals(List.of(), hung, "hung");
        assertTrue(cases.size() >= 1_000 && accepted > 0 && rejected > cases.size() / 2, accepted + " accepted, " + rejected + " rejected");
    }

    /** {@return what is wrong with a case's outcome, or null} */
    static String check(int code, String stdout, String stderr, Path out, FuzzCorpus.Case c) throws IOException {
        if (code == 0) {
            if (stdout.isBlank()) return "exit 0 without output";
            if (c.args().get(0).equals("report") && !Files.exists(out.resolve("fuzz").getParent())) return "report wrote nothing";
            return null;
        }
        if (code != Main.SPEC_ERROR && code != Main.NOT_EXECUTABLE) return "exit " + code + ": " + stderr;
        List<String> lines = stderr.lines().toList();
        if (lines.isEmpty()) return "nothing on stderr";
        // Several problems of one input: one 'path: rule, found value' line each.
        if (lines.size() > 1 && !lines.stream().allMatch(l -> l.matches("\\S.*?: .+, found .+")))
            return lines.size() + " stderr lines: " + stderr;
        String line = lines.get(0);
        boolean spec = line.matches("\\S.*?: .+, found .+");
        boolean usage = line.matches("sim( \\w+)?: .+ \\(see 'sim( \\w+)? --help'\\)");
        if (!spec && !usage) return "not 'path: rule, found value': " + line;
        if (!stdout.isEmpty()) return "stdout on failure: " + stdout;
        if (Files.exists(out)) {
            try (Stream<Path> files = Files.walk(out)) {
                if (files.anyMatch(p -> !p.equals(out))) return "wrote files on failure";
            }
        }
        return null;
    }
}
