package dev.parasim.exec.model;

import java.util.SplittableRandom;

/**
 * Sequences from a fixed random first-order Markov chain over the vocabulary: after token a comes
 * its first successor with probability 3/4, its second with 1/8, and a uniformly drawn token with
 * 1/8. The chain is a function of the seed; so is every sequence.
 *
 * <p>Slicing: step t has an unbounded list of global sequences g = 0, 1, 2, …, sequence g being a
 * pure function of (seed, t, g). A global batch of B sequences is g ∈ [0, B). A data-parallel rank r
 * that runs m micro-batches of b sequences owns g ∈ [r·m·b, (r+1)·m·b), and its k-th micro-batch is
 * {@code batch(t, r·m + k, b)} = sequences [(r·m + k)·b, (r·m + k + 1)·b); the single-device run's
 * micro-batch j is {@code batch(t, j, b)}, so the two cover the same sequences in the same order.
 */
public final class SyntheticData implements java.io.Serializable {
    private static final double FIRST = 0.75;
    private static final double SECOND = 0.125;

    private final int vocab;
    private final int seqLen;
    private final long seed;
    private final int[] first;
    private final int[] second;

    public SyntheticData(int vocab, int seqLen, long seed) {
        if (vocab < 2) throw new IllegalArgumentException("vocab: must be at least 2, found " + vocab);
        if (seqLen < 1) throw new IllegalArgumentException("seqLen: must be positive, found " + seqLen);
        this.vocab = vocab;
        this.seqLen = seqLen;
        this.seed = seed;
        this.first = new int[vocab];
        this.second = new int[vocab];
        SplittableRandom chain = new SplittableRandom(Seeds.mix(seed, 0x4D41524BL));
        for (int a = 0; a < vocab; a++) {
            first[a] = chain.nextInt(vocab);
            int b = chain.nextInt(vocab - 1);
            second[a] = b >= first[a] ? b + 1 : b;
        }
    }

    /** {@return a data set shaped for {@code config}} */
    public static SyntheticData of(GptConfig config, long seed) {
        return new SyntheticData(config.vocab(), config.seqLen(), seed);
    }

    /** {@return micro-batch {@code microBatchIndex} of step {@code step}: global sequences [index·n, (index+1)·n)} */
    public Batch batch(long step, int microBatchIndex, int sequences) {
        return sequencesFor(step, (long) microBatchIndex * sequences, sequences);
    }

    /** {@return global sequences [from, from + count) of step {@code step}} */
    public Batch sequencesFor(long step, long globalSequenceIndexFrom, int count) {
        if (step < 0 || globalSequenceIndexFrom < 0 || count < 1)
            throw new IllegalArgumentException("step, from and count must be >= 0, >= 0, >= 1; found "
                    + step + ", " + globalSequenceIndexFrom + ", " + count);
        int[][] tokens = new int[count][];
        int[][] targets = new int[count][];
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) {
            int[] walk = walk(step, globalSequenceIndexFrom + i);
            tokens[i] = java.util.Arrays.copyOfRange(walk, 0, seqLen);
            targets[i] = java.util.Arrays.copyOfRange(walk, 1, seqLen + 1);
            keys[i] = Seeds.mix(seed, 0x44524F50L, step, globalSequenceIndexFrom + i);   // "DROP": its dropout masks
        }
        return new Batch(tokens, targets, keys);
    }

    /** {@return the expected next-token loss of the true chain in nats: the floor a perfect model reaches} */
    public double lossFloorNats() {
        double uniform = (1 - FIRST - SECOND) / vocab;
        double p1 = FIRST + uniform, p2 = SECOND + uniform;
        return -(p1 * Math.log(p1) + p2 * Math.log(p2) + (vocab - 2) * uniform * Math.log(uniform));
    }

    public int vocab() { return vocab; }

    public int seqLen() { return seqLen; }

    private int[] walk(long step, long sequence) {
        SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, step, sequence));
        int[] walk = new int[seqLen + 1];
        walk[0] = rng.nextInt(vocab);
        for (int t = 1; t <= seqLen; t++) {
            double u = rng.nextDouble();
            int prev = walk[t - 1];
            walk[t] = u < FIRST ? first[prev] : u < FIRST + SECOND ? second[prev] : rng.nextInt(vocab);
        }
        return walk;
    }
}
