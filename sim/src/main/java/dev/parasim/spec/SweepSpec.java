package dev.parasim.spec;

import java.util.List;

/**
 * A plan-space search: a model, a cluster shape, the GPU counts to try, training settings (micro-batch
 * and recompute come from the axes) and the axes and constraints of the search.
 */
public record SweepSpec(String name, ModelSpec model, ClusterSpec cluster, List<Integer> gpus, TrainingSpec training,
                        Axes axes, Constraints constraints) {

    /**
     * Most combinations a sweep may span (GPU counts × every axis, before validity rules); larger spaces are refused.
     * A large sweep streams (its driver holds bounded answers, not rows), so the bound is time: 16 million combinations
     * are about 5 million distinct candidates, minutes on two cores.
     */
    public static final long MAX_CANDIDATES = 16_000_000;

    public SweepSpec {
        Check.fileName("name", name);
        gpus = List.copyOf(gpus);
        for (int i = 0; i < gpus.size(); i++) {
            int g = gpus.get(i);
            if (g <= 0 || g % cluster.gpusPerNode() != 0)
                throw new SpecException("gpus[" + i + "]", "must be a positive multiple of cluster.gpusPerNode (" + cluster.gpusPerNode() + ")", g);
            Check.atMost("gpus[" + i + "]", g, Limits.MAX_GPUS);
        }
        distinct("gpus", gpus);
        // A double: lists of a 1 MiB file can multiply past a long; the comparison needs no exactness there.
        double candidates = (double) gpus.size() * axes.size();
        if (candidates > MAX_CANDIDATES)
            throw new SpecException("axes", "gpus × axes must span at most " + MAX_CANDIDATES + " combinations",
                    String.format(java.util.Locale.ROOT, "%.0f", candidates));
    }

    /** Rejects a list that names a value twice (it would count the same plans again). */
    static <T> List<T> distinct(String field, List<T> values) {
        for (int i = 0; i < values.size(); i++)
            if (values.indexOf(values.get(i)) != i)
                throw new SpecException(field + "[" + i + "]", "must not repeat " + field + "[" + values.indexOf(values.get(i)) + "]",
                        values.get(i) instanceof ZeroStage z ? z.number() : values.get(i) instanceof dev.parasim.spec.Node.Labelled l
                                ? l.label() : values.get(i));
        return values;
    }

    /** The values each plan dimension may take; the space is their product. */
    public record Axes(List<Integer> tp, List<Integer> pp, List<Integer> cp, List<ZeroStage> zero,
                       List<PipelineSchedule> schedule, List<Integer> chunks, List<Integer> microBatch,
                       List<Recompute> recompute, List<Boolean> sequenceParallel, List<Integer> ep) {
        public Axes {
            ep = positive("ep", ep);
            tp = positive("tp", tp);
            pp = positive("pp", pp);
            cp = positive("cp", cp);
            chunks = positive("chunks", chunks);
            microBatch = positive("microBatch", microBatch);
            zero = distinct("zero", List.copyOf(zero));
            schedule = distinct("schedule", List.copyOf(schedule));
            recompute = distinct("recompute", List.copyOf(recompute));
            sequenceParallel = distinct("sequenceParallel", List.copyOf(sequenceParallel));
        }

        /** {@return how many raw combinations one GPU count spans, before validity rules (a double: it may pass a long)} */
        public double size() {
            return (double) tp.size() * pp.size() * cp.size() * zero.size() * schedule.size() * chunks.size()
                    * microBatch.size() * recompute.size() * sequenceParallel.size() * ep.size();
        }

        /** Axes without expert parallelism (ep 1). */
        public Axes(List<Integer> tp, List<Integer> pp, List<Integer> cp, List<ZeroStage> zero, List<PipelineSchedule> schedule,
                    List<Integer> chunks, List<Integer> microBatch, List<Recompute> recompute, List<Boolean> sequenceParallel) {
            this(tp, pp, cp, zero, schedule, chunks, microBatch, recompute, sequenceParallel, List.of(1));
        }

        private static List<Integer> positive(String field, List<Integer> values) {
            for (int i = 0; i < values.size(); i++)
                Check.atMost(field + "[" + i + "]", Check.positive(field + "[" + i + "]", values.get(i)), Limits.MAX_GPUS);
            return distinct(field, List.copyOf(values));
        }
    }

    /**
     * @param tpWithinNode keep tensor parallelism inside one node (tp ≤ gpusPerNode)
     * @param mustFit      rank only plans that fit in memory (the others are kept, marked oom)
     * @param tokenBudget  tokens of the whole training run, to report days to train (0: not reported)
     * @param topK         how many plans the top-k table lists
     */
    public record Constraints(boolean tpWithinNode, boolean mustFit, double tokenBudget, int topK) {
        public Constraints {
            Check.nonNegative("tokenBudget", tokenBudget);
            Check.positive("topK", topK);
        }
    }
}
