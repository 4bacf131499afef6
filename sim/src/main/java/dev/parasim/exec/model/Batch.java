package dev.parasim.exec.model;

/**
 * A micro-batch of {@code sequences} token sequences of equal length and their next-token targets
 * ({@code targets[i][t]} is the token that follows {@code tokens[i][t]}), and each sequence's key, from which its
 * dropout masks are drawn ({@link Dropout}): a sequence gets the same masks whichever rank or micro-batch runs it.
 * Arrays are copied in and out.
 */
public record Batch(int[][] tokens, int[][] targets, long[] keys) implements java.io.Serializable {

    /** A batch whose sequences' keys are their indices 0 … b − 1 (tests). */
    public Batch(int[][] tokens, int[][] targets) {
        this(tokens, targets, java.util.stream.LongStream.range(0, tokens.length).toArray());
    }

    public Batch {
        if (keys.length != tokens.length)
            throw new IllegalArgumentException("keys: must hold one per sequence (" + tokens.length + "), found " + keys.length);
        keys = keys.clone();
        if (tokens.length == 0) throw new IllegalArgumentException("tokens: must hold at least one sequence, found 0");
        if (targets.length != tokens.length)
            throw new IllegalArgumentException("targets: must hold " + tokens.length + " sequences, found " + targets.length);
        int s = tokens[0].length;
        if (s == 0) throw new IllegalArgumentException("tokens: sequences must be non-empty, found length 0");
        int[][] t = new int[tokens.length][];
        int[][] y = new int[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].length != s || targets[i].length != s)
                throw new IllegalArgumentException("tokens[" + i + "]: every sequence and target must have length " + s
                        + ", found " + tokens[i].length + " and " + targets[i].length);
            t[i] = tokens[i].clone();
            y[i] = targets[i].clone();
        }
        tokens = t;
        targets = y;
    }

    @Override public int[][] tokens() { return deepCopy(tokens); }

    @Override public int[][] targets() { return deepCopy(targets); }

    @Override public long[] keys() { return keys.clone(); }

    /** {@return number of sequences b} */
    public int sequences() { return tokens.length; }

    /** {@return tokens per sequence s} */
    public int seqLen() { return tokens[0].length; }

    /** {@return tokens in the micro-batch: b·s} */
    public int tokenCount() { return sequences() * seqLen(); }

    /** {@return token ids flattened row-major: index i·s + t} */
    public int[] flatTokens() { return flatten(tokens); }

    /** {@return targets flattened row-major: index i·s + t} */
    public int[] flatTargets() { return flatten(targets); }

    private static int[] flatten(int[][] a) {
        int s = a[0].length;
        int[] flat = new int[a.length * s];
        for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, flat, i * s, s);
        return flat;
    }

    private static int[][] deepCopy(int[][] a) {
        int[][] c = new int[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }
}
