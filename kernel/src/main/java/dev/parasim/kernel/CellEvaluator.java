package dev.parasim.kernel;

import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Runs notebook cells as Java with the JDK's JShell, in this JVM ("local" execution engine), so that
 * declarations persist from cell to cell and cells see every class on the kernel's classpath (ParaSim's
 * jar and its dependencies). A cell is split into complete snippets and run in order; the value of a
 * trailing expression is the cell's value, unless the cell ends with a semicolon. A compile error or an exception stops the cell with a
 * {@link CellException} whose text has no object hashes, snippet numbers or timings.
 */
public final class CellEvaluator implements AutoCloseable {
    /** {@code Name@1b6d3586}: Object.toString's identity hash; lambdas add {@code /0x…} to the class name. */
    private static final Pattern IDENTITY = Pattern.compile("(/0x[0-9a-f]+)?@[0-9a-f]{1,8}\\b");
    /** JShell's generated lambda and wrapper class names carry per-session numbers. */
    private static final Pattern LAMBDA = Pattern.compile("\\$\\$Lambda\\$\\d+");

    /** What the jshell tool imports by default; cells can use List, Path, Collectors… without importing them. */
    static final List<String> DEFAULT_IMPORTS = List.of("java.io.*", "java.math.*", "java.net.*", "java.nio.file.*",
            "java.util.*", "java.util.concurrent.*", "java.util.function.*", "java.util.regex.*", "java.util.stream.*");

    private final JShell shell;
    private final SourceCodeAnalysis analysis;

    /** An evaluator whose compiler sees {@code classpath} (the JVM's own classpath for the kernel). */
    public CellEvaluator(String classpath) {
        shell = JShell.builder().executionEngine("local").build();
        for (String entry : classpath.split(File.pathSeparator))
            if (!entry.isBlank()) shell.addToClasspath(entry);
        analysis = shell.sourceCodeAnalysis();
        for (String pkg : DEFAULT_IMPORTS) run("import " + pkg + ";");
    }

    /** An evaluator that sees this JVM's classpath. */
    public static CellEvaluator ofJvmClasspath() {
        return new CellEvaluator(System.getProperty("java.class.path", ""));
    }

    /**
     * Runs one cell.
     *
     * @return the JShell value text of the trailing expression (identity hashes removed), empty when the
     *         cell ends with a declaration or statement
     * @throws CellException on a compile error, an incomplete cell or an exception thrown by the code
     */
    public Optional<String> eval(String cell) {
        String remaining = cell;
        Optional<String> value = Optional.empty();
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) break;
            if (!info.completeness().isComplete() && info.completeness() != SourceCodeAnalysis.Completeness.UNKNOWN)
                throw new CellException("incomplete", "the cell ends inside a statement: " + firstLine(remaining));
            String source = info.completeness() == SourceCodeAnalysis.Completeness.UNKNOWN ? remaining : info.source();
            value = run(source);
            remaining = info.completeness() == SourceCodeAnalysis.Completeness.UNKNOWN ? "" : info.remaining();
        }
        // IPython's convention: a trailing semicolon hides the value (System.out.printf(…); returns a PrintStream).
        return cell.strip().endsWith(";") ? Optional.empty() : value;
    }

    private Optional<String> run(String source) {
        Optional<String> value = Optional.empty();
        for (SnippetEvent event : shell.eval(source)) {
            if (event.causeSnippet() != null) continue;
            Snippet snippet = event.snippet();
            if (event.exception() != null) throw fromException(event.exception());
            if (event.status() == Snippet.Status.REJECTED) throw compileError(snippet);
            if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED || event.status() == Snippet.Status.RECOVERABLE_DEFINED) {
                String missing = String.join(", ", shell.unresolvedDependencies((jdk.jshell.DeclarationSnippet) snippet).toList());
                throw new CellException("unresolved", "cannot find symbol " + missing + " in: " + firstLine(snippet.source()));
            }
            boolean expression = snippet.kind() == Snippet.Kind.EXPRESSION
                    || snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
            value = expression && event.value() != null ? Optional.of(clean(event.value())) : Optional.empty();
        }
        return value;
    }

    private CellException compileError(Snippet snippet) {
        List<String> lines = new ArrayList<>();
        String source = snippet.source();
        shell.diagnostics(snippet).filter(Diag::isError).forEach(d -> {
            lines.add(d.getMessage(Locale.ROOT));
            lines.add("    at: " + lineAt(source, (int) d.getStartPosition()));
        });
        if (lines.isEmpty()) lines.add("rejected: " + firstLine(source));
        return new CellException("compile error", String.join("\n", lines));
    }

    private static CellException fromException(JShellException e) {
        if (e instanceof UnresolvedReferenceException u)
            return new CellException("unresolved", "cannot use " + firstLine(u.getSnippet().source())
                    + ": it depends on something not defined");
        StringBuilder text = new StringBuilder();
        Throwable t = e;
        while (t != null) {
            if (text.length() > 0) text.append("\ncaused by: ");
            String name = t instanceof EvalException ev ? ev.getExceptionClassName() : t.getClass().getName();
            text.append(name);
            if (t.getMessage() != null) text.append(": ").append(clean(t.getMessage()));
            t = t.getCause() == t ? null : t.getCause();
        }
        String name = e instanceof EvalException ev ? ev.getExceptionClassName() : e.getClass().getName();
        return new CellException(name.substring(name.lastIndexOf('.') + 1), text.toString());
    }

    /** {@return {@code text} without identity hashes and per-session lambda numbers} */
    static String clean(String text) {
        return LAMBDA.matcher(IDENTITY.matcher(text).replaceAll("")).replaceAll("\\$\\$Lambda");
    }

    /** {@return whether {@code code} is complete, incomplete (more lines expected) or invalid} */
    public SourceCodeAnalysis.Completeness completeness(String code) {
        return analysis.analyzeCompletion(code).completeness();
    }

    /** {@return completion candidates at {@code cursor}; {@code anchor[0]} receives where they start} */
    public List<String> complete(String code, int cursor, int[] anchor) {
        List<String> names = new ArrayList<>();
        for (SourceCodeAnalysis.Suggestion s : analysis.completionSuggestions(code, cursor, anchor))
            if (!names.contains(s.continuation())) names.add(s.continuation());
        return names;
    }

    /** Stops the running cell (Jupyter's interrupt). */
    public void stop() { shell.stop(); }

    private static String firstLine(String source) {
        String s = source.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " …";
    }

    private static String lineAt(String source, int position) {
        int p = Math.max(0, Math.min(position, source.length()));
        int start = source.lastIndexOf('\n', Math.max(0, p - 1)) + 1;
        int end = source.indexOf('\n', p);
        return source.substring(start, end < 0 ? source.length() : end).strip();
    }

    @Override
    public void close() { shell.close(); }
}
