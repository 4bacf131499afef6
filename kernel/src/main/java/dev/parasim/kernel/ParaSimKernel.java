package dev.parasim.kernel;

import jdk.jshell.SourceCodeAnalysis;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.magic.MagicParser;

import java.util.List;
import java.util.Map;

/**
 * The Jupyter side of the kernel: jjava-jupyter's {@link BaseKernel} speaks the protocol, this class
 * hands each cell to a {@link CellEvaluator}, publishes {@link Display} items as display data, and reports
 * a failed cell with the evaluator's deterministic message (no Java stack trace).
 */
public final class ParaSimKernel extends BaseKernel {
    private final CellEvaluator evaluator;

    private ParaSimKernel(Builder b, CellEvaluator evaluator) {
        super(b.name(), b.version(), new LanguageInfo.Builder("java").version(Integer.toString(Runtime.version().feature()))
                        .mimetype("text/x-java-source").fileExtension(".jshell").pygments("java").codemirror("java").build(),
                List.of(), b.history(), b.io(), b.comms(), b.renderer(), new MagicParser("^%", "%%", null),
                b.magics(), false, b.styler());
        this.evaluator = evaluator;
        Display.sink(item -> {
            DisplayData data = new DisplayData();
            for (Map.Entry<String, String> e : item.data().entrySet()) data.putData(e.getKey(), e.getValue());
            display(data);
        });
    }

    /** {@return a kernel evaluating cells with {@code evaluator}} */
    public static ParaSimKernel create(CellEvaluator evaluator) {
        return new Builder().name("ParaSim Java").version(KernelMain.VERSION).build(evaluator);
    }

    @Override
    public Object evalRaw(String code) {
        Object value = evaluator.eval(code).orElse(null);
        System.out.flush();
        return value;
    }

    @Override
    public DisplayData eval(String code) {
        Object value = evalRaw(code);
        return value == null ? null : new DisplayData(value.toString());
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) { return null; }

    @Override
    public ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<String> names = evaluator.complete(code, at, anchor);
        return names.isEmpty() ? null : new ReplacementOptions(names, anchor[0], at);
    }

    @Override
    public String isComplete(String code) {
        SourceCodeAnalysis.Completeness c = evaluator.completeness(code);
        if (c.isComplete() || c == SourceCodeAnalysis.Completeness.EMPTY) return IS_COMPLETE_YES;
        return c == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE ? "    " : IS_COMPLETE_MAYBE;
    }

    @Override
    public List<String> formatError(Throwable e) {
        if (e instanceof CellException c) return List.of(c.kind() + ": " + c.getMessage());
        return List.of(e.getClass().getName() + ": " + e.getMessage());
    }

    @Override
    public void interrupt() { evaluator.stop(); }

    @Override
    public void onShutdown(boolean restart) {
        super.onShutdown(restart);
        evaluator.close();
    }

    /** Exposes jjava-jupyter's default parts (I/O streams, comms, renderer, history) to the constructor. */
    private static final class Builder extends BaseKernelBuilder<Builder, ParaSimKernel> {
        String name() { return buildName(); }
        String version() { return buildVersion(); }
        org.dflib.jjava.jupyter.kernel.history.HistoryManager history() { return buildHistoryManager(); }
        org.dflib.jjava.jupyter.kernel.JupyterIO io() { return buildJupyterIO(buildJupyterIOEncoding()); }
        org.dflib.jjava.jupyter.kernel.comm.CommManager comms() { return buildCommManager(); }
        org.dflib.jjava.jupyter.kernel.display.Renderer renderer() { return buildRenderer(); }
        org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry magics() { return buildMagicsRegistry(); }
        org.dflib.jjava.jupyter.kernel.util.StringStyler styler() { return buildErrorStyler(); }

        ParaSimKernel build(CellEvaluator evaluator) { return new ParaSimKernel(this, evaluator); }

        @Override
        public ParaSimKernel build() { return build(CellEvaluator.ofJvmClasspath()); }
    }
}
