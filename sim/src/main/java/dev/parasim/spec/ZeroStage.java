package dev.parasim.spec;

/** ZeRO sharding stage across the data-parallel group (0 = plain DDP; 3 ≈ FSDP full shard). */
public enum ZeroStage {
    DDP, OPTIMIZER, GRADIENTS, PARAMETERS;

    /** {@return the stage for a spec's {@code zero: n}} */
    public static ZeroStage of(int stage, String path) {
        if (stage < 0 || stage > 3) throw new SpecException(path, "must be in 0..3", stage);
        return values()[stage];
    }

    public int number() { return ordinal(); }

    public boolean shardsOptimizer() { return ordinal() >= 1; }

    public boolean shardsGradients() { return ordinal() >= 2; }

    public boolean shardsParameters() { return ordinal() >= 3; }
}
