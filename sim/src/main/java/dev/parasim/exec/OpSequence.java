package dev.parasim.exec;

import java.util.List;

/**
 * Ops run in order inside another op (a pipeline pass's ZeRO collectives, a TP stage pass's ops): local ops complete at once,
 * a collective takes one round per superstep of the op it runs in, and each completed collective is
 * logged as a {@link dev.parasim.program.ExecutedEvent.Kind#COLLECTIVE} event for the timeline replay's comm lane.
 */
final class OpSequence {
    private final List<Op> ops;
    private int pc;
    private int round;
    private long sentAtStart;

    OpSequence(List<Op> ops) { this.ops = List.copyOf(ops); }

    /** Runs ops until one waits for its next round; {@return true when every op has completed} */
    boolean run(RankState rank, int outerRound) {
        while (pc < ops.size()) {
            Op op = ops.get(pc);
            if (round == 0) sentAtStart = rank.sentThisStep();
            if (!op.advance(rank, round)) {
                round++;
                return false;
            }
            if (op.collective() != null) rank.record(Op.completed(op, rank.sentThisStep() - sentAtStart, outerRound));
            pc++;
            round = 0;
        }
        return true;
    }
}
