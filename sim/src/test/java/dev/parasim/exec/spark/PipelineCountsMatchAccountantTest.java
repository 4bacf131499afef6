package dev.parasim.exec.spark;

import dev.parasim.analytic.CommModel;
import dev.parasim.analytic.CommVolume;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.RankComm;
import dev.parasim.exec.RankDetail;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Counted pipeline bytes per rank equal the closed forms and the accountant exactly: SendRecv sent (and
 * received) = b·s·h·4 B per boundary per micro-batch per direction, ×v interleaved (m·v forward sends on
 * every stage but the last, which sends m·(v−1) wrapping to stage 0; the same backwards); the tied wte's
 * AllReduce between first and last stage = 2·⌈V·h/2⌉·4 B; and every collective kind per rank equals
 * {@code CommModel.stage} for the rank's stage (DP AllReduce/ReduceScatter/AllGather included).
 */
class PipelineCountsMatchAccountantTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.parasim.exec.spark.PipelineRuns#all")
    void countedBytesEqualTheFormulasAndTheAccountant(PipelineRuns.Config c) {
        Experiment e = c.experiment();
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = PipelineRuns.result(c);
        int dp = c.dp(), pp = c.pp(), v = c.chunks(), m = c.m();
        long boundary = 2L * 8 * 16 * 4;   // b·s·h elements of fp32 per micro-batch per direction
        long wteAllReduce = Chunking.ringAllReduceElements(32L * 16, 2) * 4;
        assertEquals(dp * pp, r.perRank().size());
        for (RankComm rank : r.perRank()) {
            RankDetail detail = r.ranks().get(rank.rank());
            int s = detail.stage();
            long forward = (long) m * (s < pp - 1 ? v : v - 1), backward = (long) m * (s > 0 ? v : v - 1);
            long sendRecv = (forward + backward) * boundary;
            assertEquals(sendRecv, rank.sent(CollectiveKind.SEND_RECV), "rank " + rank.rank() + " sendRecv sent");
            assertEquals(sendRecv, rank.received(CollectiveKind.SEND_RECV), "rank " + rank.rank() + " sendRecv received");
            CommVolume predicted = CommModel.volume(e, CommModel.stage(e, plan, s));
            for (CollectiveKind kind : CollectiveKind.values())
                assertEquals(predicted.bytes(kind), rank.sent(kind), "accountant vs executed " + kind.label() + ", rank " + rank.rank());
            if (dp == 1 && (s == 0 || s == pp - 1))
                assertEquals(wteAllReduce, rank.sent(CollectiveKind.ALL_REDUCE), "wte all-reduce, rank " + rank.rank());
        }
        // What the report compares: the busiest rank's bytes by collective are the accountant's busiest stage's.
        var busiest = dev.parasim.analytic.Accountant.predict(e, plan).comm();
        assertEquals(busiest.bytesPerGpu(), r.bytesPerGpu());
        for (CollectiveKind kind : CollectiveKind.values())
            assertEquals(busiest.bytes(kind), r.byCollective().getOrDefault(kind.label(), 0L), "busiest rank's " + kind.label());
    }
}
