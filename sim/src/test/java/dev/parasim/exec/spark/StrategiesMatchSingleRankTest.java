package dev.parasim.exec.spark;

import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.Experiments;
import dev.parasim.spec.Experiment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DDP and ZeRO-1/2/3 with Adam and 2 micro-batches of accumulation train exactly like one rank
 * (SingleDeviceTrainer): after 3 steps every unit's parameters agree to 1e-5 of the unit's largest
 * parameter in fp32 (1e-10 in fp64), and so do the losses.
 */
class StrategiesMatchSingleRankTest {

    @ParameterizedTest(name = "zero {0}, dp {1}")
    @CsvSource({"0,2", "0,4", "0,8", "1,2", "1,4", "1,8", "2,2", "2,4", "2,8", "3,2", "3,4", "3,8"})
    void fp32MatchesSingleRank(int zero, int dp) {
        check(Experiments.tiny(dp, zero, 2, "fp32", false, 0.004), 1e-5);
    }

    /** fp64 for every stage at dp 2, 4 and 8, plus ZeRO-3 at odd dp 3 (padded shards). */
    @ParameterizedTest(name = "zero {0}, dp {1}")
    @CsvSource({"0,2", "0,4", "0,8", "1,2", "1,4", "1,8", "2,2", "2,4", "2,8", "3,2", "3,3", "3,4", "3,8"})
    void fp64MatchesSingleRank(int zero, int dp) {
        check(Experiments.tiny(dp, zero, 2, "fp32", true, 0.004), 1e-10);
    }

    private static void check(Experiment e, double tolerance) {
        ExecutedResult r = ExecutedRun.inProcess(e, e.plans().get(0), ExecutedRun.Options.DEFAULT);
        System.out.printf("%s %s: diff %.3g losses %s ref %s, %d supersteps/step, %.2f s%n", r.plan(), r.precision(),
                r.maxRelativeParamDiffVsSingleRank(), r.losses(), r.singleRankLosses(), r.superstepsPerStep(), r.seconds());
        assertTrue(r.maxRelativeParamDiffVsSingleRank() <= tolerance, "param diff " + r.maxRelativeParamDiffVsSingleRank());
        for (int s = 0; s < r.losses().size(); s++)
            assertEquals(r.singleRankLosses().get(s), r.losses().get(s), tolerance * Math.abs(r.singleRankLosses().get(s)));
        assertTrue(r.losses().get(2) < r.losses().get(0), "loss falls: " + r.losses());
    }
}
