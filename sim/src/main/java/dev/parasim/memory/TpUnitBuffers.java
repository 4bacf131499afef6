package dev.parasim.memory;

import dev.parasim.collective.Chunking;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.spec.ZeroStage;
import dev.parasim.workload.Parameters;
import dev.parasim.workload.StageSplit;

/**
 * A tensor-parallel stage's passes walked moment by moment (the executor's {@code exec.TpStagePass} with ZeRO-2/3 unit by
 * unit, {@code exec.TpPassOps}): the most activation plus buffer bytes a pass holds. Each pass starts from what the stage
 * holds then ({@link PipelineOrder#passStarts}) and runs its chunk's phases; pp = 1 is a one-stage pipeline whose tied head
 * keeps unit 0 gathered from the embedding to the head in F, and its gradient from the head's backward to the
 * embedding's in BW. What a rank holds beside its model states (s: the rank's share of the sequence, s/cp):
 * <ul>
 * <li>The stage's TP workspace for the whole step: the b·s·h activation a TP collective reduces or gathers (again for
 *     SP's re-gathered inputs) and the cross-entropy's 2·b·s fp32 sums.</li>
 * <li>Activations metered as they are kept: a layer's from the end of its forward to the end of its backward, the chunk's
 *     output from its send (on the last chunk the final norm's input and output, from the final norm), the softmax (and
 *     SP's gathered head input) from the cross-entropy's partial sums to the backward's start (where an out-of-place
 *     cross-entropy's two gradients sit beside it for a moment); under ZB-H1 a chunk's M_W from the end of its B, each
 *     unit's share until its W; under full recompute a layer's replay, under CP ring attention's K/V blocks, in its phases.</li>
 * <li>ZeRO-3: a unit's gathered parameters P_u = n·⌈Ψ_u/n⌉ around each of its F, B and BW phases; ZeRO-2/3: its padded
 *     gradient P_u from its BW (or W) to its ReduceScatter.</li>
 * <li>Messages: a ring collective of r sending rounds holds the chunk it sends, then (middle rounds) the one it received
 *     beside the one it sends, then the last one it received — k chunks with k = min(r, 2) at most; a pipeline slice
 *     ⌈b·s·h/t⌉ received while its pass starts, or sent until the superstep ends. The ZeRO ops of a unit start and end
 *     supersteps of their own, so a send is freed before the next unit's buffers.</li>
 * </ul>
 * Of a chunk's pass starts of one kind only the one holding the most is walked ({@link HighestStarts}), its identical layers
 * in three walks at most ({@link #layers}).
 */
final class TpUnitBuffers {
    /** What the walker was built for ({@link #walker} reuses it for another stage with the same units). */
    private final Experiment experiment;
    private final ParallelPlan plan;
    private final Precision precision;
    private final int t;
    private final int n;
    private final boolean sp;
    private final boolean zero3;
    private final boolean shardsGrads;
    private final long tpxChunk;
    private final long slice;
    private final long maxChunk;
    private final long sumsChunk;
    private final long embedding;
    private final long layerUnit;
    private final long headUnit;
    private final double layer;
    private final double cpForward;   // ring attention's K/V while a layer's forward attention runs (ContextParallelRing)
    private final double out;
    private final double normOut;
    private final double head;
    private final double mask;
    private final double layerW;
    private final double headW;
    private final long loss;
    private final long workspace;
    /** Bytes a round of SP's sum-AllReduce of the partial gradients (the norms, GPT's wpe) sends, per unit kind. */
    private final long partialEmbedding;
    private final long partialLayer;
    private final long partialHead;
    /** The units a phase gathers or reduces, built once per stage (a walk visits them once per layer and pass start). */
    private final Units embeddingUnits;
    private final Units layerUnits;
    private final Units finalNormUnits;
    private final Units tiedHeadUnits;
    // The walk's state: activations, live buffers beside them, messages sent this superstep, the peak so far.
    private double acts, peak;
    private long buffers, sends;

    private TpUnitBuffers(Experiment e, ParallelPlan plan, int stage, long[] units) {
        experiment = e;
        this.plan = plan;
        ModelSpec m = e.model();
        precision = e.training().precision();
        t = plan.tp();
        n = plan.dp() * plan.cp();
        sp = plan.sequenceParallel();
        zero3 = plan.zero() == ZeroStage.PARAMETERS;
        shardsGrads = zero3 || plan.zero() == ZeroStage.GRADIENTS;
        int b = e.training().microBatch(), aB = precision.activationBytes();
        // A rank holds its own b·s/cp tokens (context parallelism splits the sequence), as the activations do.
        long tokens = (long) b * (m.seqLen() / plan.cp()), activation = tokens * m.hidden();
        tpxChunk = Chunking.shard(activation, t) * aB;
        slice = tpxChunk;
        maxChunk = Chunking.shard(tokens, t) * Activations.FP32_BYTES;
        sumsChunk = 2 * maxChunk;
        workspace = activation * aB * (sp ? 2 : 1) + 2 * tokens * Activations.FP32_BYTES;
        embedding = embeddingOf(stage, units);
        layerUnit = layerUnitOf(stage, units);
        headUnit = units[units.length - 1];
        double sb = (double) tokens, replicated = sp ? t : 1;
        layer = Activations.perLayer(m, plan, b, e.training().recompute(), aB) + Activations.normStatistics(m, plan, b, e.training().recompute());
        cpForward = ContextParallelRing.forward(m, plan, b, aB);
        out = aB * sb * m.hidden() / replicated;
        normOut = out + Activations.FP32_BYTES * m.normStatistics() * sb / replicated;
        head = Activations.FP32_BYTES * sb * m.vocab() / t + (sp ? aB * sb * m.hidden() : 0);
        mask = m.dropout() ? Activations.MASK_BYTES * sb * m.hidden() / replicated : 0;
        layerW = Activations.weightGradInputsPerLayer(m, plan, b, aB);
        headW = Activations.weightGradEdges(m, plan, b, aB, plan.pp() * plan.chunks() - 1);
        loss = Math.round(Activations.crossEntropyBackward(m, plan, b, e.training().crossEntropy()));
        partialEmbedding = partialChunk(Parameters.sequenceParallelPartialUnit(m, true, false));
        partialLayer = partialChunk(Parameters.sequenceParallelPartialUnit(m, false, false));
        partialHead = partialChunk(Parameters.sequenceParallelPartialUnit(m, false, true));
        embeddingUnits = Units.of(new long[] {embedding}, partialEmbedding, n, precision);
        layerUnits = Units.of(new long[] {layerUnit}, partialLayer, n, precision);
        finalNormUnits = Units.of(new long[] {headUnit}, partialHead, n, precision);
        tiedHeadUnits = Units.of(new long[] {headUnit, embedding}, partialHead + partialEmbedding, n, precision);
    }

    /** {@return the most activation plus buffer bytes a pass of TP stage {@code stage} holds, its local units {@code units}} */
    static long inPass(Experiment e, ParallelPlan plan, int stage, long[] units) {
        TpUnitBuffers walk = walker(e, plan, stage, units);
        walk.peak = 0;
        ModelSpec m = e.model();
        int b = e.training().microBatch(), p = plan.pp(), v = plan.chunks(), aB = walk.precision.activationBytes();
        boolean zb = plan.schedule() == PipelineSchedule.ZB_H1;
        StageSplit split = StageSplit.of(m, plan);
        double[] mB = new double[v], mW = new double[v];
        for (int c = 0; c < v; c++) {
            mB[c] = Activations.chunkBytes(m, plan, b, e.training().recompute(), aB, c * p + stage);
            mW[c] = zb ? Activations.chunkWeightGradBytes(m, plan, b, aB, c * p + stage) : 0;
        }
        double[] highest = HighestStarts.of(PipelineOrder.passStarts(plan.schedule(), p, e.microBatches(plan), v).get(stage), mB, mW);
        Chunk chunk = null;
        for (int at = 0; at < highest.length; at++) {
            double held = highest[at];
            if (Double.isNaN(held)) continue;
            int c = at / 3, kind = at % 3, virtual = c * p + stage;
            if (chunk == null || chunk.virtual() != virtual)
                chunk = new Chunk(virtual, virtual == 0, virtual == p * v - 1, split.layers(virtual));
            walk.buffers = 0;
            walk.sends = 0;
            switch (kind) {
                case 0 -> walk.forward(chunk, held - mB[c]);
                case 1 -> walk.backward(chunk, held, zb);
                default -> walk.weights(chunk, held);
            }
        }
        return Math.round(walk.peak);
    }

    /**
     * The walker the last stage asked for on this thread, when it holds the same units: a plan's middle stages share one,
     * so a 64-stage plan builds three instead of 64 (the walker's state is reset per pass; it depends on the stage only
     * through its embedding, layer and head units).
     */
    private static final ThreadLocal<TpUnitBuffers> LAST = new ThreadLocal<>();

    private static TpUnitBuffers walker(Experiment e, ParallelPlan plan, int stage, long[] units) {
        TpUnitBuffers last = LAST.get();
        if (last != null && last.experiment == e && last.plan == plan && last.embedding == embeddingOf(stage, units)
                && last.layerUnit == layerUnitOf(stage, units) && last.headUnit == units[units.length - 1]) return last;
        TpUnitBuffers walk = new TpUnitBuffers(e, plan, stage, units);
        LAST.set(walk);
        return walk;
    }

    /** {@return the embedding unit's elements on stage {@code stage} (its first unit on stage 0, else none)} */
    private static long embeddingOf(int stage, long[] units) {
        return stage == 0 ? units[0] : 0;
    }

    /** {@return a layer unit's elements on stage {@code stage} (the unit after the embedding on stage 0), 0 if none} */
    private static long layerUnitOf(int stage, long[] units) {
        int at = stage == 0 ? 1 : 0;
        return units.length > at ? units[at] : 0;
    }

    /** A pass's chunk: its virtual stage, whether it holds the embedding (virtual stage 0), the head (the last), its layers. */
    private record Chunk(int virtual, boolean first, boolean last, int layers) {
        boolean whole() { return first && last; }
    }

    /** The ZeRO units a phase gathers or adds gradients into, as their element counts (SP partial chunk alongside). */
    private record Units(long[] sizes, long partial, long[] gathered, long gatherChunk, long[] gradients, long reduceChunk) {
        static final Units NONE = of(new long[0], 0, 1, Precision.FP32);

        /**
         * Units with their bytes over a DP group of {@code n} worked out once (a walk visits them once per layer and pass
         * start): per unit the gathered parameters and the padded gradient, n·⌈Ψ_u/n⌉ elements; a gather's and a
         * reduction's ring chunk, the sum of the units' ⌈Ψ_u/n⌉.
         */
        static Units of(long[] sizes, long partial, int n, Precision precision) {
            long[] gathered = new long[sizes.length], gradients = new long[sizes.length];
            long gatherChunk = 0, reduceChunk = 0;
            for (int i = 0; i < sizes.length; i++) {
                gathered[i] = Chunking.padded(sizes[i], n) * precision.paramBytes();
                gradients[i] = Chunking.padded(sizes[i], n) * precision.gradBytes();
                gatherChunk += Chunking.shard(sizes[i], n) * precision.paramBytes();
                reduceChunk += Chunking.shard(sizes[i], n) * precision.gradBytes();
            }
            return new Units(sizes, partial, gathered, gatherChunk, gradients, reduceChunk);
        }
    }

    private Units embeddingUnit() { return embeddingUnits; }

    private Units layerUnit() { return layerUnits; }

    private Units headUnits(Chunk c) { return c.whole() ? tiedHeadUnits : finalNormUnits; }

    private Units finalNormUnit() { return finalNormUnits; }

    private void forward(Chunk c, double base) {
        acts = base;
        boolean gathers = zero3;
        if (!c.first()) send(slice);   // the received slice, held until the superstep ends
        if (c.first()) {
            open(gathers, false, embeddingUnit(), Units.NONE);
            tpReduce();
            meter(mask);
            if (!c.whole()) close(gathers, false, embeddingUnit(), Units.NONE);
        } else {
            takeInput();
        }
        layers(c.layers(), layer, () -> {
            open(gathers, false, layerUnit(), Units.NONE);
            tpGather(); meter(cpForward); meter(-cpForward);   // ring attention's K/V blocks while the attention runs
            tpReduce();
            tpGather();
            tpReduce();
            meter(layer);
            close(gathers, false, layerUnit(), Units.NONE);
        });
        if (c.last()) {
            open(gathers, false, finalNormUnit(), Units.NONE);
            meter(out + normOut);
            tpGather();
            ring(maxChunk, 2 * (t - 1));
            meter(head);
            ring(sumsChunk, 2 * (t - 1));
            close(gathers, false, headUnits(c), Units.NONE);
        } else {
            send(slice);
            meter(out);
        }
    }

    private void backward(Chunk c, double held, boolean split) {
        acts = held;
        boolean gathers = zero3, reduces = shardsGrads && !split;
        Units headUnits = headUnits(c);
        if (c.last()) open(gathers, reduces, headUnits, headUnits);
        if (c.last()) {
            // An out-of-place loss's backward holds its gradients before the head's GEMMs open their gradient (open() did).
            if (loss > 0) at(loss - (reduces ? java.util.Arrays.stream(headUnits.gradients()).sum() : 0));
            meter(-head);
            tpReduce();
            meter(-(out + normOut));
            close(gathers, reduces, headUnits, finalNormUnit());
        } else {
            send(slice);
            takeInput();
            meter(-out);
        }
        double inLayer = LayerReplay.heldInLayerBackward(experiment, plan, c.virtual(), split);   // replay, ring blocks
        layers(c.layers(), -layer, () -> {
            open(gathers, reduces, layerUnit(), layerUnit());
            meter(inLayer);   // held through the layer's TP phases, beside the unit
            tpGather();
            regather();
            tpReduce();
            tpGather();
            regather();
            tpReduce();
            meter(-layer - inLayer);
            close(gathers, reduces, layerUnit(), layerUnit());
        });
        if (c.first()) {
            Units own = c.whole() ? Units.NONE : embeddingUnit();
            open(gathers, reduces, own, own);
            tpGather();
            meter(-mask);
            close(gathers, reduces, own, embeddingUnit());
        } else {
            send(slice);
        }
        if (split) meter(c.layers() * layerW + (c.last() ? headW : 0));
    }

    /**
     * Walks {@code count} identical layers, each {@code walk} changing the activations by one {@code meter(delta)} and
     * leaving buffers and sends as it found them from the second layer on. Layers 2..count then start in one state but for
     * their activations, which move monotonically, and every moment's bytes grow with them (a rounded sum is monotone in
     * each addend): the one starting highest holds their peak. So only layers 1, 2 and that one are walked, the others'
     * activations added as they would be: the same peak and end state, bit for bit, in O(1) walks per pass, not O(layers).
     */
    private void layers(int count, double delta, Runnable walk) {
        for (int l = 0; l < Math.min(count, 2); l++) walk.run();
        if (count <= 2) return;
        double start = acts;   // where layer 3 starts
        for (int l = 3; l < count; l++) acts += delta;
        if (acts >= start) {
            walk.run();   // the last layer starts highest
        } else {
            acts += delta;   // layer 2 started highest: it is walked
        }
    }

    /** ZB-H1's W: unit by unit under ZeRO-2/3 (each unit's gradient allocated, its M_W share dropped, reduced); else at once. */
    private void weights(Chunk c, double held) {
        acts = held;
        if (!shardsGrads) return;   // one phase that only frees
        if (c.last()) weightsOf(headUnits(c), headW, finalNormUnit());
        layers(c.layers(), -layerW, () -> weightsOf(layerUnit(), layerW, layerUnit()));
        if (c.first()) weightsOf(c.whole() ? Units.NONE : embeddingUnit(), 0, embeddingUnit());
    }

    private void weightsOf(Units grads, double share, Units reduce) {
        open(false, true, Units.NONE, grads);
        meter(-share);
        close(false, true, Units.NONE, reduce);
    }

    /** Before a unit's phases: a superstep of its own gathers (ZeRO-3) and allocates the unit's transient gradient. */
    private void open(boolean gathers, boolean reduces, Units gather, Units grads) {
        if (!gathers && !reduces) return;
        sends = 0;
        if (gathers && gather.sizes().length > 0) {
            for (long bytes : gather.gathered()) alloc(bytes);
            ring(gather.gatherChunk(), n - 1);
        }
        if (reduces) for (long bytes : grads.gradients()) alloc(bytes);
        sends = 0;
    }

    /** After a unit's phases: frees what was gathered ({@code release}); in a superstep of its own reduces {@code reduce}. */
    private void close(boolean gathers, boolean reduces, Units release, Units reduce) {
        if (gathers) for (long bytes : release.gathered()) buffers -= bytes;
        if (!reduces || reduce.sizes().length == 0) return;
        sends = 0;
        if (sp && t > 1) {
            ring(reduce.partial(), 2 * (t - 1));
            sends = 0;
        }
        ring(reduce.reduceChunk(), n - 1);
        for (long bytes : reduce.gradients()) buffers -= bytes;
    }

    /** The TP reduction of a phase's output: AllReduce, or SP's ReduceScatter. */
    private void tpReduce() { ring(tpxChunk, sp ? t - 1 : 2 * (t - 1)); }

    /** SP's AllGather of a phase's input (nothing without SP). */
    private void tpGather() { if (sp) ring(tpxChunk, t - 1); }

    /** SP's re-gather of a column-parallel layer's input in its backward. */
    private void regather() { if (sp) ring(tpxChunk, t - 1); }

    /** Without SP, the AllGather of a received pipeline slice. */
    private void takeInput() { if (!sp) ring(tpxChunk, t - 1); }

    private long partialChunk(long[] tensors) {
        long chunk = 0;
        for (long tensor : tensors) chunk += Chunking.shard(tensor, t) * precision.gradBytes();
        return chunk;
    }

    /**
     * A ring collective of {@code rounds} sending rounds, {@code chunk} bytes a round: its first round sends beside what
     * the superstep sent before and ends it; middle rounds hold the chunk received and the one sent; the last only the
     * one received, and the superstep goes on.
     */
    private void ring(long chunk, int rounds) {
        if (rounds <= 0) return;
        sends += chunk;
        at(0);
        sends = 0;
        if (rounds >= 2) at(2 * chunk);
        sends = chunk;
        at(0);
    }

    private void send(long bytes) {
        sends += bytes;
        at(0);
    }

    private void alloc(long bytes) {
        buffers += bytes;
        at(0);
    }

    private void meter(double bytes) {
        acts += bytes;
        if (bytes > 0) at(0);
    }

    private void at(long extra) {
        peak = Math.max(peak, acts + workspace + buffers + sends + extra);
    }
}
