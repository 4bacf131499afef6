package dev.parasim.exec;

import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.model.TpShards;
import dev.parasim.program.Buffer;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.util.ArrayList;
import java.util.List;

/**
 * The ops of one TP stage pass that come from its step-program body, taken in its order by {@link PassOps}: its TP
 * collectives ({@link #tensorParallel}, as {@link TpStagePass} reaches each) and its ZeRO-2/3 ops, unit by unit as
 * PyTorch FSDP with one wrapped unit per layer (no prefetch), placed by {@link TpStagePass} around each local unit's
 * phases: {@link #open} ends the superstep, gathers the unit's
 * parameters (ZeRO-3, F, B and BW) and loads them into the pass's arrays, allocates its transient gradient (BW, W), and
 * ends that superstep too, so the unit's TP collectives start in one of their own; {@link #close} adds the unit's
 * gradients into it, frees the gathered parameters and, in a superstep of its own, reduces the gradient. Without
 * ZeRO ops for the pass (DDP, ZeRO-1, ZeRO-2's F and B) both add nothing. Without a program (an estimate of the pass's
 * rounds) the TP collectives are built as the pass needs them, unchecked.
 */
final class TpPassOps {
    private final StrategyProgram prog;
    private final PassRef ref;
    private final boolean gathers;
    private final boolean reduces;
    /** The pass's collectives, taken from its step-program body (null without a program). */
    private final PassOps ops;

    private TpPassOps(StrategyProgram prog, PassRef ref) {
        this.prog = prog;
        this.ref = ref;
        this.gathers = prog != null && ref.pass() != Pass.W && prog.gathersParams();
        this.reduces = prog != null && (ref.pass() == Pass.BW || ref.pass() == Pass.W) && prog.shardsGrads();
        this.ops = prog == null ? null : PassOps.of(prog, ref);
    }

    /** {@return the program-mapped ops of TP pass {@code ref} of {@code prog} (null: none, as for an estimate of the pass's rounds)} */
    static TpPassOps of(StrategyProgram prog, PassRef ref) { return new TpPassOps(prog, ref); }

    /**
     * {@return the ops of TP pass {@code ref} of {@code prog} ({@link TpStagePass#ops}), its collectives taken from the
     * pass's step-program body after its compute and pipeline edges are checked against it; every instruction of the
     * body must be taken ({@link PassOps#finish})}
     */
    static List<Op> pass(PassRef ref, StageLayout layout, StrategyProgram prog, int tokens, int activation) {
        TpPassOps z = of(prog, ref);
        z.ops.compute(ZeroPasses.localUnits(layout, ref.chunk()));
        z.ops.links(layout, Chunking.shard(activation, prog.tp()));
        List<Op> out = TpStagePass.ops(ref, layout, z, prog.tp(), prog.tpMode, tokens, activation);
        z.ops.finish();
        return out;
    }

    /**
     * {@return the ring op on TP running {@code kind} over {@code segs}}, the body's next TP collectives (one per
     * segment) when there is a program ({@link PassOps#tensorParallel}); {@code max} reduces by maximum
     */
    Op tensorParallel(CollectiveKind kind, Buffer.Kind buffer, List<Seg> segs, boolean max) {
        return ops == null ? PassOps.ring(kind, segs, max) : ops.tensorParallel(kind, buffer, segs, max);
    }

    /** {@return whether the pass runs ZeRO ops} */
    boolean active() { return gathers || reduces; }

    /** {@return whether the pass adds its gradients unit by unit (ZeRO-2/3's BW and W)} */
    boolean reduces() { return reduces; }

    /** Before local units' phases: gathers and loads {@code gather} (ZeRO-3), allocates {@code grads}' transient gradients. */
    void open(List<Op> out, int[] gather, int[] grads) {
        if (!active()) return;
        out.add(new ZeroPasses.Yield());
        if (gathers && gather.length > 0) {
            ops.gather(out, gather);
            for (int u : gather) out.add(new TpStagePass.Phase(TpStagePass.Phase.Action.LOAD, u, ref));
        }
        if (reduces) for (int u : grads) out.add(LocalOp.of(LocalOp.Action.GRAD_BUFFER, u));
        out.add(new ZeroPasses.Yield());
    }

    /** After local units' phases: adds {@code add}'s gradients, frees {@code release}'s gathered parameters, reduces {@code reduce}. */
    void close(List<Op> out, int[] add, int[] release, int[] reduce) {
        if (reduces) for (int u : add) out.add(new TpStagePass.Phase(TpStagePass.Phase.Action.ADD, u, ref));
        if (gathers) ops.release(out, release);
        if (reduces && reduce.length > 0) {
            out.add(new ZeroPasses.Yield());
            ops.reduce(out, reduce);
        }
    }

    /** ZeRO-2/3's W of one unit: allocates {@code grads}, applies model unit {@code unit}'s deferred weight gradients (−1: none), adds and reduces {@code reduce} (null: {@code grads}). */
    void weights(List<Op> out, int unit, int[] grads, int[] reduce) {
        open(out, new int[0], grads);
        if (unit >= 0) out.add(new TpStagePass.Phase(TpStagePass.Phase.Action.WEIGHTS, unit, ref));
        int[] r = reduce == null ? grads : reduce;
        close(out, r, new int[0], r);
    }

    /**
     * {@return the SP-partial gradient tensors of local units {@code units} as regions of their buffers
     * {@code prefix<u>}}, unit by unit and within a unit in storage order: wpe with the embedding, each layer's ln1 and
     * ln2 gain and bias, the final norm's gain and bias — the order in which {@code program.TensorParallelGenerator}
     * lists them
     */
    static List<Seg> partialSegs(TpShards shards, StageLayout layout, int[] units, String prefix) {
        List<Seg> segs = new ArrayList<>();
        for (int local : units) {
            int u = layout.units().get(local).get(0).modelUnit();
            int[] at = layout.locate(u);
            for (String name : shards.sequenceParallelPartialGrads(u))
                for (var t : shards.tensors(u))
                    if (t.name().equals(name))
                        segs.add(new Seg(prefix + at[0], at[1] + Math.toIntExact(t.offset()), Math.toIntExact(t.elements())));
        }
        return segs;
    }
}
