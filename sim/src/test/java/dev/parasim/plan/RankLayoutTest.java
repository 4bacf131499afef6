package dev.parasim.plan;

import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.ZeroStage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rank placement: TP innermost, then CP, DP, PP (Megatron's order), and how groups sit on 8-GPU nodes. */
class RankLayoutTest {

    private static RankLayout layout(int dp, int tp, int pp, int cp) {
        return new RankLayout(new ParallelPlan("p", dp, tp, pp, cp, ZeroStage.DDP, PipelineSchedule.ONE_F_ONE_B, 1,
                false, List.of()), 8);
    }

    @Test
    void ranksAreTpInnermostThenCpDpPp() {
        RankLayout l = layout(2, 4, 3, 2);   // 48 ranks
        assertEquals(48, l.world());
        assertEquals(0, l.rank(0, 0, 0, 0));
        assertEquals(3, l.rank(3, 0, 0, 0));
        assertEquals(4, l.rank(0, 1, 0, 0));
        assertEquals(8, l.rank(0, 0, 1, 0));
        assertEquals(16, l.rank(0, 0, 0, 1));
        assertEquals(3 + 4 * (1 + 2 * (1 + 2 * 2)), l.rank(3, 1, 1, 2));   // 47, the last rank
        assertEquals(List.of(1, 4, 8, 16), List.of(l.stride(Axis.TP), l.stride(Axis.CP), l.stride(Axis.DP), l.stride(Axis.PP)));
    }

    @Test
    void coordinatesInvertRank() {
        RankLayout l = layout(2, 4, 3, 2);
        for (int pp = 0; pp < 3; pp++)
            for (int dp = 0; dp < 2; dp++)
                for (int cp = 0; cp < 2; cp++)
                    for (int tp = 0; tp < 4; tp++) {
                        int r = l.rank(tp, cp, dp, pp);
                        assertEquals(List.of(tp, cp, dp, pp), List.of(l.coordinate(Axis.TP, r), l.coordinate(Axis.CP, r),
                                l.coordinate(Axis.DP, r), l.coordinate(Axis.PP, r)));
                    }
        assertThrows(IllegalArgumentException.class, () -> l.coordinate(Axis.TP, 48));
    }

    @Test
    void groupsAreTheRanksDifferingInOneCoordinate() {
        RankLayout l = layout(2, 4, 3, 2);
        int r = l.rank(1, 1, 0, 2);   // 37
        assertEquals(37, r);
        assertArrayEquals(new int[] {36, 37, 38, 39}, l.members(Axis.TP, r));
        assertArrayEquals(new int[] {33, 37}, l.members(Axis.CP, r));
        assertArrayEquals(new int[] {37, 45}, l.members(Axis.DP, r));
        assertArrayEquals(new int[] {5, 21, 37}, l.members(Axis.PP, r));
    }

    @Test
    void spansOnEightGpuNodes() {
        RankLayout l = layout(16, 8, 4, 1);   // 512 GPUs: TP fills a node, DP and PP cross nodes
        assertEquals(new GroupSpan(8, 8, 1), l.span(Axis.TP));
        assertFalse(l.span(Axis.TP).crossesNodes());
        assertEquals(new GroupSpan(16, 1, 16), l.span(Axis.DP));
        assertEquals(new GroupSpan(4, 1, 4), l.span(Axis.PP));
        RankLayout small = layout(4, 2, 1, 1);   // 8 GPUs: everything in one node
        assertEquals(new GroupSpan(4, 4, 1), small.span(Axis.DP));
        assertEquals(new GroupSpan(4, 4, 1), small.dataSpan());
        assertEquals(new GroupSpan(8, 4, 2), layout(8, 2, 1, 1).dataSpan());
        assertTrue(layout(1, 8, 2, 1).stageBoundaryCrossesNodes(0));
        assertFalse(layout(1, 4, 2, 1).stageBoundaryCrossesNodes(0));
    }
}
