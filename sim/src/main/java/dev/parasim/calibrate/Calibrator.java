package dev.parasim.calibrate;

import dev.parasim.spec.Calibration;
import dev.parasim.spec.ClusterSpec;
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
 * linearised around the starting calibration: for each run, how its predicted step time moves when one
 * cost component is scaled (GEMM time, attention time, element-wise traffic, HBM-bound time, exposed TP
 * communication) is one feature; a ridge regression without intercept fits the component scales that
 * best explain the residuals (measured − predicted). The full, non-linear model then picks how far to
 * move along the fitted correction (0 = the starting calibration), accepting a move only if it lowers
 * the mean error without raising the max, so the result is never worse than where it started.
 */
public final class Calibrator {
    /** The scaled components, in feature order. */
    public enum Component { GEMM, ATTENTION, ELEMENTWISE, MEMORY, TP_EXPOSED }

    static final double STEP = 0.01;
    static final double[] MOVES = {0, 0.25, 0.5, 0.75, 1.0, 1.25};

    private Calibrator() {}

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
    }

    public static Result fit(SparkSession spark, ClusterSpec cluster, List<PublishedRun> runs, double regParam) {
        Calibration start = cluster.calibration();
        List<Row> rows = new ArrayList<>();
        for (PublishedRun run : runs) {
            double base = seconds(cluster, start, run);
            double[] features = new double[Component.values().length];
            for (Component c : Component.values())
                features[c.ordinal()] = (seconds(cluster, scaled(start, c, 1 + STEP), run) - base) / STEP;
            rows.add(RowFactory.create(measured(run) - base, Vectors.dense(features)));
        }
        StructType schema = new StructType().add("residual", DataTypes.DoubleType).add("features", new VectorUDT());
        Dataset<Row> data = spark.createDataFrame(rows, schema);
        LinearRegressionModel model = new LinearRegression().setLabelCol("residual").setFeaturesCol("features")
                .setFitIntercept(false).setStandardization(false).setRegParam(regParam).setElasticNetParam(0)
                .setMaxIter(200).fit(data);
        double[] corrections = model.coefficients().toArray();
        Calibration best = start;
        List<Fit> startFits = fits(cluster, start, runs);
        double bestMove = 0, bestError = Result.meanError(startFits), maxAllowed = Result.maxError(startFits);
        for (double move : MOVES) {
            Calibration candidate = apply(start, corrections, move);
            List<Fit> candidateFits = fits(cluster, candidate, runs);
            double error = Result.meanError(candidateFits);
            // Better on average and no worse on the worst run: never a regression on either measure.
            if (error < bestError && Result.maxError(candidateFits) <= maxAllowed) {
                best = candidate;
                bestMove = move;
                bestError = error;
            }
        }
        double[] scales = new double[corrections.length];
        for (int i = 0; i < scales.length; i++) scales[i] = 1 + bestMove * corrections[i];
        return new Result(start, best, scales, bestMove, fits(cluster, start, runs), fits(cluster, best, runs));
    }

    public static List<Fit> fits(ClusterSpec cluster, Calibration calibration, List<PublishedRun> runs) {
        return runs.stream().map(r -> new Fit(r, seconds(cluster, calibration, r), measured(r))).toList();
    }

    /** {@return measured step seconds: model FLOPs of the step over the published per-GPU rate} */
    static double measured(PublishedRun run) {
        double flops = 72.0 * run.globalBatch() * run.seqLen() * run.layers() * (double) run.hidden() * run.hidden()
                * (1 + run.seqLen() / (6.0 * run.hidden()) + run.vocab() / (12.0 * run.layers() * run.hidden()));
        return flops / (run.tflopsPerGpu() * 1e12 * run.gpus());
    }

    static double seconds(ClusterSpec cluster, Calibration calibration, PublishedRun run) {
        ClusterSpec c = new ClusterSpec(cluster.name(), cluster.gpu(), cluster.gpusPerNode(), cluster.nodes(), cluster.tiers(), calibration);
        return Validation.predict(run, c).prediction().time().stepSeconds();
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
