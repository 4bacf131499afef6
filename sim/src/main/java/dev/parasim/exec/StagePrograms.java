package dev.parasim.exec;

import java.util.List;

/** The programs of a run on a dp × tp × pp grid: every rank runs the {@link StrategyProgram} of its stage and TP index. */
final class StagePrograms implements RankPrograms {
    private static final long serialVersionUID = 1L;

    private final StrategyProgram[][] programs;
    private final RankGrid grid;
    private final int supersteps;

    private StagePrograms(StrategyProgram[][] programs, RankGrid grid) {
        if (programs.length != grid.pp() || programs[0].length != grid.tp())
            throw new IllegalArgumentException("programs: must be pp × tp = " + grid.pp() + " × " + grid.tp() + ", found "
                    + programs.length + " × " + programs[0].length);
        this.programs = programs.clone();
        this.grid = grid;
        int most = 0;
        for (StrategyProgram[] stage : programs)
            for (StrategyProgram s : stage) most = Math.max(most, s.supersteps(Math.max(grid.dp(), grid.tp())));
        this.supersteps = most;
    }

    /** {@return the programs of {@code grid}'s ranks, stage s and TP index i running {@code programs[s][i]}} */
    public static StagePrograms of(StrategyProgram[][] programs, RankGrid grid) { return new StagePrograms(programs, grid); }

    @Override
    public RankProgram of(int rank) { return programs[grid.stage(rank)][grid.tpIndex(rank)]; }

    @Override
    public int supersteps() { return supersteps; }

    /**
     * {@return the model's units put back together from every rank's owned shards of its local units}
     * ({@code shards} in rank order; TP shards reassembled by {@code exec.model.TpShards}); the last
     * stage's wte copy is skipped (see {@link #wteCopy}).
     */
    public static double[][] assemble(StrategyProgram[][] programs, RankGrid grid, List<double[][]> shards) {
        ExecModel model = programs[0][0].model();
        int t = grid.tp();
        // Per model unit and TP index, the shard put together from the stages' local units (the wte copy skipped).
        double[][][] byUnit = new double[model.units()][t][];
        for (int s = 0; s < programs.length; s++) {
            StageLayout layout = programs[s][0].layout();
            for (int u = 0; u < layout.units().size(); u++) {
                for (int i = 0; i < t; i++) {
                    double[] local = local(programs[s][i], grid, shards, s, i, u);
                    int at = 0;
                    for (StageLayout.Part part : layout.units().get(u)) {
                        boolean copy = part.modelUnit() == 0 && layout.units().get(u).get(0).modelUnit() != 0;
                        if (!copy) {
                            double[] target = byUnit[part.modelUnit()][i];
                            if (target == null) target = byUnit[part.modelUnit()][i] = new double[part.offset() + part.length()];
                            System.arraycopy(local, at, target, part.offset(), part.length());
                        }
                        at += part.length();
                    }
                }
            }
        }
        double[][] full = new double[model.units()][];
        for (int u = 0; u < full.length; u++) full[u] = t == 1 ? byUnit[u][0] : reassemble(programs[0][0], u, byUnit[u]);
        return full;
    }

    private static double[] reassemble(StrategyProgram program, int u, double[][] parts) {
        org.nd4j.linalg.api.ndarray.INDArray[] nd = new org.nd4j.linalg.api.ndarray.INDArray[parts.length];
        for (int i = 0; i < parts.length; i++) nd[i] = org.nd4j.linalg.factory.Nd4j.createFromArray(parts[i]);
        return program.tensorParallel().shards().reassemble(u, nd).toDoubleVector();
    }

    /** {@return the last stage's copy of wte, TP shards reassembled (null when pp = 1)} */
    public static double[] wteCopy(StrategyProgram[][] programs, RankGrid grid, List<double[][]> shards) {
        if (programs.length == 1) return null;
        int t = grid.tp();
        double[][] parts = new double[t][];
        int wte = 0;
        for (int i = 0; i < t; i++) {
            StrategyProgram last = programs[programs.length - 1][i];
            int[] at = last.layout().headWeights();
            wte = last.layout().wteElements();
            double[] local = local(last, grid, shards, programs.length - 1, i, at[0]);
            parts[i] = new double[t == 1 ? wte : Math.toIntExact(last.tensorParallel().shards().shardSize(0))];
            System.arraycopy(local, at[1], parts[i], 0, wte);
        }
        if (t == 1) return parts[0];
        return java.util.Arrays.copyOf(reassemble(programs[0][0], 0, parts), wte * t);
    }

    /** Local unit u of stage s, TP index i, from its dp ranks' shards. */
    private static double[] local(StrategyProgram program, RankGrid grid, List<double[][]> shards, int s, int i, int u) {
        int size = program.unitSize(u);
        double[] out = new double[size];
        int c = shards.get(grid.rank(i, 0, s))[u].length;
        for (int k = 0; k < size; k++) out[k] = shards.get(grid.rank(i, k / c, s))[u][k % c];
        return out;
    }
}
