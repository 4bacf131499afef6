package dev.parasim.exec;

import java.util.List;

/** The programs of a pipelined run: every rank runs its stage's {@link StrategyProgram}. */
public final class StagePrograms implements RankPrograms {
    private static final long serialVersionUID = 1L;

    private final StrategyProgram[] stages;
    private final RankGrid grid;
    private final int supersteps;

    private StagePrograms(StrategyProgram[] stages, RankGrid grid) {
        if (stages.length != grid.pp())
            throw new IllegalArgumentException("stages: must be pp = " + grid.pp() + ", found " + stages.length);
        this.stages = stages.clone();
        this.grid = grid;
        int most = 0;
        for (StrategyProgram s : stages) most = Math.max(most, s.supersteps(grid.dp()));
        this.supersteps = most;
    }

    /** {@return the programs of {@code grid}'s ranks, stage s running {@code stages[s]}} */
    public static StagePrograms of(StrategyProgram[] stages, RankGrid grid) { return new StagePrograms(stages, grid); }

    @Override
    public RankProgram of(int rank) { return stages[grid.stage(rank)]; }

    @Override
    public int supersteps() { return supersteps; }

    /**
     * {@return the model's units put back together from every rank's owned shards of its local units}
     * ({@code shards} in rank order); the last stage's wte copy is skipped (see {@link #wteCopy}).
     */
    public static double[][] assemble(StrategyProgram[] stages, RankGrid grid, List<double[][]> shards) {
        ExecModel model = stages[0].model();
        double[][] full = new double[model.units()][];
        for (int u = 0; u < full.length; u++) full[u] = new double[model.unitSize(u)];
        for (int s = 0; s < stages.length; s++) {
            StageLayout layout = stages[s].layout();
            for (int u = 0; u < layout.units().size(); u++) {
                double[] local = local(stages[s], grid, shards, s, u);
                int at = 0;
                for (StageLayout.Part part : layout.units().get(u)) {
                    boolean copy = part.modelUnit() == 0 && layout.units().get(u).get(0).modelUnit() != 0;
                    if (!copy) System.arraycopy(local, at, full[part.modelUnit()], part.offset(), part.length());
                    at += part.length();
                }
            }
        }
        return full;
    }

    /** {@return the last stage's copy of wte (null when pp = 1)} */
    public static double[] wteCopy(StrategyProgram[] stages, RankGrid grid, List<double[][]> shards) {
        if (stages.length == 1) return null;
        StrategyProgram last = stages[stages.length - 1];
        int[] at = last.layout().headWeights();
        double[] local = local(last, grid, shards, stages.length - 1, at[0]);
        return java.util.Arrays.copyOfRange(local, at[1], at[1] + last.layout().wteElements());
    }

    /** Local unit u of stage s from its dp ranks' shards (tp index 0). */
    private static double[] local(StrategyProgram stage, RankGrid grid, List<double[][]> shards, int s, int u) {
        int size = stage.unitSize(u);
        double[] out = new double[size];
        int c = shards.get(grid.rank(0, 0, s))[u].length;
        for (int i = 0; i < size; i++) out[i] = shards.get(grid.rank(0, i / c, s))[u][i % c];
        return out;
    }
}
