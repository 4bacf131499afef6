package dev.parasim.spec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A plan's own rules (those that tie it to the model and cluster are {@link Experiment}'s): one line each, path, rule, value. */
class ParallelPlanTest {

    private static String refused(int dp, int tp, int pp, int cp, PipelineSchedule schedule, int chunks, boolean sp,
                                  List<Integer> stageLayers) {
        return assertThrows(SpecException.class, () -> new ParallelPlan("p", dp, tp, pp, cp, ZeroStage.DDP, schedule, chunks,
                sp, stageLayers)).getMessage();
    }

    @Test
    void degreesMustBePositive() {
        assertEquals("tp: must be positive, found 0", refused(1, 0, 1, 1, PipelineSchedule.ONE_F_ONE_B, 1, false, List.of()));
        assertEquals("cp: must be positive, found -2", refused(1, 1, 1, -2, PipelineSchedule.ONE_F_ONE_B, 1, false, List.of()));
    }

    @Test
    void scheduleRules() {
        assertEquals("chunks: may exceed 1 only with schedule interleaved, found 2",
                refused(1, 1, 4, 1, PipelineSchedule.ONE_F_ONE_B, 2, false, List.of()));
        assertEquals("schedule: interleaved needs pp > 1, found \"interleaved\"",
                refused(8, 1, 1, 1, PipelineSchedule.INTERLEAVED, 2, false, List.of()));
        assertEquals("sequenceParallel: needs tp > 1, found true",
                refused(8, 1, 1, 1, PipelineSchedule.ONE_F_ONE_B, 1, true, List.of()));
    }

    @Test
    void stageLayersHaveOneEntryPerVirtualStage() {
        assertEquals("stageLayers: must have one entry per virtual stage (pp·chunks = 8), found a list of 4",
                refused(1, 1, 4, 1, PipelineSchedule.INTERLEAVED, 2, false, List.of(4, 4, 4, 4)));
        assertEquals("stageLayers[1]: must be at least 1, found 0",
                refused(1, 1, 2, 1, PipelineSchedule.ONE_F_ONE_B, 1, false, List.of(5, 0)));
    }

    @Test
    void worldAndWithZero() {
        ParallelPlan p = new ParallelPlan("p", 8, 4, 2, 2, ZeroStage.DDP, PipelineSchedule.ONE_F_ONE_B, 1, true);
        assertEquals(128, p.world());
        ParallelPlan z = p.withZero(ZeroStage.PARAMETERS);
        assertEquals(ZeroStage.PARAMETERS, z.zero());
        assertEquals(p, z.withZero(ZeroStage.DDP));
    }
}
