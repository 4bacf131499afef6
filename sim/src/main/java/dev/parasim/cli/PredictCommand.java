package dev.parasim.cli;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.output.Json;
import dev.parasim.report.PredictionJson;
import dev.parasim.report.PredictionTable;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sim predict}: the closed-form model for every plan of an experiment; no Spark needed. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict memory, communication and step time of each plan (closed form).")
public final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "experiment YAML file")
    Path experiment;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "override a spec value, e.g. cluster.nodes=16 or plans[0].tp=4")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "print one JSON document instead of the table")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Experiment e = SpecLoader.load(experiment, overrides);
        List<PlanPrediction> predictions = Accountant.predict(e);
        var out = spec.commandLine().getOut();
        out.print(json ? Json.write(PredictionJson.document(e, predictions)) + System.lineSeparator()
                : PredictionTable.render(e, predictions));
        out.flush();
        return 0;
    }
}
