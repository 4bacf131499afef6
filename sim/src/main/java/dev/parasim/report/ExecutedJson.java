package dev.parasim.report;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.MemoryReport;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code executed} block that {@code sim run --json} adds to each plan of the predict document. Maps are
 * written in a fixed order (categories as declared, tiers by name) so equal runs give equal bytes.
 */
public final class ExecutedJson {
    private ExecutedJson() {}

    public static Map<String, Object> executed(ExecutedResult r) {
        return executed(r, -1);
    }

    /**
     * {@return the executed block; with {@code stage} ≥ 0 and a pipeline, memory is that stage's (the largest of its
     * ranks), the stage the prediction's memory describes, so both sides compare the same GPU; else the largest over all ranks}
     */
    public static Map<String, Object> executed(ExecutedResult r, int stage) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("precision", r.precision().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        m.put("microBatches", r.microBatches());
        m.put("partitions", r.partitions());
        m.put("ranksPerPartition", r.ranksPerPartition());
        m.put("losses", r.losses());
        m.put("singleRankLosses", r.singleRankLosses());
        m.put("maxRelativeParamDiffVsSingleRank", Double.isNaN(r.maxRelativeParamDiffVsSingleRank())
                ? null : r.maxRelativeParamDiffVsSingleRank());
        Map<String, Object> comm = new LinkedHashMap<>();
        comm.put("bytesPerGpu", r.bytesPerGpu());
        Map<String, Object> kinds = new LinkedHashMap<>();
        for (CollectiveKind k : PredictionJson.LISTED) kinds.put(k.label(), r.byCollective().getOrDefault(k.label(), 0L));
        r.byCollective().forEach(kinds::putIfAbsent);
        comm.put("byCollective", kinds);
        comm.put("byTier", new TreeMap<>(r.byTier()));   // a fixed order: same inputs, same bytes
        comm.put("crossPartitionBytes", r.crossPartitionBytes());
        comm.put("sparkShuffleBytes", r.sparkShuffleBytes());
        m.put("comm", comm);
        if (r.pp() > 1) {
            // One entry per pipeline stage (its first rank): schedule-driven activations and the event count.
            java.util.List<Map<String, Object>> stages = new java.util.ArrayList<>();
            for (dev.parasim.exec.RankDetail d : r.ranks()) {
                if (d.dpIndex() != 0 || d.tpIndex() != 0) continue;
                Map<String, Object> st = new LinkedHashMap<>();
                st.put("stage", d.stage());
                st.put("rank", d.rank());
                st.put("maxInFlightMicroBatchChunks", d.maxInFlight());
                st.put("activationBytesHeld", d.residentActivationBytes());
                st.put("activationPeakBytes", d.memory().peak(dev.parasim.exec.MemCategory.ACTIVATIONS));
                st.put("events", d.events().size());
                stages.add(st);
            }
            m.put("pipelineStages", stages);
        }
        MemoryReport mem = r.pp() > 1 && stage >= 0 ? stageMemory(r, stage) : r.memory();
        Map<String, Object> memory = new LinkedHashMap<>();
        if (r.pp() > 1 && stage >= 0) memory.put("worstStage", stage);   // the predicted side's key
        memory.put("paramsBytes", mem.paramsBytes());
        memory.put("gradsBytes", mem.gradsBytes());
        memory.put("optimizerBytes", mem.optimizerBytes());
        memory.put("activationsBytes", mem.activationsBytes());
        memory.put("activationsBytesByStage", activationsByStage(r));
        memory.put("commBuffersBytes", mem.commBuffersBytes());
        memory.put("peakBytes", mem.peakBytes());
        Map<String, Long> peaks = new LinkedHashMap<>();
        for (MemCategory c : MemCategory.values())
            if (mem.peakByCategory().containsKey(c.label())) peaks.put(c.label(), mem.peakByCategory().get(c.label()));
        memory.put("peakByCategory", peaks);
        m.put("memory", memory);
        m.put("superstepsPerStep", r.superstepsPerStep());
        // Wall-clock seconds stay on the console (sim run's table): a report's bytes depend only on its inputs.
        return m;
    }

    /** {@return the memory report of one pipeline stage: each category's largest over that stage's ranks} */
    static MemoryReport stageMemory(ExecutedResult r, int stage) {
        java.util.List<dev.parasim.exec.MemorySnapshot> ranks = r.ranks().stream().filter(d -> d.stage() == stage)
                .map(dev.parasim.exec.RankDetail::memory).toList();
        Map<String, Long> peaks = new LinkedHashMap<>();
        for (MemCategory c : MemCategory.values()) peaks.put(c.label(), ranks.stream().mapToLong(s -> s.peak(c)).max().orElse(0));
        return new MemoryReport(ranks.stream().mapToLong(s -> s.live(MemCategory.PARAMS)).max().orElse(0),
                ranks.stream().mapToLong(s -> s.live(MemCategory.GRADS)).max().orElse(0),
                ranks.stream().mapToLong(s -> s.live(MemCategory.OPTIMIZER)).max().orElse(0),
                peaks.get(MemCategory.ACTIVATIONS.label()), peaks.get(MemCategory.COMM_BUFFERS.label()),
                ranks.stream().mapToLong(dev.parasim.exec.MemorySnapshot::peakTotal).max().orElse(0), peaks);
    }

    /** {@return per pipeline stage, the largest peak activation bytes of its ranks: what the prediction's list holds per stage} */
    static java.util.List<Long> activationsByStage(ExecutedResult r) {
        long[] peaks = new long[r.pp()];
        for (dev.parasim.exec.RankDetail d : r.ranks())
            peaks[d.stage()] = Math.max(peaks[d.stage()], d.memory().peak(MemCategory.ACTIVATIONS));
        return java.util.Arrays.stream(peaks).boxed().toList();
    }
}
