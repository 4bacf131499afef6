package dev.parasim.workload;

import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a plan's L transformer layers split over its P = p·v virtual pipeline stages (virtual stage c·p + s is chunk c
 * of stage s, Megatron's interleaving; the first virtual stage also holds the embedding, the last the final norm and
 * the head). The plan's {@code stageLayers} when given; otherwise the default split:
 * <ul>
 * <li>as even as possible: with q = ⌊L/P⌋ and r = L mod P, r virtual stages hold q + 1 layers and P − r hold q;</li>
 * <li>the P − r smaller shares go to the virtual stages nearest the model's ends, taken in the order last, first,
 *   second-to-last, second, third-to-last, … (virtual P−1, 0, P−2, 1, P−3, 2, …). So whenever the division leaves
 *   at least two smaller shares the first and the last virtual stage — which also carry the embedding and the head —
 *   take them; when it leaves one (r = P − 1) the last takes it, the head being the heavier end.</li>
 * </ul>
 * BLOOM's 70 layers on 12 stages: 5, 6 × 10, 5 (BLOOM's published layout); Llama 3 405B's 126 layers on 16 stages:
 * 7, 8 × 14, 7, and on 8 stages × 8 chunks: 1, 2 × 62, 1 (one layer fewer on the first and last, as Llama 3 did).
 * When P divides L every virtual stage holds L/P layers, as before uneven stages existed.
 */
public final class StageSplit {
    private final int pp;
    private final int chunks;
    private final int[] layers;
    private final boolean even;

    private StageSplit(int pp, int chunks, int[] layers) {
        this.pp = pp;
        this.chunks = chunks;
        this.layers = layers;
        boolean same = true;
        for (int l : layers) same &= l == layers[0];
        this.even = same;
    }

    /**
     * Default splits already made, by (layers, pp, chunks): the accountant asks for a plan's split once per unit and
     * pass, and a sweep evaluates thousands of plans of a few shapes (a split is immutable, so they share it).
     */
    private static final Map<Long, StageSplit> DEFAULTS = new ConcurrentHashMap<>();
    /** Default splits kept at most (a sweep meets a few dozen shapes). */
    private static final int MAX_DEFAULTS = 4096;

    /**
     * The default split this thread asked for last, and its key: a plan's evaluation asks for the same one dozens of
     * times. Per thread: one field shared by a sweep's evaluating threads, each on its own shapes, missed on nearly every
     * call and bounced its cache line between the cores (a second evaluating thread slowed the first by a fifth).
     */
    private record Last(long key, StageSplit split) {}
    private static final ThreadLocal<Last> LAST = new ThreadLocal<>();

    /** {@return the split of {@code m}'s layers over {@code plan}'s virtual stages: its stageLayers, else the default} */
    public static StageSplit of(ModelSpec m, ParallelPlan plan) {
        if (plan.stageLayers().isEmpty()) {
            long key = ((long) m.layers() << 40) | ((long) plan.pp() << 20) | plan.chunks();
            Last known = LAST.get();
            if (known != null && known.key == key) return known.split;
            StageSplit split = DEFAULTS.get(key);
            if (split == null) {
                split = new StageSplit(plan.pp(), plan.chunks(), balanced(m.layers(), plan.pp() * plan.chunks()));
                if (DEFAULTS.size() < MAX_DEFAULTS) DEFAULTS.put(key, split);
            }
            LAST.set(new Last(key, split));
            return split;
        }
        return new StageSplit(plan.pp(), plan.chunks(), plan.stageLayers().stream().mapToInt(Integer::intValue).toArray());
    }


    /** {@return the default split of {@code layers} over {@code virtualStages} (1 ≤ virtualStages ≤ layers), per the class comment} */
    public static int[] balanced(int layers, int virtualStages) {
        if (virtualStages < 1 || virtualStages > layers)
            throw new IllegalArgumentException("virtualStages: must be in [1, " + layers + "], found " + virtualStages);
        int q = layers / virtualStages, smaller = virtualStages - layers % virtualStages;
        int[] split = new int[virtualStages];
        Arrays.fill(split, q + 1);
        if (smaller == virtualStages) {
            Arrays.fill(split, q);
            return split;
        }
        // The k-th smaller share (k = 0, 1, …) goes to virtual P−1−k/2 for even k, k/2 for odd k.
        for (int k = 0; k < smaller; k++) split[k % 2 == 0 ? virtualStages - 1 - k / 2 : k / 2] = q;
        return split;
    }

    /** {@return layers of virtual stage {@code virtual} (0 … p·v − 1)} */
    public int layers(int virtual) { return layers[virtual]; }

    /** {@return layers of chunk {@code chunk} of stage {@code stage}: virtual stage chunk·p + stage} */
    public int chunkLayers(int stage, int chunk) { return layers[chunk * pp + stage]; }

    /** {@return layers every rank of stage {@code stage} holds: the sum over its v chunks} */
    public int stageLayers(int stage) {
        int sum = 0;
        for (int c = 0; c < chunks; c++) sum += layers[c * pp + stage];
        return sum;
    }

    /** {@return the model layer (0-based) virtual stage {@code virtual} starts at} */
    public int firstLayer(int virtual) {
        int sum = 0;
        for (int i = 0; i < virtual; i++) sum += layers[i];
        return sum;
    }

    /** {@return whether every virtual stage holds the same number of layers} */
    public boolean even() { return even; }

    /** {@return the layers of every virtual stage, in order} */
    public List<Integer> toList() { return Arrays.stream(layers).boxed().toList(); }

    /** {@return the split with runs folded, as the docs write it: "5, 6 × 10, 5"} */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < layers.length; ) {
            int j = i;
            while (j < layers.length && layers[j] == layers[i]) j++;
            if (b.length() > 0) b.append(", ");
            b.append(layers[i]);
            if (j - i > 1) b.append(" × ").append(j - i);
            i = j;
        }
        return b.toString();
    }

    @Override
    public String toString() { return toList().toString(); }
}
