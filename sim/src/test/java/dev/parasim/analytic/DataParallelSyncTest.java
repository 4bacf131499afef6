package dev.parasim.analytic;

import dev.parasim.Fixtures;
import dev.parasim.cost.PassTimes;
import dev.parasim.spec.Experiment;
import dev.parasim.timeline.Timelines;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DDP's bucketed gradient AllReduce behind the last backward ({@link StageCost#syncExposed}): golden values. */
class DataParallelSyncTest {

    static StageCost sync(double gradientSync, double bucketed, int buckets) {
        return new StageCost(new PassTimes(0, 0, 0), 0, 0, gradientSync, bucketed, buckets, 0, 0, 0, 0);
    }

    @Test
    void bucketsRunOneAfterAnotherAsTheBackwardProducesThemAndTheLastIsExposed() {
        // 10 buckets of 1 s behind a 20 s window: bucket j ready at 2j s, done at 2j + 1; the last ends 1 s past the window.
        assertEquals(1.0, sync(10, 10, 10).syncExposed(20), 1e-12);
        // Behind a 5 s window the link is the bottleneck: the first bucket starts at 0.5 s, the chain ends at 10.5 s.
        assertEquals(5.5, sync(10, 10, 10).syncExposed(5), 1e-12);
        // One bucket holding the whole gradient is ready only when the backward ends: nothing overlaps.
        assertEquals(10.0, sync(10, 10, 1).syncExposed(20), 1e-12);
        // Other once-a-step collectives (3 s) go first, from the window's start; the buckets wait for the link.
        assertEquals(1.0, sync(13, 10, 10).syncExposed(20), 1e-12);
        assertEquals(8.0, sync(13, 10, 10).syncExposed(5), 1e-12);
        // Without buckets (ZeRO-1's ReduceScatter, say) the earlier rule: what exceeds the window.
        assertEquals(0.0, sync(3, 0, 0).syncExposed(20), 1e-12);
        assertEquals(2.0, sync(7, 0, 0).syncExposed(5), 1e-12);
    }

    /**
     * A 1B-class dense model under DDP on DGX A100 80GB, one micro-batch per GPU: Narayanan et al. 2021's 1.7B at 12
     * layers, 0.89B parameters, so its bf16 gradient (1.77 GB) fits one 2,000 MB bucket.
     */
    static final String WEAK = """
            name: weak
            model: {preset: megatron-1.7b, layers: 12}
            cluster: {preset: dgx-a100-80g, nodes: 1}
            training: {globalBatch: 8, microBatch: 1, precision: bf16-mixed, recompute: selective}
            plans: [{name: ddp}]
            """;

    static double tokensPerGpu(int nodes, String... overrides) {
        String[] all = new String[overrides.length + 2];
        all[0] = "cluster.nodes=" + nodes;
        all[1] = "training.globalBatch=" + 8 * nodes;
        System.arraycopy(overrides, 0, all, 2, overrides.length);
        Experiment e = Fixtures.experiment(WEAK, all);
        PlanPrediction p = Accountant.predict(e, e.plans().get(0));
        return p.tokensPerSecond() / (8.0 * nodes);
    }

    @Test
    void weakScalingFallsAsTheSyncOutgrowsTheLastBackward() {
        int[] nodes = {1, 4, 32};
        // 2,048 tokens per GPU: the backward (~75 ms) hides all 71 buckets of 25 MB but the last, whose AllReduce grows
        // with the ring (NVLink only at 8 GPUs; across 4 and 32 nodes' NICs, with their latencies).
        assertFalls(new double[] {16999.46, 16967.44, 16952.70}, nodes);
        // 512 tokens per GPU: the backward (~20 ms) is shorter than the AllReduce of 1.77 GB (21 ms on NVLink, 41 ms
        // across 32 nodes): what the link has not finished when it ends is exposed, and tokens/s/GPU falls by 31%.
        assertFalls(new double[] {11151.27, 8718.51, 7738.59}, nodes, "model.seqLen=512");
    }

    static void assertFalls(double[] expected, int[] nodes, String... overrides) {
        double previous = Double.MAX_VALUE;
        for (int i = 0; i < nodes.length; i++) {
            double t = tokensPerGpu(nodes[i], overrides);
            assertEquals(expected[i], t, 0.005, nodes[i] * 8 + " GPUs " + String.join(" ", overrides));
            assertTrue(t < previous);
            previous = t;
        }
    }

    @Test
    void oneBucketOfTheWholeGradientOverlapsNothing() {
        Experiment small = Fixtures.experiment(WEAK, "cluster.nodes=32", "training.globalBatch=256");
        Experiment huge = Fixtures.experiment(WEAK, "cluster.nodes=32", "training.globalBatch=256", "training.bucketMB=2000");
        PlanPrediction p25 = Accountant.predict(small, small.plans().get(0)), p2000 = Accountant.predict(huge, huge.plans().get(0));
        StageCost c25 = Accountant.evaluate(small, small.plans().get(0)).stages().get(0);
        StageCost c = Accountant.evaluate(huge, huge.plans().get(0)).stages().get(0);
        assertEquals(71, c25.syncBuckets());
        assertEquals(1, c.syncBuckets());
        // 25 MB: only the last bucket's AllReduce shows; 2,000 MB: the whole AllReduce, after the backward.
        assertEquals(c25.gradientSync() / 71, p25.time().exposedCommSeconds(), 1e-12);
        assertEquals(c.gradientSync(), p2000.time().exposedCommSeconds(), 1e-12);
        assertEquals(0.00056, p25.time().exposedCommSeconds(), 5e-6);
        assertEquals(0.03153, p2000.time().exposedCommSeconds(), 5e-6);
        assertTrue(p2000.time().stepSeconds() > p25.time().stepSeconds() + 0.03);
        // The timeline plays the same rule.
        assertEquals(p2000.time().stepSeconds(), Timelines.of(huge, huge.plans().get(0)).stepSeconds(), 1e-9);
        assertEquals(p25.time().stepSeconds(), Timelines.of(small, small.plans().get(0)).stepSeconds(), 1e-9);
    }
}
