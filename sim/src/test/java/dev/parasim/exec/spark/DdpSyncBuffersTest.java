package dev.parasim.exec.spark;

import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.MemCategory;
import dev.parasim.exec.RankDetail;
import dev.parasim.memory.MemoryModel;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DDP's sync on a middle pipeline stage, where the model is small against its b·s·h activations (h 16 or 64, s 128), so
 * the sync holds a rank's most communication buffers: its staged buckets, and either the ring's two chunks or one chunk
 * beside the last backward's input gradient, still in flight (none under ZB-H1, whose last pass is a W). A middle rank's
 * measured peak of communication buffers is the larger of that ({@code memory.Buffers.inSync}) and a pass's pipeline
 * boundaries, the b·s·h it received and the b·s·h it sends, to the byte.
 */
class DdpSyncBuffersTest {

    @ParameterizedTest(name = "h{0} dp{1}·pp4 {2}")
    @CsvSource({"16,1,1f1b", "16,2,1f1b", "64,1,zb-h1", "16,2,interleaved"})
    void middleStagesHoldTheBucketsBesideTheLastSend(int hidden, int dp, String schedule) {
        int layers = schedule.equals("interleaved") ? 8 : 4, chunks = schedule.equals("interleaved") ? 2 : 1;
        Experiment e = SpecLoader.parse("""
                name: ddp-sync-test
                model: {name: tiny-gpt, layers: %d, hidden: %d, heads: 2, vocab: 32, seqLen: 128, dropout: false}
                cluster: {preset: cpu-8, gpusPerNode: 2, nodes: %d}
                training: {globalBatch: %d, microBatch: 2, precision: fp32, bucketMB: 0.004}
                plans:
                  - {name: p, dp: %d, pp: 4, schedule: %s, chunks: %d}
                execute: {steps: 1, seed: 3, learningRate: 0.001}
                """.formatted(layers, hidden, dp * 2, dp * 4 * 2, dp, schedule, chunks), List.of());
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, new ExecutedRun.Options(0, false));
        int checked = 0;
        long boundaries = 2L * 2 * 128 * hidden * 4;   // received and sent, b·s·h fp32 each
        for (RankDetail d : r.ranks()) {
            if (d.stage() == 0 || d.stage() == 3) continue;
            System.out.printf("%s rank %d stage %d: comm buffers %,d measured, sync %,d, boundaries %,d%n", schedule, d.rank(), d.stage(),
                    d.memory().peak(MemCategory.COMM_BUFFERS), MemoryModel.syncBufferBytes(e, plan, d.stage()), boundaries);
            assertEquals(Math.max(boundaries, MemoryModel.syncBufferBytes(e, plan, d.stage())), d.memory().peak(MemCategory.COMM_BUFFERS),
                    "rank " + d.rank() + " (stage " + d.stage() + ") communication buffers");
            checked++;
        }
        assertEquals(2 * dp, checked);
    }
}
