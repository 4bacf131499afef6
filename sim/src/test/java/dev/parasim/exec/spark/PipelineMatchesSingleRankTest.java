package dev.parasim.exec.spark;

import dev.parasim.exec.ExecutedResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Executed pipelines train exactly like one rank (SingleDeviceTrainer): after 3 Adam steps every unit's
 * parameters — and the last stage's copy of the tied wte — agree to 1e-5 of the unit's largest parameter
 * in fp32, and so do the per-step losses; for pp 2 and 4 under every schedule, and with DP composed
 * (dp 2 × pp 2 DDP and ZeRO-1, dp 4 × pp 2, dp 2 × pp 2 interleaved ZeRO-1).
 */
class PipelineMatchesSingleRankTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.parasim.exec.spark.PipelineRuns#all")
    void matchesSingleRank(PipelineRuns.Config c) {
        ExecutedResult r = PipelineRuns.result(c);
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= 1e-5, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        assertEquals(3, r.losses().size());
        for (int s = 0; s < r.losses().size(); s++)
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), 1e-5 * Math.abs(r.singleRankLosses().get(s)));
        assertTrue(r.losses().get(2) < r.losses().get(0), "loss falls: " + r.losses());
    }
}
