package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;
import dev.parasim.exec.model.TpMode;
import dev.parasim.program.schedule.Pass;
import dev.parasim.program.schedule.PassRef;

import java.util.List;

/**
 * Drives a TP stage's passes: the current pass is a list of ops ({@link TpStagePass}) whose collectives
 * take one round per superstep; a pass starts only when its pipeline input has arrived. Each inner TP
 * collective is logged as a COLLECTIVE event (for the replay's comm lane), each pass as one event with this
 * rank's share of the FLOPs. The stage's comm buffers ({@code tpx}, {@code tpl}, {@code tpy} under
 * SEQUENCE, for the backward re-gathers) live for the whole step. Under ZeRO-2/3 each pass runs its units'
 * ZeRO ops between their phases ({@link TpPassOps}).
 */
final class TpStageDriver {
    private TpStageDriver() {}

    /** Runs call {@code round} of the stage's step; {@return true once its last pass is done} */
    static boolean advance(RankState rank, PipelineStageState live, StageLayout layout, List<PassRef> order, TpMode tpMode,
                           int round) {
        StrategyProgram prog = PipelineLinks.program(rank);
        int tokens = prog.strategy.microBatch() * ((GptExecModel) prog.model).config().seqLen();
        int activation = prog.model.activationElements(prog.strategy.microBatch());
        if (round == 0) {
            rank.alloc("tpx", MemCategory.COMM_BUFFERS, prog.strategy.precision().working(), activation);
            rank.alloc("tpl", MemCategory.COMM_BUFFERS, prog.strategy.precision().compute(), 2 * tokens);
            if (tpMode.gathers()) rank.alloc("tpy", MemCategory.COMM_BUFFERS, prog.strategy.precision().working(), activation);
        }
        if (!pass(rank, live, layout, prog, order.get(live.next), round)) return false;
        live.next++;
        rank.noteInFlight(live.tp.size(), rank.memory().live(MemCategory.ACTIVATIONS));
        if (live.next < order.size()) return false;
        rank.free("tpx");
        rank.free("tpl");
        if (tpMode.gathers()) rank.free("tpy");
        return true;
    }

    /** Runs TP pass {@code ref}'s ops once its pipeline input has arrived; {@return true when the pass is done and logged} */
    private static boolean pass(RankState rank, PipelineStageState live, StageLayout layout, StrategyProgram prog, PassRef ref,
                                int round) {
        if (live.inner == null) {
            if (!inputArrived(rank, layout, ref)) return false;
            live.inner = new OpSequence(passOps(prog, ref));
            live.innerStart = round;
        }
        if (!live.inner.run(rank, round)) return false;   // its TP collectives, logged for the replay's comm lane
        int[] units = layout.chunkUnits(ref.chunk());
        int b = prog.strategy.microBatch();
        double flops = 0;
        for (int u : units) flops += prog.model.passFlops(ref.pass(), u, b) / prog.tp();
        rank.record(ExecutedEvent.pass(ref.pass(), ref.toString(), ref.microBatch(), ref.chunk(), units[0], units[units.length - 1],
                flops, live.innerStart, ""));
        live.inner = null;
        return true;
    }

    /** {@return the ops of TP pass {@code ref} of {@code prog}, its ZeRO collectives from its step-program body ({@link TpPassOps#pass})} */
    static List<Op> passOps(StrategyProgram prog, PassRef ref) {
        int tokens = prog.strategy.microBatch() * ((GptExecModel) prog.model).config().seqLen();
        return TpPassOps.pass(ref, prog.layout, prog, tokens, prog.model.activationElements(prog.strategy.microBatch()));
    }

    /** {@return whether pass {@code ref}'s pipeline input (activation for F, gradient for B and BW) is in the mailbox} */
    private static boolean inputArrived(RankState rank, StageLayout layout, PassRef ref) {
        int p = layout.pp(), v = layout.chunks(), virtual = layout.virtualStage(ref.chunk());
        if (ref.pass() == Pass.F && virtual > 0)
            return rank.arrived(PipelineLinks.source(rank, layout, Pass.F), PipelineLinks.tag(Pass.F, ref.microBatch(), ref.chunk(), v));
        if ((ref.pass() == Pass.B || ref.pass() == Pass.BW) && virtual < p * v - 1)
            return rank.arrived(PipelineLinks.source(rank, layout, Pass.B), PipelineLinks.tag(Pass.B, ref.microBatch(), ref.chunk(), v));
        return true;
    }
}
