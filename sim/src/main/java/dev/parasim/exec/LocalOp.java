package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.spec.ZeroStage;

/**
 * A local (communication-free) op of a {@link StrategyProgram} outside its passes: the step's begin and end, ZeRO's
 * gathered and transient gradient buffers, DDP's bucket copies, Adam. The passes themselves run in {@link PipelineOp}.
 */
final class LocalOp implements Op {
    private static final long serialVersionUID = 1L;

    enum Action {
        BEGIN_STEP, STAGE_BUCKETS, UNSTAGE_BUCKETS, ACCUMULATE, ADAM, END_STEP, GATHER, RELEASE, GRAD_BUFFER, UNSHARD_GRAD,
        RESHARD_GRAD
    }

    private final Action action;
    private final int unit;

    private LocalOp(Action action, int unit) {
        this.action = action;
        this.unit = unit;
    }

    static LocalOp of(Action action) { return new LocalOp(action, -1); }

    /** {@return the op of {@code action} on local unit {@code unit}} */
    static LocalOp of(Action action, int unit) { return new LocalOp(action, unit); }

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
            case GATHER -> {
                int c = prog.shard[u];
                rank.alloc("pg" + u, MemCategory.PARAMS, working, prog.padded(u)).copyFrom(rank.buf("p" + u), 0, rank.dpIndex() * c, c);
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
        }
        return true;
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

    @Override
    public String toString() { return action + (unit >= 0 ? " u" + unit : ""); }
}
