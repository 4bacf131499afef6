package dev.parasim.exec;

import dev.parasim.program.ExecutedEvent;

import java.util.List;
import java.util.Map;

/**
 * What executing one plan yielded. Byte counts are per optimizer step (the last one; every step
 * moves the same bytes).
 *
 * @param bytesPerGpu        max over ranks of payload bytes sent per step
 * @param byCollective       bytes the busiest rank (most bytes sent; lowest rank on ties) sent per step, by collective label
 * @param byTier             the same rank's bytes by link-tier name
 * @param crossPartitionBytes payload bytes all ranks sent to ranks of other Spark partitions per step
 * @param sparkShuffleBytes  Spark's shuffle-write bytes per step (serialized messages, headers included;
 *                           compressed sizes unless the session sets spark.shuffle.compress=false)
 * @param losses             mean loss over the global batch, per step
 * @param singleRankLosses   the same for the single-rank reference run (empty if not run)
 * @param maxRelativeParamDiffVsSingleRank max over units of max|exec − ref| / max|ref| against
 *                           {@code SingleDeviceTrainer} (master weights; NaN if no reference was run)
 * @param perRank            each rank's counters for the last step
 * @param superstepsPerStep  supersteps per optimizer step (every rank runs until its next communication round in each)
 * @param roundsPerStep      of those, the ones that moved messages through the transport in the last step (one Spark
 *                           shuffle each, up to 16 supersteps chained per job); a superstep after one that sent nothing
 *                           across partitions runs in the same task ({@link Backend#lastStepRounds})
 * @param pp                 pipeline stages
 * @param ranks              each rank's stage, memory, in-flight micro-batches and event log (last step)
 */
public record ExecutedResult(String plan, int dp, int microBatches, PrecisionMode precision, int partitions,
                             int ranksPerPartition, long bytesPerGpu, Map<String, Long> byCollective,
                             Map<String, Long> byTier, long crossPartitionBytes, long sparkShuffleBytes,
                             MemoryReport memory, List<Double> losses, List<Double> singleRankLosses,
                             double maxRelativeParamDiffVsSingleRank, List<RankComm> perRank, int superstepsPerStep,
                             int roundsPerStep, double seconds, int pp, List<RankDetail> ranks) {

    public ExecutedResult {
        byCollective = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byCollective));
        byTier = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byTier));
        losses = List.copyOf(losses);
        singleRankLosses = List.copyOf(singleRankLosses);
        perRank = List.copyOf(perRank);
        ranks = List.copyOf(ranks);
    }

    /** {@return every rank's event log of the last step, in rank order: what {@code timeline.ExecutedReplay} plays} */
    public List<List<ExecutedEvent>> eventsByRank() {
        return ranks.stream().map(RankDetail::events).toList();
    }
}
