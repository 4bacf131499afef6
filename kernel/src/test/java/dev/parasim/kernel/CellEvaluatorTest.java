package dev.parasim.kernel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The evaluator as the notebooks use it: state across cells, values, stdout, errors, ParaSim's API. */
class CellEvaluatorTest {
    private static CellEvaluator cells;

    @BeforeAll
    static void start() {
        // Surefire runs tests from a manifest-only jar: the real classpath is in this property.
        cells = new CellEvaluator(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    }

    @AfterAll
    static void stop() { cells.close(); }

    @Test
    void declarationsPersistAcrossCellsAndTheLastExpressionIsTheValue() {
        assertEquals(Optional.empty(), cells.eval("int x = 20;\nint twice(int v) { return 2 * v; }"));
        assertEquals(Optional.of("42"), cells.eval("int y = twice(x);\ny + 2"));
        assertEquals(Optional.of("\"a-b\""), cells.eval("String.join(\"-\", \"a\", \"b\")"));
        assertEquals(Optional.empty(), cells.eval("var z = x + 1;"));
        assertEquals(Optional.of("21"), cells.eval("z"));
        assertEquals(Optional.empty(), cells.eval("z + 1;"));
        // jshell's default imports are there.
        assertEquals(Optional.of("[1, 2]"), cells.eval("List.of(1, 2).stream().collect(Collectors.toList())"));
    }

    @Test
    void printedTextGoesToStdoutInOrder() {
        assertEquals("one\ntwo\n", stdout("System.out.println(\"one\");\nfor (int i = 0; i < 1; i++) System.out.println(\"two\");"));
    }

    @Test
    void identityHashesAndLambdaNumbersAreRemoved() {
        assertEquals(Optional.of("java.lang.Object"), cells.eval("new Object()"));
        assertEquals("a.B and C$D", CellEvaluator.clean("a.B@1b6d3586 and C$D@7f"));
        assertEquals("REPL.$JShell$$Lambda", CellEvaluator.clean("REPL.$JShell$$Lambda$27/0x0000000801234@5e9f23b4"));
    }

    @Test
    void aCompileErrorNamesTheMessageAndTheLine() {
        CellException e = assertThrows(CellException.class, () -> cells.eval("int ok = 1;\nint bad = nope + 1;"));
        assertEquals("compile error", e.kind());
        assertEquals("cannot find symbol\n  symbol:   variable nope\n  location: class \n    at: int bad = nope + 1;",
                e.getMessage());
        // The snippet before the error ran.
        assertEquals(Optional.of("1"), cells.eval("ok"));
    }

    @Test
    void aThrownExceptionStopsTheCellWithItsClassAndMessage() {
        CellException e = assertThrows(CellException.class,
                () -> cells.eval("int before = 1;\nif (before == 1) throw new IllegalStateException(\"boom\");\nint after = 2;"));
        assertEquals("IllegalStateException", e.kind());
        assertEquals("java.lang.IllegalStateException: boom", e.getMessage());
        assertThrows(CellException.class, () -> cells.eval("after"));
    }

    @Test
    void aFailedExpectationFailsTheCell() {
        assertEquals("ok  bytes = 8\n", stdout("dev.parasim.kernel.Expect.equal(\"bytes\", 8, 4 + 4);"));
        CellException e = assertThrows(CellException.class,
                () -> cells.eval("dev.parasim.kernel.Expect.equal(\"bytes\", 8, 4 + 5);"));
        assertEquals("AssertionError", e.kind());
        assertEquals("java.lang.AssertionError: bytes: expected 8, found 9", e.getMessage());
        assertThrows(CellException.class, () -> cells.eval("dev.parasim.kernel.Expect.close(\"ratio\", 1.5, 1.6, 0.01);"));
        assertThrows(CellException.class, () -> cells.eval("dev.parasim.kernel.Expect.between(\"t\", 1, 2, 2.5);"));
    }

    @Test
    void anIncompleteCellIsAnError() {
        CellException e = assertThrows(CellException.class, () -> cells.eval("for (int i = 0; i < 3; i++) {"));
        assertEquals("incomplete", e.kind());
    }

    @Test
    void cellsSeeParaSimsApi() {
        assertEquals(Optional.of("124439808"), cells.eval(
                "dev.parasim.workload.Parameters.total(dev.parasim.spec.load.SpecLoader.modelPreset(\"gpt2-small\"))"));
    }

    @Test
    void displayedItemsGoToTheInstalledSink() {
        List<Display.Item> items = new ArrayList<>();
        Consumer<Display.Item> previous = Display.sink(items::add);
        try {
            cells.eval("dev.parasim.kernel.Display.table(java.util.List.of(\"plan\", \"GB\"), "
                    + "java.util.List.of(java.util.List.of(\"ddp\", 16), java.util.List.of(\"zero3\", 2)));");
            cells.eval("dev.parasim.kernel.Display.png(new byte[] {1, 2, 3}, \"tiny\");");
        } finally {
            Display.sink(previous);
        }
        assertEquals(2, items.size());
        assertEquals("plan   GB\nddp    16\nzero3   2", items.get(0).text());
        assertEquals("| plan | GB |\n| --- | --- |\n| ddp | 16 |\n| zero3 | 2 |\n", items.get(0).data().get("text/markdown"));
        assertEquals("AQID", items.get(1).data().get("image/png"));
        assertEquals("[chart: tiny]", items.get(1).text());
    }

    @Test
    void completenessAndCompletion() {
        assertEquals(jdk.jshell.SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE, cells.completeness("int f() {"));
        assertEquals(true, cells.completeness("int q = 3;").isComplete());
        int[] anchor = new int[1];
        List<String> names = cells.complete("Math.ma", 7, anchor);
        assertEquals(5, anchor[0]);
        assertEquals(true, names.contains("max("));
    }

    private static String stdout(String cell) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            cells.eval(cell);
        } finally {
            System.setOut(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
