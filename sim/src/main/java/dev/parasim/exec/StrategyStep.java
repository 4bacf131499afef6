package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.program.schedule.Pass;
import dev.parasim.spec.ZeroStage;

/** A local (communication-free) op of a {@link StrategyProgram}: compute, Adam, buffer moves and bookkeeping. */
final class StrategyStep implements Op {
    private static final long serialVersionUID = 1L;

    enum Action {
        BEGIN_STEP, COMPUTE, STAGE_BUCKETS, UNSTAGE_BUCKETS, ACCUMULATE, ADAM, END_STEP,
        BEGIN_PASS, GATHER, FORWARD, HEAD, BACKWARD, RELEASE, END_PASS, GRAD_BUFFER, UNSHARD_GRAD, RESHARD_GRAD
    }

    private final Action action;
    private final int unit;
    private final int micro;

    private StrategyStep(Action action, int unit, int micro) {
        this.action = action;
        this.unit = unit;
        this.micro = micro;
    }

    static StrategyStep of(Action action) { return new StrategyStep(action, -1, -1); }

    static StrategyStep of(Action action, int unit, int micro) { return new StrategyStep(action, unit, micro); }

    @Override
    public boolean advance(RankState rank, int round) {
        StrategyProgram prog = (StrategyProgram) rank.program();
        Strategy s = prog.strategy;
        ExecModel model = prog.model;
        Dtype working = s.precision().working();
        int u = unit;
        switch (action) {
            case BEGIN_STEP -> rank.beginStep();
            case END_STEP -> rank.endStep();
            case COMPUTE -> {
                ExecModel.Pass pass = model.begin(rank.step(), rank.dpIndex() * s.microBatches() + micro, s.microBatch(),
                        s.precision().fp64Compute());
                Buf[] params = new Buf[model.units()];
                Buf[] grads = new Buf[model.units()];
                for (int v = 0; v < model.units(); v++) {
                    params[v] = rank.buf("p" + v);
                    grads[v] = rank.buf("g" + v);
                }
                rank.addLoss(MicroBatch.run(model, pass, params, grads, rank));
                double flops = model.headFlops(s.microBatch());
                for (int v = 0; v < model.units(); v++) flops += model.forwardFlops(v, s.microBatch());
                int last = model.units() - 1;
                rank.record(pass(Pass.F, micro, 0, last, flops, ""));
                rank.record(pass(Pass.BW, micro, 0, last, 2 * flops, rank.rank() + ":" + passLabel(Pass.F, micro, 0, last)));
            }
            case STAGE_BUCKETS, UNSTAGE_BUCKETS -> buckets(rank, prog, action == Action.STAGE_BUCKETS);
            case ACCUMULATE -> {
                Buf gt = rank.buf("gt" + u);
                Buf g = rank.buf("g" + u);
                int c = prog.shard[u];
                for (int i = 0; i < c; i++) g.add(i, gt.get(rank.dpIndex() * c + i));
                rank.free("gt" + u);
            }
            case ADAM -> {
                adam(rank, prog);
                rank.record(ExecutedEvent.optimizer(0, model.units() - 1, round));
            }
            case BEGIN_PASS -> rank.scratch = new Zero3Pass(model.begin(rank.step(), rank.dpIndex() * s.microBatches() + micro,
                    s.microBatch(), s.precision().fp64Compute()));
            case GATHER -> {
                int c = prog.shard[u];
                rank.alloc("pg" + u, MemCategory.PARAMS, working, prog.padded(u)).copyFrom(rank.buf("p" + u), 0, rank.dpIndex() * c, c);
            }
            case FORWARD -> {
                Zero3Pass z = pass(rank);
                z.pass.forward(u, rank.buf(prog.paramBuffer(u)).toDoubles(prog.size[u]));
                z.meter(rank);
                // The final norm (unit L+1) is logged with the head, as one pass over unit L+1 (see HEAD).
                if (u < model.units() - 1) rank.record(pass(Pass.F, micro, u, u, model.forwardFlops(u, s.microBatch()), ""));
            }
            case HEAD -> {
                Zero3Pass z = pass(rank);
                double[] p0 = rank.buf(prog.paramBuffer(0)).toDoubles(prog.size[0]);
                Buf gt = rank.alloc("gt0", MemCategory.GRADS, working, prog.padded(0));
                rank.addLoss(z.pass.headForward(p0));
                z.meter(rank);
                double[] g = new double[prog.size[0]];
                z.pass.headBackward(p0, g);
                MicroBatch.addInto(gt, g);
                z.meter(rank);
                // The tied head runs as unit L+1's tail: forward then its backward, on the gathered unit 0.
                int head = model.units() - 1;
                double flops = model.headFlops(s.microBatch());
                rank.record(pass(Pass.F, micro, head, head, flops, ""));
                rank.record(pass(Pass.BW, micro, head, head, 2 * flops, ""));
            }
            case BACKWARD -> {
                Zero3Pass z = pass(rank);
                Buf gt = u == 0 ? rank.buf("gt0") : rank.alloc("gt" + u, MemCategory.GRADS, working, prog.padded(u));
                double[] g = new double[prog.size[u]];
                z.pass.backward(u, u == 0 ? null : rank.buf(prog.paramBuffer(u)).toDoubles(prog.size[u]), g);
                MicroBatch.addInto(gt, g);
                z.meter(rank);
                if (u < model.units() - 1) rank.record(pass(Pass.BW, micro, u, u, 2 * model.forwardFlops(u, s.microBatch()), ""));
            }
            case RELEASE -> rank.free("pg" + u);
            case GRAD_BUFFER -> rank.alloc("gt" + u, MemCategory.GRADS, working, prog.padded(u));
            case UNSHARD_GRAD -> {
                // The reduced gradient shard, placed at this rank's chunk of a padded unit for the DP AllGather.
                int c = prog.shard[u];
                rank.alloc("gt" + u, MemCategory.GRADS, working, prog.padded(u)).copyFrom(rank.buf("g" + u), 0, rank.dpIndex() * c, c);
            }
            case RESHARD_GRAD -> {
                int c = prog.shard[u];
                rank.buf("g" + u).copyFrom(rank.buf("gt" + u), rank.dpIndex() * c, 0, c);
                rank.free("gt" + u);
            }
            case END_PASS -> {
                Zero3Pass z = pass(rank);
                rank.meter(MemCategory.ACTIVATIONS, -z.metered);
                rank.scratch = null;
            }
        }
        return true;
    }

    /** {@return a pass event of micro-batch {@code mb} over units first..last (data parallelism: chunk 0)} */
    private static ExecutedEvent pass(Pass kind, int mb, int first, int last, double flops, String dependsOn) {
        return ExecutedEvent.pass(kind, passLabel(kind, mb, first, last), mb, 0, first, last, flops, 0, dependsOn);
    }

    private static String passLabel(Pass kind, int mb, int first, int last) {
        return kind + "" + mb + ".0 u" + first + (last == first ? "" : "-" + last);
    }

    private static Zero3Pass pass(RankState rank) {
        if (!(rank.scratch instanceof Zero3Pass z))
            throw new IllegalStateException("rank " + rank.rank() + ": the micro-batch's activations are gone "
                    + "(its partition was serialized between supersteps)");
        return z;
    }

    /** Copies unit gradients into the padded bucket buffers (stage) or back (unstage). */
    private static void buckets(RankState rank, StrategyProgram prog, boolean stage) {
        Dtype working = prog.strategy.precision().working();
        for (int k = 0; k < prog.buckets.size(); k++) {
            int start = prog.buckets.get(k)[0], length = prog.buckets.get(k)[1];
            Buf bucket = stage
                    ? rank.alloc("bk" + k, MemCategory.COMM_BUFFERS, working,
                            (int) dev.parasim.collective.Chunking.padded(length, prog.strategy.dp()))
                    : rank.buf("bk" + k);
            int unitStart = 0;
            for (int v = 0; v < prog.size.length; v++) {
                int from = Math.max(start, unitStart), to = Math.min(start + length, unitStart + prog.size[v]);
                if (from < to) {
                    if (stage) bucket.copyFrom(rank.buf("g" + v), from - unitStart, from - start, to - from);
                    else rank.buf("g" + v).copyFrom(bucket, from - start, from - unitStart, to - from);
                }
                unitStart += prog.size[v];
            }
            if (!stage) rank.free("bk" + k);
        }
    }

    /** Adam on what this rank owns: everything (DDP) or its shard of every unit (ZeRO ≥ 1). */
    private static void adam(RankState rank, StrategyProgram prog) {
        Strategy s = prog.strategy;
        double divisor = (double) s.dp() * s.microBatches();
        int t = rank.step() + 1;
        for (int u = 0; u < prog.size.length; u++) {
            boolean ddp = s.zero() == ZeroStage.DDP;
            int count = ddp ? prog.size[u] : prog.shard[u];
            int own = rank.dpIndex() * prog.shard[u];
            int pOff = ddp || s.zero() == ZeroStage.PARAMETERS ? 0 : own;
            int gOff = s.zero() == ZeroStage.OPTIMIZER ? own : 0;
            Buf p = rank.buf("p" + u);
            Buf g = rank.buf("g" + u);
            if (s.precision().hasMaster()) {
                Buf w = rank.buf("w" + u);
                ShardAdam.apply(w, 0, rank.buf("m" + u), rank.buf("v" + u), g, gOff, count, divisor, s.learningRate(), t);
                p.copyFrom(w, 0, pOff, count);
            } else {
                ShardAdam.apply(p, pOff, rank.buf("m" + u), rank.buf("v" + u), g, gOff, count, divisor, s.learningRate(), t);
            }
            g.fill(0);
        }
    }

    /** ZeRO-3's micro-batch pass kept across supersteps, with the activation bytes metered so far. */
    static final class Zero3Pass {
        final ExecModel.Pass pass;
        long metered;

        Zero3Pass(ExecModel.Pass pass) { this.pass = pass; }

        void meter(RankState rank) { metered = MicroBatch.meter(rank, pass, metered); }
    }

    @Override
    public String toString() { return action + (unit >= 0 ? " u" + unit : "") + (micro >= 0 ? " mb" + micro : ""); }
}
