package dev.parasim.report;

import dev.parasim.timeline.Lane;
import dev.parasim.timeline.Span;
import dev.parasim.timeline.SpanKind;
import dev.parasim.timeline.Timeline;

import java.util.ArrayList;
import java.util.List;

/** Hand-made timelines for chart and report tests, until the timeline interpreter lands. */
public final class TimelineFixtures {
    private TimelineFixtures() {}

    /**
     * A 1F1B step on {@code p} stages with {@code m} micro-batches: forward {@code f} and backward {@code b}
     * seconds per micro-batch per stage, a point-to-point send of {@code send} seconds between stages
     * (drawn on the sender's comm lane) and a data-parallel AllReduce of {@code dp} seconds after the last
     * backward of each stage.
     */
    public static Timeline oneFOneB(String plan, int p, int m, double f, double b, double send, double dp) {
        double[][] fEnd = new double[p][m], bEnd = new double[p][m];
        double[] free = new double[p];
        List<Span> spans = new ArrayList<>();
        List<List<int[]>> order = new ArrayList<>();   // per stage: {0 = F / 1 = B, micro-batch}
        for (int s = 0; s < p; s++) {
            List<int[]> ops = new ArrayList<>();
            int warm = Math.min(p - s - 1, m);
            for (int i = 0; i < warm; i++) ops.add(new int[] {0, i});
            for (int i = 0; i < m - warm; i++) {
                ops.add(new int[] {0, warm + i});
                ops.add(new int[] {1, i});
            }
            for (int i = m - warm; i < m; i++) ops.add(new int[] {1, i});
            order.add(ops);
        }
        int[] next = new int[p];
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int s = 0; s < p; s++) {
                while (next[s] < order.get(s).size()) {
                    int[] op = order.get(s).get(next[s]);
                    int i = op[1];
                    double ready;
                    if (op[0] == 0) {
                        if (s > 0 && fEnd[s - 1][i] == 0) break;
                        ready = s == 0 ? 0 : fEnd[s - 1][i] + send;
                    } else {
                        if (fEnd[s][i] == 0 || (s < p - 1 && bEnd[s + 1][i] == 0)) break;
                        ready = s == p - 1 ? fEnd[s][i] : bEnd[s + 1][i] + send;
                    }
                    double start = Math.max(free[s], ready);
                    double end = start + (op[0] == 0 ? f : b);
                    if (op[0] == 0) fEnd[s][i] = end;
                    else bEnd[s][i] = end;
                    free[s] = end;
                    spans.add(new Span(s, Lane.COMPUTE, op[0] == 0 ? SpanKind.FORWARD : SpanKind.BACKWARD, i, 0, start, end,
                            (op[0] == 0 ? "F" : "B") + i));
                    boolean sends = op[0] == 0 ? s < p - 1 : s > 0;
                    if (sends && send > 0)
                        spans.add(new Span(s, Lane.COMM, SpanKind.PP_SEND, i, 0, end, end + send, "send " + i));
                    next[s]++;
                    progress = true;
                }
            }
        }
        double step = 0;
        double[] busy = new double[p];
        for (int s = 0; s < p; s++) {
            spans.add(new Span(s, Lane.COMM, SpanKind.DP_COMM, -1, -1, free[s], free[s] + dp, "DP AllReduce"));
            step = Math.max(step, free[s] + dp);
            busy[s] = m * (f + b);
        }
        double compute = m * (f + b);
        return new Timeline(plan, p, spans, step, compute, dp, step - compute - dp, busy);
    }
}
