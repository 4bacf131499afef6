package dev.parasim.exec;

import dev.parasim.spec.PipelineSchedule;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Which parameters one pipeline stage holds, as its own units ("local units", the flat buffers its
 * gradient sync and optimizer work on). With p stages and v chunks each there are P = p·v virtual
 * stages, virtual stage i holding split[i] consecutive layers (the plan's {@code workload.StageSplit}: L/P each
 * when P divides L, else its default or explicit uneven split); chunk c of stage s is virtual stage c·p + s
 * (Megatron's interleaving). The
 * first virtual stage also holds the embedding (model unit 0), the last the final norm (unit L+1)
 * and, when p > 1, its own copy of the tied word embedding wte (Megatron: the copy's gradient is
 * all-reduced with the first stage's). Local units, chunk by chunk: [embedding], layers…, [final
 * norm + wte copy as one unit, as {@code workload.Parameters.stageUnits} counts it].
 *
 * @param stage      this stage s
 * @param pp         stages p
 * @param chunks     chunks per stage v
 * @param schedule   the pipeline schedule (its pass order comes from {@code program.PipelineOrder})
 * @param units      each local unit's parts, in storage order
 * @param layers     L
 * @param split      layers of each virtual stage 0 … P−1 (they sum to L, each at least 1)
 * @param wteElements V·h, the tied word embedding (the first tensor of unit 0)
 */
record StageLayout(int stage, int pp, int chunks, PipelineSchedule schedule, List<List<Part>> units, int layers,
                   List<Integer> split, int wteElements) implements Serializable {

    /** Elements [offset, offset + length) of model unit {@code modelUnit}, stored consecutively in a local unit. */
    public record Part(int modelUnit, int offset, int length) implements Serializable {
        public Part {
            if (offset < 0 || length <= 0) throw new IllegalArgumentException("part of unit " + modelUnit + ": bad bounds");
        }
    }

    public StageLayout {
        units = units.stream().map(List::copyOf).toList();
        if (stage < 0 || stage >= pp) throw new IllegalArgumentException("stage: must be in [0, " + pp + "), found " + stage);
        split = List.copyOf(split);
        if (split.size() != pp * chunks)
            throw new IllegalArgumentException("split: must have pp·chunks = " + pp * chunks + " entries, found " + split);
        if (split.stream().mapToInt(Integer::intValue).sum() != layers || split.stream().anyMatch(l -> l < 1))
            throw new IllegalArgumentException("split: must be at least 1 layer each, summing to " + layers + ", found " + split);
    }

    /** {@return stage {@code stage}'s layout of {@code model} in a pipeline of p stages, v chunks each, split as {@code split}} */
    public static StageLayout of(ExecModel model, int stage, int p, int v, PipelineSchedule schedule, List<Integer> split) {
        return of(model, stage, p, v, schedule, split, model::unitSize, model.tiedHeadElements());
    }

    /**
     * {@return the layout over units of {@code unitSize(u)} elements whose first {@code wte} elements of
     * unit 0 are the word embedding} (a TP rank's shards: {@code exec.model.TpShards}, wte = V·h/t)
     */
    public static StageLayout of(ExecModel model, int stage, int p, int v, PipelineSchedule schedule, List<Integer> split,
                                 java.util.function.IntUnaryOperator unitSize, int wte) {
        int layers = model.units() - 2;
        List<List<Part>> units = new ArrayList<>();
        for (int c = 0; c < v; c++) {
            int virtual = c * p + stage, first = firstLayer(split, virtual);
            if (virtual == 0) units.add(List.of(new Part(0, 0, unitSize.applyAsInt(0))));
            for (int l = 0; l < split.get(virtual); l++) {
                int u = 1 + first + l;
                units.add(List.of(new Part(u, 0, unitSize.applyAsInt(u))));
            }
            if (virtual == p * v - 1) {
                int norm = layers + 1;
                units.add(p == 1 ? List.of(new Part(norm, 0, unitSize.applyAsInt(norm)))
                        : List.of(new Part(norm, 0, unitSize.applyAsInt(norm)), new Part(0, 0, wte)));
            }
        }
        return new StageLayout(stage, p, v, schedule, units, layers, split, wte);
    }

    /** {@return the model layer (0-based) virtual stage {@code virtual} starts at} */
    private static int firstLayer(List<Integer> split, int virtual) {
        int sum = 0;
        for (int i = 0; i < virtual; i++) sum += split.get(i);
        return sum;
    }

    /** {@return elements of local unit u} */
    public int size(int u) {
        int total = 0;
        for (Part part : units.get(u)) total += part.length();
        return total;
    }

    public boolean first() { return stage == 0; }

    public boolean last() { return stage == pp - 1; }

    /** {@return virtual stage of chunk c: c·p + s} */
    public int virtualStage(int chunk) { return chunk * pp + stage; }

    /** {@return the model units chunk c runs, in forward order} */
    public int[] chunkUnits(int chunk) {
        int virtual = virtualStage(chunk), first = firstLayer(split, virtual);
        int from = virtual == 0 ? 0 : 1 + first;
        int to = virtual == pp * chunks - 1 ? layers + 1 : first + split.get(virtual);
        int[] out = new int[to - from + 1];
        for (int i = 0; i < out.length; i++) out[i] = from + i;
        return out;
    }

    /** {@return [local unit, offset] where model unit {@code modelUnit}'s parameters start (its full copy, not the wte copy)} */
    public int[] locate(int modelUnit) {
        for (int u = 0; u < units.size(); u++)
            if (units.get(u).get(0).modelUnit() == modelUnit) return new int[] {u, 0};
        throw new IllegalArgumentException("stage " + stage + " holds no model unit " + modelUnit);
    }

    /** {@return [local unit, offset] of the wte this stage's head reads: the copy on a last stage of p > 1, else unit 0's} */
    public int[] headWeights() {
        int u = units.size() - 1;
        List<Part> head = units.get(u);
        return head.size() == 2 ? new int[] {u, head.get(0).length()} : locate(0);
    }

    /** {@return the initial values of local unit u: its parts of the model's initial units} */
    public double[] init(ExecModel model, int u, long seed) {
        return init(unit -> model.initUnit(unit, seed), u);
    }

    /** {@return the initial values of local unit u from {@code unitInit} (a model unit's, or a TP rank's shard of it)} */
    public double[] init(java.util.function.IntFunction<double[]> unitInit, int u) {
        double[] out = new double[size(u)];
        int at = 0;
        for (Part part : units.get(u)) {
            System.arraycopy(unitInit.apply(part.modelUnit()), part.offset(), out, at, part.length());
            at += part.length();
        }
        return out;
    }
}
