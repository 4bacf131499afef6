package dev.parasim.exec.spark;

import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.PipelineExperiments;
import dev.parasim.exec.TestSpark;
import dev.parasim.spec.Experiment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Executed pipelines train exactly like one rank (SingleDeviceTrainer): after 3 Adam steps every unit's
 * parameters — and the last stage's copy of the tied wte — agree to 1e-5 of the unit's largest parameter
 * in fp32, and so do the per-step losses; for pp 2 and 4 under every schedule, and with DP composed.
 */
class PipelineMatchesSingleRankTest {

    @ParameterizedTest(name = "{1}×pp{2} {3} v{4} zero {5}, L{0}, m{6}")
    @CsvSource({
            "2,1,2,gpipe,1,0,2", "4,1,4,gpipe,1,0,4",
            "2,1,2,1f1b,1,0,2", "4,1,4,1f1b,1,0,4",
            "4,1,2,interleaved,2,0,2", "8,1,4,interleaved,2,0,4",
            "2,1,2,zb-h1,1,0,2", "4,1,4,zb-h1,1,0,4",
            "2,2,2,1f1b,1,0,2", "2,2,2,1f1b,1,1,2"})
    void matchesSingleRank(int layers, int dp, int pp, String schedule, int chunks, int zero, int m) {
        Experiment e = PipelineExperiments.tiny(layers, dp, pp, schedule, chunks, zero, m);
        ExecutedResult r = ExecutedRun.run(TestSpark.session(), e, e.plans().get(0));
        System.out.printf("%s: diff %.3g losses %s ref %s, %d supersteps/step, %.2f s%n", r.plan(),
                r.maxRelativeParamDiffVsSingleRank(), r.losses(), r.singleRankLosses(), r.superstepsPerStep(), r.seconds());
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= 1e-5, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        assertEquals(3, r.losses().size());
        for (int s = 0; s < r.losses().size(); s++)
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), 1e-5 * Math.abs(r.singleRankLosses().get(s)));
        assertTrue(r.losses().get(2) < r.losses().get(0), "loss falls: " + r.losses());
    }
}
