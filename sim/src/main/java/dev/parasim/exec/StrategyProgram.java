package dev.parasim.exec;

import dev.parasim.program.Instruction;
import dev.parasim.program.StageProgram;
import dev.parasim.program.schedule.PassRef;
import dev.parasim.spec.ZeroStage;

import java.util.ArrayList;
import java.util.List;

/**
 * The step program of the ranks of one pipeline stage and TP index, the same on every rank of their data-parallel
 * group (n = dp ranks, m micro-batches, Ψ_u elements of local unit u, c_u = ⌈Ψ_u/n⌉, P_u = n·c_u; rank r's shard of a
 * padded unit is [r·c_u, (r+1)·c_u)). Every plan runs one path: the stage's micro-batches are a {@link PipelineOp}
 * over its pass order (pp = 1 a one-stage 1F1B pipeline), plain passes ({@link PlainStagePasses}) or TP passes
 * ({@link TpStagePass}), then the step's epilogue, mapped by {@link EpilogueOps} from the stage's epilogue in the step
 * program ({@code program.StageProgram.epilogue}, the instructions the timeline plays and the fold counts); the ZeRO
 * collectives inside the passes (and SP's per-micro-batch partial-gradient sums) are mapped by {@link PassOps} from the
 * pass bodies ({@code program.StageProgram.body}), so the executor runs the program's DP collectives rather than
 * deriving its own:
 *
 * <ul>
 * <li>DDP: full params p_u (Ψ_u), full grads g_u (Ψ_u), full Adam state. Grads of the m micro-batches
 *     accumulate locally; then the concatenated unpadded gradient (Ψ elements, unit order) is cut into
 *     consecutive buckets of B elements, each staged into its own padded buffer (n·⌈len/n⌉) and ring
 *     all-reduced, all buckets sharing the same 2(n−1) rounds: Chunking.bucketedAllReduceElements(Ψ, B, n).</li>
 * <li>ZeRO-1: padded full p_u and g_u (P_u), Adam state for the shard. Grads accumulate locally; after
 *     the last micro-batch one ring ReduceScatter of every unit (shared rounds), Adam on the shard, ring
 *     AllGather of the params: (n−1)·Σc_u grad elements + (n−1)·Σc_u param elements.</li>
 * <li>ZeRO-2: padded full p_u, grad and Adam shards. A pass that adds weight gradients adds each unit's into a
 *     transient padded buffer, which is reduce-scattered and its shard added into the accumulated grad shard
 *     ({@link ZeroPasses}); one AllGather after Adam: m·(n−1)·Σc_u + (n−1)·Σc_u.</li>
 * <li>ZeRO-3: param, grad and Adam shards. Per micro-batch each unit is all-gathered before its forward
 *     and freed after, gathered again before its backward and freed after, and its gradient
 *     reduce-scattered after its backward ({@link ZeroPasses}; with the whole model on one stage the tied head
 *     reads unit 0 gathered by the forward's embedding and by the backward's head). Per step AllGather
 *     2m(n−1)·Σc_u, ReduceScatter m(n−1)·Σc_u.</li>
 * </ul>
 * The units are the stage's local units (TP shards under tp > 1). With pp > 1 the first and last stage all-reduce
 * the tied wte's gradient before the DP sync (under ZeRO-2/3 after it, on the tied unit's gradient all-gathered over
 * DP again). Rank r's k-th micro-batch is global micro-batch r·m + k (its own disjoint slice of the global
 * batch). Gradients are sums of micro-batch means until Adam divides them by n·m once.
 */
final class StrategyProgram implements RankProgram {
    private static final long serialVersionUID = 1L;

    final ExecModel model;
    final Strategy strategy;
    final StageLayout layout;
    /** Tensor-parallel degree t of the ranks running this program (1: no TP), their mode, and their TP index. */
    final int tp;
    final dev.parasim.exec.model.TpMode tpMode;
    final int tpRank;
    final int[] size;
    final int[] shard;
    final List<int[]> buckets = new ArrayList<>();
    /** The stage's step program, whose pass bodies ({@link PassOps}) and epilogue ({@link EpilogueOps}) the ops run. */
    private final StageProgram program;
    private final List<Op> ops;

    /**
     * The program of TP rank {@code tpRank} of t on {@code layout}'s stage (t = 1: plain passes, {@link PlainStagePasses});
     * with t > 1 its local units are its Megatron shards ({@code exec.model.TpShards}) and each micro-batch runs as
     * {@link TpStagePass} passes of the {@link PipelineOp} between the TP group's collectives (ring AllReduces, or under
     * sequence parallelism ReduceScatters and AllGathers, then once per step the AllReduce of the
     * SP-partial gradients, and the backward re-gathers of the qkv/fc1 inputs); DP sync and Adam work on
     * the shards (any ZeRO stage). {@code program} is the stage's program in the plan's step program: its pass bodies'
     * ZeRO collectives and its epilogue are what the ops run.
     */
    public StrategyProgram(ExecModel model, Strategy strategy, StageLayout layout, int tp,
                           dev.parasim.exec.model.TpMode tpMode, int tpRank, StageProgram program) {
        this.model = model;
        this.strategy = strategy;
        this.layout = layout;
        this.tp = tp;
        this.tpMode = tpMode;
        this.tpRank = tpRank;
        this.program = program;
        int units = layout.units().size();
        size = new int[units];
        shard = new int[units];
        long total = 0;
        for (int u = 0; u < units; u++) {
            size[u] = layout.size(u);
            shard[u] = (int) dev.parasim.collective.Chunking.shard(size[u], strategy.dp());
            total += size[u];
        }
        for (long start = 0; start < total; start += strategy.bucketElements())
            buckets.add(new int[] {(int) start, (int) Math.min(strategy.bucketElements(), total - start)});
        ops = List.copyOf(build(program.epilogue()));
    }

    public Strategy strategy() { return strategy; }

    public ExecModel model() { return model; }

    public StageLayout layout() { return layout; }

    /** {@return the instructions of pass {@code ref} in the stage's step program} */
    List<Instruction> body(PassRef ref) { return program.body(ref); }

    /** {@return the model split over this program's TP group (t = 1 included)} */
    public dev.parasim.exec.model.TensorParallel tensorParallel() {
        return ((GptExecModel) model).tensorParallel(tp, tpMode, strategy.precision().fp64Compute());
    }

    /** {@return the tensor-parallel degree of the ranks running this program} */
    public int tp() { return tp; }

    /** {@return this program's TP index} */
    public int tpRank() { return tpRank; }

    /**
     * {@return stage {@code stage}'s layout for a TP rank of {@code model} split over t ranks (its shards as units), its
     * virtual stages holding {@code split} layers each}
     */
    public static StageLayout layout(GptExecModel model, int stage, int p, int v, dev.parasim.spec.PipelineSchedule schedule,
                                     List<Integer> split, int t, boolean fp64) {
        if (t == 1) return StageLayout.of(model, stage, p, v, schedule, split);
        dev.parasim.exec.model.TpShards shards = model.tensorParallel(t, dev.parasim.exec.model.TpMode.TENSOR, fp64).shards();
        return StageLayout.of(model, stage, p, v, schedule, split, u -> Math.toIntExact(shards.shardSize(u)),
                model.tiedHeadElements() / t);
    }

    /** {@return elements of local unit u (unpadded)} */
    public int unitSize(int u) { return size[u]; }

    /** {@return P_u = n·c_u, the padded length of unit u} */
    int padded(int u) { return shard[u] * strategy.dp(); }

    /** {@return whether parameters are sharded and gathered for each pass (ZeRO-3)} */
    boolean gathersParams() { return strategy.zero() == ZeroStage.PARAMETERS; }

    /** {@return whether gradients are sharded and reduce-scattered after every micro-batch (ZeRO-2 and 3)} */
    boolean shardsGrads() { return strategy.zero() == ZeroStage.GRADIENTS || strategy.zero() == ZeroStage.PARAMETERS; }

    /** {@return the buffer a pass reads local unit u's parameters from: its gathered copy under ZeRO-3, else its own} */
    String paramBuffer(int u) { return (gathersParams() ? "pg" : "p") + u; }

    /** {@return the buffer a pass adds local unit u's gradients into: a transient padded one under ZeRO-2/3, else the accumulated one} */
    String gradBuffer(int u) { return (shardsGrads() ? "gt" : "g") + u; }

    @Override
    public List<Op> ops() { return ops; }

    /** BEGIN_STEP, the stage's passes, the step program's epilogue ({@link EpilogueOps}), END_STEP. */
    private List<Op> build(List<Instruction> epilogue) {
        List<Op> out = new ArrayList<>();
        out.add(LocalOp.of(LocalOp.Action.BEGIN_STEP));
        out.add(PipelineOp.of(this));
        out.addAll(EpilogueOps.of(this, epilogue));
        out.add(LocalOp.of(LocalOp.Action.END_STEP));
        return out;
    }

    @Override
    public void init(RankState rank) {
        PrecisionMode precision = strategy.precision();
        int r = rank.dpIndex();
        for (int u = 0; u < size.length; u++) {
            double[] init = tp > 1 ? layout.init(v -> tensorParallel().initShard(v, strategy.seed(), tpRank).toDoubleVector(), u)
                    : layout.init(model, u, strategy.seed());
            int c = shard[u];
            switch (strategy.zero()) {
                case DDP -> {
                    fill(rank.alloc("p" + u, MemCategory.PARAMS, precision.working(), size[u]), init, 0);
                    rank.alloc("g" + u, MemCategory.GRADS, precision.working(), size[u]);
                    optimizer(rank, u, size[u], init, 0);
                }
                case OPTIMIZER, GRADIENTS -> {
                    fill(rank.alloc("p" + u, MemCategory.PARAMS, precision.working(), padded(u)), init, 0);
                    int grads = strategy.zero() == ZeroStage.OPTIMIZER ? padded(u) : c;
                    rank.alloc("g" + u, MemCategory.GRADS, precision.working(), grads);
                    optimizer(rank, u, c, init, r * c);
                }
                case PARAMETERS -> {
                    fill(rank.alloc("p" + u, MemCategory.PARAMS, precision.working(), c), init, r * c);
                    rank.alloc("g" + u, MemCategory.GRADS, precision.working(), c);
                    optimizer(rank, u, c, init, r * c);
                }
            }
        }
    }

    private void optimizer(RankState rank, int u, int length, double[] init, int from) {
        PrecisionMode precision = strategy.precision();
        if (precision.hasMaster()) fill(rank.alloc("w" + u, MemCategory.OPTIMIZER, precision.state(), length), init, from);
        rank.alloc("m" + u, MemCategory.OPTIMIZER, precision.state(), length);
        rank.alloc("v" + u, MemCategory.OPTIMIZER, precision.state(), length);
    }

    /** Sets b[i] = init[from + i] where that exists (padding stays zero). */
    private static void fill(Buf b, double[] init, int from) {
        for (int i = 0; i < b.length() && from + i < init.length; i++) b.set(i, init[from + i]);
    }
}
