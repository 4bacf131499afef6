package dev.parasim.exec;

import java.util.Random;

/**
 * A stand-in model with the GPT's unit structure, in plain Java: unit 0 = token and position
 * embeddings, units 1..L = residual tanh layers x + tanh(xW + b), unit L+1 = an affine norm
 * x·g + β, and a head tied to the token embedding with mean next-token cross-entropy. Tokens are a
 * pure function of (seed, step, sequence, position).
 */
public final class TinyTiedModel implements ExecModel {
    private static final long serialVersionUID = 1L;
    private final int layers, hidden, vocab, seqLen;
    private final long dataSeed;

    public TinyTiedModel(int layers, int hidden, int vocab, int seqLen, long dataSeed) {
        this.layers = layers;
        this.hidden = hidden;
        this.vocab = vocab;
        this.seqLen = seqLen;
        this.dataSeed = dataSeed;
    }

    @Override public int units() { return layers + 2; }

    @Override
    public int unitSize(int u) {
        if (u == 0) return (vocab + seqLen) * hidden;
        return u == layers + 1 ? 2 * hidden : hidden * hidden + hidden;
    }

    @Override
    public double[] initUnit(int u, long seed) {
        Random rng = new Random(seed * 1_000_003L + u);
        double[] p = new double[unitSize(u)];
        if (u == layers + 1) {
            for (int i = 0; i < hidden; i++) p[i] = 1;
        } else {
            int weights = u == 0 ? p.length : hidden * hidden;
            for (int i = 0; i < weights; i++) p[i] = 0.1 * rng.nextGaussian();
        }
        return p;
    }

    int token(long step, long sequence, int position) {
        long x = dataSeed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + sequence * 0x94D049BB133111EBL + position;
        x ^= x >>> 31;
        x *= 0xD6E8FEB86659FD93L;
        x ^= x >>> 29;
        return (int) Math.floorMod(x, (long) vocab);
    }

    @Override
    public Pass begin(long step, int index, int sequences, boolean fp64) {
        int rows = sequences * seqLen;
        int[] tokens = new int[rows];
        int[] targets = new int[rows];
        for (int i = 0; i < sequences; i++)
            for (int t = 0; t < seqLen; t++) {
                tokens[i * seqLen + t] = token(step, (long) index * sequences + i, t);
                targets[i * seqLen + t] = token(step, (long) index * sequences + i, t + 1);
            }
        return new TinyPass(this, tokens, targets, fp64);
    }

    int layers() { return layers; }

    int hidden() { return hidden; }

    int vocab() { return vocab; }

    int seqLen() { return seqLen; }
}
