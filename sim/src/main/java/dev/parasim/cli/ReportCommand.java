package dev.parasim.cli;

import dev.parasim.report.ReportWriter;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sim report}: predicts every plan, plays its step on the timeline interpreter (Gantt and Chrome
 * trace), and writes results, charts and the Markdown/HTML report; no Spark needed.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Predict every plan, play it on the timeline interpreter, and write results.json/.csv, charts (PNG+SVG, "
                + "a Gantt per plan), Chrome traces and report.md/.html into OUT/<experiment>/.")
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "experiment YAML file")
    Path experiment;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "override a spec value, e.g. cluster.nodes=16 or plans[0].tp=4")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default: ${DEFAULT-VALUE})", defaultValue = "out")
    Path out;

    @Option(names = "--date", paramLabel = "INSTANT",
            description = ReportDate.DESCRIPTION)
    String date;

    @Option(names = "--no-timelines", negatable = false,
            description = "skip the timeline interpreter: no Gantt charts, traces or timeline columns")
    boolean noTimelines;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Clock clock = ReportDate.clock(date);
        Experiment e = SpecLoader.load(experiment, overrides);
        OutDir.check(out);
        var err = spec.commandLine().getErr();
        Path dir = new ReportWriter(clock, err, dev.parasim.report.ProgressLine.terminal()).write(out, ReportWriter.Input.predict(e, !noTimelines));
        var stdout = spec.commandLine().getOut();
        stdout.println(dir.resolve("report.html"));
        stdout.flush();
        return 0;
    }
}
