package dev.parasim.exec;

import dev.parasim.exec.model.SingleDeviceTrainer;
import dev.parasim.exec.model.TpMode;
import dev.parasim.plan.RankLayout;
import dev.parasim.program.StepProgram;
import dev.parasim.spec.ExecuteSpec;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import dev.parasim.workload.StageSplit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * One executed run on any {@link Backend}: trains the experiment's model (a small GPT) under one plan for
 * {@code execute.steps} steps (every rank running its stage's {@link StrategyProgram}), and reports counted bytes,
 * measured memory, the transport's own bytes and the comparison with a single-rank run.
 * {@code exec.spark.ExecutedRun} picks the transport.
 */
public final class Execution {
    private Execution() {}

    /**
     * {@return the executed run of {@code plan}}: its ranks hosted by the backend {@code transport} opens, {@code ranksPerPartition}
     * to a partition (0: ⌈world / parallelism⌉); with {@code reference}, the single-rank run is also made and compared
     */
    public static ExecutedResult run(Experiment e, ParallelPlan plan, int ranksPerPartition, int parallelism, boolean reference,
                                     java.util.function.BiConsumer<Integer, Integer> progress,
                                     BiFunction<Topology, RankPrograms, Backend> transport) {
        ExecLimits.check(e, plan);
        ExecuteSpec ex = e.execute().orElseThrow();
        StrategyProgram[][] stages = programs(e, plan);
        GptExecModel model = (GptExecModel) stages[0][0].model();
        PrecisionMode precision = stages[0][0].strategy().precision();
        int m = e.microBatches(plan);
        RankGrid grid = new RankGrid(RankLayout.of(plan, e.cluster()));
        int rpp = ranksPerPartition > 0 ? ranksPerPartition
                : Math.max(1, (grid.world() + parallelism - 1) / parallelism);
        Topology topology = Topology.of(e.cluster(), grid, rpp);
        long started = System.nanoTime();
        // The single-device reference does not depend on the plan: it runs on a thread of its own meanwhile (the driver
        // mostly waits for Spark), and every plan of an experiment shares it.
        CompletableFuture<SingleDeviceTrainer.Result> ref = !reference ? null : CompletableFuture.supplyAsync(() ->
                reference(new SingleDeviceTrainer.Settings(model.config(), ex.fp64() ? DataType.DOUBLE : DataType.FLOAT, ex.seed(),
                        e.training().globalBatch(), e.training().microBatch(), ex.steps(), ex.learningRate(),
                        precision == PrecisionMode.BF16_MIXED ? Precision.BF16_MIXED : Precision.FP32)), REFERENCE_THREAD);
        RankPrograms programs = StagePrograms.of(stages, grid);
        try (Backend engine = transport.apply(topology, programs)) {
            long rehearsalBytes = ExecModels.parameters(e.model()) * REHEARSAL_BYTES_PER_PARAMETER * grid.world();
            if (!(engine instanceof InProcessBackend) && rehearsalBytes <= MAX_REHEARSAL_BYTES && rehearsalPays(topology))
                engine.expectQuiet(rehearsedQuiet(topology, programs));
            int supersteps = 0;
            int rounds = 0;
            int lastStepStart = 0;
            // The programs' count is a lower bound (a pipeline's ranks wait for each other): after each step the total
            // becomes the supersteps run so far plus the last step's count for each step left.
            int[] expected = {programs.supersteps() * ex.steps()};
            engine.afterBatch(generation -> progress.accept(Math.min(generation, expected[0]), expected[0]));
            for (int step = 0; step < ex.steps(); step++) {
                lastStepStart = engine.generation();
                supersteps = engine.runStep();
                rounds = engine.lastStepRounds();
                expected[0] = engine.generation() + (ex.steps() - step - 1) * supersteps;
            }
            // One collect (one Spark job) brings back each rank's reports, owned parameters and detail.
            List<RankOutcome> outcomes = engine.collect(r -> new RankOutcome(new ArrayList<>(r.reports()),
                    ownedParams((StrategyProgram) r.program(), r), RankDetail.of(r)));
            List<List<StepReport>> reports = outcomes.stream().map(RankOutcome::reports).toList();
            List<double[][]> shards = outcomes.stream().map(RankOutcome::shards).toList();
            List<RankDetail> details = outcomes.stream().map(RankOutcome::detail).toList();
            long shuffle = engine.transportBytesAfter(lastStepStart);
            double seconds = (System.nanoTime() - started) / 1e9;

            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < ex.steps(); step++) {
                double sum = 0;
                for (List<StepReport> rank : reports) sum += rank.get(step).lossSum();
                losses.add(sum / ((double) plan.dp() * m));
            }
            List<RankComm> last = new ArrayList<>();
            List<MemorySnapshot> memory = new ArrayList<>();
            for (List<StepReport> rank : reports) {
                last.add(rank.get(ex.steps() - 1).comm());
                memory.add(rank.get(ex.steps() - 1).memory());
            }
            List<Double> refLosses = List.of();
            double diff = Double.NaN;
            if (reference) {
                SingleDeviceTrainer.Result single = joined(ref);
                refLosses = java.util.Arrays.stream(single.lossPerStep()).boxed().toList();
                double[][] refParams = new double[model.units()][];
                INDArray[] units = single.unitParams();
                for (int u = 0; u < units.length; u++) refParams[u] = units[u].toDoubleVector();
                diff = maxRelativeDiff(StagePrograms.assemble(stages, grid, shards), refParams);
                double[] copy = StagePrograms.wteCopy(stages, grid, shards);
                if (copy != null)
                    diff = Math.max(diff, maxRelativeDiff(new double[][] {copy},
                            new double[][] {java.util.Arrays.copyOf(refParams[0], copy.length)}));
            }
            return new ExecutedResult(plan.name(), plan.dp(), m, precision, topology.partitions(), rpp,
                    busiest(last).sent(), busiest(last).sentByKind(), busiest(last).sentByTier(),
                    last.stream().mapToLong(RankComm::crossPartitionSent).sum(), shuffle, memoryReport(memory),
                    losses, refLosses, diff, last, supersteps, rounds, seconds, plan.pp(), details);
        }
    }

    /**
     * Starts loading ND4J's native backend on a daemon thread: about 1.5 s in a cold JVM, which the first executed plan
     * would otherwise wait for (a command calls this while it does other work first, {@code sim run} while it predicts
     * and reports the experiments before the first executed one). A backend that fails to load fails again, with its
     * error, where the run first needs it; this thread only loads it early.
     */
    public static void loadBackendInBackground() {
        Thread loading = new Thread(() -> {
            try {
                Nd4j.zeros(DataType.FLOAT, 1);
            } catch (RuntimeException | LinkageError reportedWhereUsed) {
                // The run's own first use of ND4J reports it.
            }
        }, "parasim-nd4j-load");
        loading.setDaemon(true);
        loading.start();
    }

    /** Bytes per parameter a rank holds at most: fp32 or fp64 weights, gradients and Adam's two moments (fp64: 32). */
    private static final long REHEARSAL_BYTES_PER_PARAMETER = 32;
    /**
     * The most rank state the driver takes on for a rehearsal ({@link #rehearsedQuiet}): past it (a large executed model
     * on many ranks, whose state belongs on the executors) the first step moves every superstep's messages instead.
     */
    private static final long MAX_REHEARSAL_BYTES = 1L << 30;

    /**
     * {@return whether a rehearsal ({@link #rehearsedQuiet}) saves more than it costs}: when a TP group shares a partition,
     * its collectives (several per layer and micro-batch) send nothing across partitions, so most of a step's supersteps
     * are quiet (dp2-tp2-pp2 ZeRO-3: 392 of 404). Without that only a few are (a pipeline pass's, the step's local ops:
     * 3 of DDP dp8's 18, 19 of ZeRO-3 dp8's 174, 7 of dp2-pp4 1F1B's 18), and one step of arithmetic on the driver costs
     * more than the shuffles it would skip in the first step (the steps after it learn the pattern from the one before).
     */
    static boolean rehearsalPays(Topology topology) {
        int[] tp = topology.grid().members(RankGrid.Group.TP, 0);
        return tp.length > 1 && topology.partitionOf(tp[0]) == topology.partitionOf(tp[tp.length - 1]);
    }

    /**
     * {@return which supersteps of a step send nothing across partitions}, learnt by running one step of the same
     * programs on the same partitions in this JVM ({@link InProcessBackend}): a transport that moves messages between
     * machines then runs the superstep after each such one without moving anything from its first step on
     * ({@link Backend#expectQuiet}), at the cost of one step's arithmetic here, spread over the driver's cores (a
     * superstep's partitions run at once, as on an executor). The rehearsal's ranks are discarded.
     */
    private static boolean[] rehearsedQuiet(Topology topology, RankPrograms programs) {
        try (Backend rehearsal = new InProcessBackend(topology, programs, Runtime.getRuntime().availableProcessors())) {
            rehearsal.runStep();
            return rehearsal.quietPattern();
        }
    }

    /** {@return the programs of {@code plan}'s ranks, indexed by pipeline stage and TP index, each running its stage's step program's pass collectives and epilogue} */
    static StrategyProgram[][] programs(Experiment e, ParallelPlan plan) {
        return programs(e, plan, StepProgram.of(e, plan));
    }

    /** {@return the programs of {@code plan}'s ranks running {@code program}, the plan's step program (a test may alter it)} */
    static StrategyProgram[][] programs(Experiment e, ParallelPlan plan, StepProgram program) {
        ExecuteSpec ex = e.execute().orElseThrow();
        GptExecModel model = ExecModels.of(e.model(), ex.seed());
        PrecisionMode precision = PrecisionMode.of(e.training().precision(), ex);
        Strategy strategy = new Strategy(plan.zero(), precision, plan.dp(), e.microBatches(plan), e.training().microBatch(),
                ex.seed(), ex.learningRate(), Strategy.bucketElements(e.training().bucketMB(), precision),
                e.training().recompute() == dev.parasim.spec.Recompute.FULL);
        List<Integer> split = StageSplit.of(e.model(), plan).toList();
        StrategyProgram[][] stages = new StrategyProgram[plan.pp()][plan.tp()];
        for (int s = 0; s < plan.pp(); s++)
            for (int i = 0; i < plan.tp(); i++)
                stages[s][i] = new StrategyProgram(model, strategy, StrategyProgram.layout(model, s, plan.pp(), plan.chunks(),
                        plan.schedule(), split, plan.tp(), precision.fp64Compute()), plan.tp(), plan.sequenceParallel() ? TpMode.SEQUENCE : TpMode.TENSOR, i,
                        program.stages().get(s));
        return stages;
    }

    /** Runs single-device references beside the executed runs (a daemon: a failed run does not wait for its reference). */
    private static final java.util.concurrent.Executor REFERENCE_THREAD = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "parasim-single-device-reference");
        t.setDaemon(true);
        return t;
    });

    /** {@return the reference's result, its failure rethrown as thrown} */
    private static SingleDeviceTrainer.Result joined(CompletableFuture<SingleDeviceTrainer.Result> ref) {
        try {
            return ref.join();
        } catch (java.util.concurrent.CompletionException failed) {
            if (failed.getCause() instanceof RuntimeException r) throw r;
            if (failed.getCause() instanceof Error err) throw err;
            throw failed;
        }
    }

    /** The last few single-device runs: every plan of an experiment shares one (it does not depend on the plan). */
    private static final Map<SingleDeviceTrainer.Settings, SingleDeviceTrainer.Result> REFERENCES = new LinkedHashMap<>();

    private static synchronized SingleDeviceTrainer.Result reference(SingleDeviceTrainer.Settings settings) {
        SingleDeviceTrainer.Result cached = REFERENCES.get(settings);
        if (cached != null) return cached;
        SingleDeviceTrainer.Result result = SingleDeviceTrainer.run(settings);
        if (REFERENCES.size() >= 4) REFERENCES.remove(REFERENCES.keySet().iterator().next());
        REFERENCES.put(settings, result);
        return result;
    }

    /**
     * {@return the largest per-unit relative difference in the max-norm: max over units u of
     * max_i |a_ui − b_ui| / max_i |b_ui|}. Element-wise relative error is not used: parameters whose exact
     * gradient is zero (the key bias, by softmax shift invariance) get rounding-noise gradients that
     * Adam scales to moves of about lr·noise/ε, different for every summation order.
     */
    public static double maxRelativeDiff(double[][] a, double[][] b) {
        double worst = 0;
        for (int u = 0; u < b.length; u++) {
            double diff = 0, scale = 0;
            for (int i = 0; i < b[u].length; i++) {
                diff = Math.max(diff, Math.abs(a[u][i] - b[u][i]));
                scale = Math.max(scale, Math.abs(b[u][i]));
            }
            worst = Math.max(worst, scale == 0 ? diff : diff / scale);
        }
        return worst;
    }

    /** {@return rank r's shard [d·c_u, (d+1)·c_u) (d its data-parallel index) of every local unit's master parameters (the working ones under fp32)} */
    private static double[][] ownedParams(StrategyProgram program, RankState rank) {
        int units = program.layout().units().size();
        double[][] out = new double[units][];
        int n = program.strategy().dp();
        for (int u = 0; u < units; u++) {
            int size = program.unitSize(u);
            int c = (int) dev.parasim.collective.Chunking.shard(size, n);
            var p = rank.buf((rank.has("w" + u) ? "w" : "p") + u);
            int from = p.length() == c ? 0 : rank.dpIndex() * c;
            out[u] = new double[c];
            for (int i = 0; i < c && from + i < p.length(); i++) out[u][i] = p.get(from + i);
        }
        return out;
    }

    /**
     * {@return the rank that sent the most (the lowest such rank on ties)}: its bytes by collective and tier are
     * the run's, as the accountant reports the busiest stage's (a middle pipeline stage sends both ways).
     */
    private static RankComm busiest(List<RankComm> ranks) {
        RankComm best = ranks.get(0);
        for (RankComm r : ranks) if (r.sent() > best.sent()) best = r;
        return best;
    }

    private static MemoryReport memoryReport(List<MemorySnapshot> ranks) {
        Map<String, Long> peaks = new LinkedHashMap<>();
        for (MemCategory c : MemCategory.values())
            peaks.put(c.label(), ranks.stream().mapToLong(s -> s.peak(c)).max().orElse(0));
        return new MemoryReport(
                ranks.stream().mapToLong(s -> s.live(MemCategory.PARAMS)).max().orElse(0),
                ranks.stream().mapToLong(s -> s.live(MemCategory.GRADS)).max().orElse(0),
                ranks.stream().mapToLong(s -> s.live(MemCategory.OPTIMIZER)).max().orElse(0),
                peaks.get(MemCategory.ACTIVATIONS.label()), peaks.get(MemCategory.COMM_BUFFERS.label()),
                ranks.stream().mapToLong(MemorySnapshot::peakTotal).max().orElse(0), peaks);
    }

    /** What a run brings back from one rank: its step reports, the parameters it owns, its detail. */
    private record RankOutcome(List<StepReport> reports, double[][] shards, RankDetail detail) implements java.io.Serializable {}
}
