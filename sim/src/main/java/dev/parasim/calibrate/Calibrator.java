package dev.parasim.calibrate;

import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.spec.ModelSpec;
import dev.parasim.validate.MptTable;
import dev.parasim.validate.PublishedRun;
import dev.parasim.validate.Validation;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Fits the cost model's efficiency parameters to measured step times with Spark MLlib. The model is
 * linearised around the current calibration: for each run, how its predicted step time moves when one
 * cost component is scaled (GEMM time, attention time, element-wise traffic, HBM-bound time, exposed TP
 * communication) is one feature; a ridge regression without intercept fits the component scales that
 * best explain the residuals (measured − predicted). The full, non-linear model then picks how far to
 * move along the fitted correction (0 = stay), by the lowest mean + ¼·max relative error, and the fit is
 * repeated from there ({@link #ROUNDS} Gauss-Newton rounds), so the result is never worse than where it
 * started on that measure, and it moves whenever the starting calibration is off.
 */
public final class Calibrator {
    /** The scaled components, in feature order. */
    public enum Component { GEMM, ATTENTION, ELEMENTWISE, MEMORY, TP_EXPOSED }

    static final double STEP = 0.01;
    static final double[] MOVES = {0, 0.25, 0.5, 0.75, 1.0, 1.25};
    static final int ROUNDS = 4;

    private Calibrator() {}

    /**
     * One measured run: its model, layout and setup as {@link Validation#predict(ModelSpec, PublishedRun, ClusterSpec,
     * Validation.Setup)} takes them, on {@code cluster} (sized to the run), and its measured step seconds.
     */
    public record Case(ModelSpec model, PublishedRun run, Validation.Setup setup, ClusterSpec cluster, double measuredSeconds) {
        /** A Megatron-style row of a published-runs CSV (the Megatron-Core setup, measured time from its TFLOP/s). */
        public static Case megatron(PublishedRun run, ClusterSpec cluster) {
            Validation.Setup setup = Validation.MEGATRON_CORE_H100;
            return new Case(new ModelSpec(run.model(), run.layers(), run.hidden(), run.heads(), run.heads(), 4 * run.hidden(),
                    run.vocab(), run.seqLen(), dev.parasim.spec.MlpKind.GELU, true, true, setup.attention()), run, setup, cluster,
                    measured(run));
        }

        /** An llm-foundry row, on its own cluster preset. */
        public static Case llmFoundry(MptTable.Run r) {
            return new Case(r.model(), r.run(), Validation.setupOf(r), SpecLoader.clusterPreset(r.cluster()), r.measuredStepSeconds());
        }
    }

    /** One run under a calibration: predicted and measured step seconds. */
    public record Fit(PublishedRun run, double predictedSeconds, double measuredSeconds) {
        public double relativeError() { return measuredSeconds / predictedSeconds - 1; }
    }

    /** The outcome: the fitted calibration and both calibrations' per-run fits. */
    public record Result(Calibration start, Calibration fitted, double[] scales, double move, List<Fit> before,
                         List<Fit> after) {
        public static double meanError(List<Fit> fits) {
            return fits.stream().mapToDouble(f -> Math.abs(f.relativeError())).average().orElse(0);
        }

        public static double maxError(List<Fit> fits) {
            return fits.stream().mapToDouble(f -> Math.abs(f.relativeError())).max().orElse(0);
        }

        static double score(List<Fit> fits) {
            return meanError(fits) + 0.25 * maxError(fits);
        }
    }

    /** Megatron-style rows on {@code cluster}, starting from the cluster's calibration. */
    public static Result fit(SparkSession spark, ClusterSpec cluster, List<PublishedRun> runs, double regParam) {
        return fit(spark, cluster.calibration(), runs.stream().map(r -> Case.megatron(r, cluster)).toList(), regParam);
    }

    public static Result fit(SparkSession spark, Calibration start, List<Case> cases, double regParam) {
        Calibration current = start;
        double[] total = {1, 1, 1, 1, 1};
        double lastMove = 0;
        for (int round = 0; round < ROUNDS; round++) {
            double[] corrections = corrections(spark, current, cases, regParam);
            Calibration best = current;
            double bestMove = 0, bestScore = Result.score(fits(current, cases));
            for (double move : MOVES) {
                Calibration candidate = apply(current, corrections, move);
                double score = Result.score(fits(candidate, cases));
                if (score < bestScore - 1e-9) {
                    best = candidate;
                    bestMove = move;
                    bestScore = score;
                }
            }
            if (bestMove == 0) break;
            for (int i = 0; i < total.length; i++) total[i] *= Math.max(0.2, 1 + bestMove * corrections[i]);
            current = best;
            lastMove = bestMove;
        }
        return new Result(start, current, total, lastMove, fits(start, cases), fits(current, cases));
    }

    /**
     * {@return the fitted scale corrections of the components at {@code at}}: the ridge regression of the residuals on
     * the components' sensitivities, repeated without any component whose full correction would take its parameter
     * past a bound ({@link #apply} clamps efficiencies at 1): that component stays, and the others are fitted without
     * it (an active set). Without it two collinear components (HBM efficiency and element-wise bytes) could trade a
     * clamped move for one that is not, and no move along the correction would help.
     */
    static double[] corrections(SparkSession spark, Calibration at, List<Case> cases, double regParam) {
        double[][] features = new double[cases.size()][];
        double[] residuals = new double[cases.size()];
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            double base = seconds(at, c);
            features[i] = new double[Component.values().length];
            for (Component k : Component.values())
                features[i][k.ordinal()] = (seconds(scaled(at, k, 1 + STEP), c) - base) / STEP;
            residuals[i] = c.measuredSeconds() - base;
        }
        boolean[] fixed = new boolean[Component.values().length];
        while (true) {
            double[] corrections = regression(spark, features, residuals, fixed, regParam);
            boolean changed = false;
            for (Component k : Component.values())
                if (!fixed[k.ordinal()] && clamps(at, k, corrections[k.ordinal()])) fixed[k.ordinal()] = changed = true;
            if (!changed) return corrections;
        }
    }

    /** {@return whether scaling component {@code k}'s time by 1 + correction takes its parameter past a bound} */
    static boolean clamps(Calibration a, Component k, double correction) {
        double scale = 1 + correction;
        if (scale < 0.2) return true;
        return switch (k) {
            case GEMM -> a.gemmEfficiency() / scale > 1;
            case ATTENTION -> a.attentionEfficiency() / scale > 1;
            case MEMORY -> a.memoryEfficiency() / scale > 1;
            case ELEMENTWISE -> false;
            case TP_EXPOSED -> 1 - (1 - a.tpOverlap()) * scale < 0;
        };
    }

    /** {@return the ridge coefficients of the free components (the fixed ones left out of the features, 0)} */
    static double[] regression(SparkSession spark, double[][] features, double[] residuals, boolean[] fixed, double regParam) {
        int[] free = java.util.stream.IntStream.range(0, fixed.length).filter(k -> !fixed[k]).toArray();
        double[] corrections = new double[fixed.length];
        if (free.length == 0) return corrections;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < features.length; i++) {
            double[] f = new double[free.length];
            for (int j = 0; j < free.length; j++) f[j] = features[i][free[j]];
            rows.add(RowFactory.create(residuals[i], Vectors.dense(f)));
        }
        StructType schema = new StructType().add("residual", DataTypes.DoubleType).add("features", new VectorUDT());
        Dataset<Row> data = spark.createDataFrame(rows, schema);
        LinearRegressionModel model = new LinearRegression().setLabelCol("residual").setFeaturesCol("features")
                .setFitIntercept(false).setStandardization(false).setRegParam(regParam).setElasticNetParam(0)
                .setMaxIter(200).fit(data);
        double[] fitted = model.coefficients().toArray();
        for (int j = 0; j < free.length; j++) corrections[free[j]] = fitted[j];
        return corrections;
    }

    public static List<Fit> fits(ClusterSpec cluster, Calibration calibration, List<PublishedRun> runs) {
        return fits(calibration, runs.stream().map(r -> Case.megatron(r, cluster)).toList());
    }

    public static List<Fit> fits(Calibration calibration, List<Case> cases) {
        return cases.stream().map(c -> new Fit(c.run(), seconds(calibration, c), c.measuredSeconds())).toList();
    }

    /** {@return measured step seconds: model FLOPs of the step over the published per-GPU rate} */
    static double measured(PublishedRun run) {
        double flops = 72.0 * run.globalBatch() * run.seqLen() * run.layers() * (double) run.hidden() * run.hidden()
                * (1 + run.seqLen() / (6.0 * run.hidden()) + run.vocab() / (12.0 * run.layers() * run.hidden()));
        return flops / (run.tflopsPerGpu() * 1e12 * run.gpus());
    }

    static double seconds(ClusterSpec cluster, Calibration calibration, PublishedRun run) {
        return seconds(calibration, Case.megatron(run, cluster));
    }

    static double seconds(Calibration calibration, Case c) {
        ClusterSpec k = c.cluster();
        ClusterSpec with = new ClusterSpec(k.name(), k.gpu(), k.gpusPerNode(), k.nodes(), k.tiers(), calibration);
        return Validation.predict(c.model(), c.run(), with, c.setup()).prediction().time().stepSeconds();
    }

    /** {@return the calibration with component {@code c}'s time multiplied by {@code k}} */
    static Calibration scaled(Calibration a, Component c, double k) {
        return switch (c) {
            case GEMM -> new Calibration(a.gemmEfficiency() / k, a.gemmHalfSize(), a.attentionEfficiency(), a.attentionHalfSeq(), a.memoryEfficiency(),
                    a.elementwiseBytes(), a.tpOverlap(), a.dpOverlap(), a.kernelLaunchUs());
            case ATTENTION -> new Calibration(a.gemmEfficiency(), a.gemmHalfSize(), a.attentionEfficiency() / k, a.attentionHalfSeq(), a.memoryEfficiency(),
                    a.elementwiseBytes(), a.tpOverlap(), a.dpOverlap(), a.kernelLaunchUs());
            case ELEMENTWISE -> new Calibration(a.gemmEfficiency(), a.gemmHalfSize(), a.attentionEfficiency(), a.attentionHalfSeq(), a.memoryEfficiency(),
                    a.elementwiseBytes() * k, a.tpOverlap(), a.dpOverlap(), a.kernelLaunchUs());
            case MEMORY -> new Calibration(a.gemmEfficiency(), a.gemmHalfSize(), a.attentionEfficiency(), a.attentionHalfSeq(), a.memoryEfficiency() / k,
                    a.elementwiseBytes(), a.tpOverlap(), a.dpOverlap(), a.kernelLaunchUs());
            case TP_EXPOSED -> new Calibration(a.gemmEfficiency(), a.gemmHalfSize(), a.attentionEfficiency(), a.attentionHalfSeq(), a.memoryEfficiency(),
                    a.elementwiseBytes(), 1 - (1 - a.tpOverlap()) * k, a.dpOverlap(), a.kernelLaunchUs());
        };
    }

    /** Moves {@code move} of the way along the fitted corrections, kept inside each parameter's physical range. */
    static Calibration apply(Calibration a, double[] corrections, double move) {
        double[] k = new double[corrections.length];
        for (int i = 0; i < k.length; i++) k[i] = Math.max(0.2, 1 + move * corrections[i]);
        return new Calibration(Math.min(1, a.gemmEfficiency() / k[Component.GEMM.ordinal()]), a.gemmHalfSize(),
                Math.min(1, a.attentionEfficiency() / k[Component.ATTENTION.ordinal()]), a.attentionHalfSeq(),
                Math.min(1, a.memoryEfficiency() / k[Component.MEMORY.ordinal()]),
                a.elementwiseBytes() * k[Component.ELEMENTWISE.ordinal()],
                Math.max(0, Math.min(1, 1 - (1 - a.tpOverlap()) * k[Component.TP_EXPOSED.ordinal()])), a.dpOverlap(),
                a.kernelLaunchUs());
    }
}
