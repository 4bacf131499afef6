package dev.parasim.exec;

import java.io.Serializable;

/** The program of every rank of a run: the same for all (data parallelism) or one per pipeline stage. */
public interface RankPrograms extends Serializable {
    /** {@return the program rank {@code rank} runs} */
    RankProgram of(int rank);

    /**
     * {@return supersteps one step is expected to take}: exact for lockstep programs; a lower bound
     * when ranks wait for each other (the engine then runs on until every rank has finished its step)
     */
    int supersteps();

    /** {@return every rank running {@code program}, whose ops are in lockstep over a group of {@code n}} */
    static RankPrograms same(RankProgram program, int n) {
        int supersteps = program.supersteps(n);
        return new RankPrograms() {
            private static final long serialVersionUID = 1L;

            @Override public RankProgram of(int rank) { return program; }

            @Override public int supersteps() { return supersteps; }
        };
    }
}
