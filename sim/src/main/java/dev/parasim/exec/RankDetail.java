package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;
import java.io.Serializable;
import java.util.List;

/**
 * One rank's account of the last step of an executed run.
 *
 * @param rank                    the rank
 * @param stage                   its pipeline stage
 * @param dpIndex                 its data-parallel index
 * @param tpIndex                 its tensor-parallel index
 * @param memory                  live and peak bytes per category
 * @param maxInFlight             most micro-batch chunks whose activations it held between passes
 * @param residentActivationBytes most activation bytes it held between passes (peak inside a pass excluded;
 *                                on TP stages the saved bytes of the blocks whose backward has not run)
 * @param events                  what it did, in order
 */
public record RankDetail(int rank, int stage, int dpIndex, int tpIndex, MemorySnapshot memory, int maxInFlight,
                         long residentActivationBytes, List<ExecutedEvent> events) implements Serializable {
    public RankDetail {
        events = List.copyOf(events);
    }

    /** {@return the detail of {@code rank} after its last step} */
    public static RankDetail of(RankState rank) {
        List<StepReport> reports = rank.reports();
        return new RankDetail(rank.rank(), rank.stage(), rank.dpIndex(), rank.topology().grid().tpIndex(rank.rank()),
                reports.get(reports.size() - 1).memory(),
                rank.maxInFlight(), rank.residentActivationPeak(), rank.events());
    }
}
