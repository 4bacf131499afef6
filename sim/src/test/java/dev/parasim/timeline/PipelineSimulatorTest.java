package dev.parasim.timeline;

import dev.parasim.program.schedule.PassRef;
import dev.parasim.program.schedule.PipelineOrder;
import dev.parasim.spec.PipelineSchedule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * With free communication and equal stages the played bubble equals the closed forms exactly:
 * (p−1)(F+B) for GPipe and 1F1B, (p−1)(F+B)/v interleaved (Narayanan et al. 2021), and
 * (p−1)(T_F+T_B−T_W) for ZB-H1 with T_F = T_B = T_W (Qi et al. 2024).
 */
class PipelineSimulatorTest {
    static final double F = 1.0, B = 1.3, W = 0.7;

    static Stream<Arguments> plans() {
        List<Arguments> all = new ArrayList<>();
        for (int p : new int[] {2, 4, 8})
            for (int m : new int[] {8, 16, 64}) {
                all.add(Arguments.of(PipelineSchedule.GPIPE, p, m, 1));
                all.add(Arguments.of(PipelineSchedule.ONE_F_ONE_B, p, m, 1));
                all.add(Arguments.of(PipelineSchedule.ZB_H1, p, m, 1));
                for (int v : new int[] {2, 4}) if (m % p == 0) all.add(Arguments.of(PipelineSchedule.INTERLEAVED, p, m, v));
            }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} p={1} m={2} v={3}")
    @MethodSource("plans")
    void bubbleEqualsClosedForm(PipelineSchedule schedule, int p, int m, int v) {
        boolean zb = schedule == PipelineSchedule.ZB_H1;
        double f = zb ? 1 : F, b = zb ? 1 : B, w = zb ? 1 : W;
        var played = PipelineSimulator.play(PipelineOrder.of(schedule, p, m, v), v, new PipelineSimulator.Costs() {
            @Override
            public PipelineSimulator.PassCost pass(int stage, PassRef ref) {
                double seconds = switch (ref.pass()) {
                    case F -> f;
                    case B -> b;
                    case W -> w;
                    case BW -> b + w;
                };
                return new PipelineSimulator.PassCost(seconds / v, 0);
            }

            @Override
            public double send(int from, int to, PassRef ref) {
                return 0;
            }
        });
        double makespan = 0;
        for (double end : played.pipelineEnd()) makespan = Math.max(makespan, end);
        double ideal = m * (f + b + w);
        double expected = switch (schedule) {
            case GPIPE, ONE_F_ONE_B -> (p - 1) * (f + b + w);
            case INTERLEAVED -> (p - 1) * (f + b + w) / v;
            case ZB_H1 -> (p - 1) * (f + b - w);
        };
        assertEquals(expected, makespan - ideal, 1e-9);
        if (schedule != PipelineSchedule.ZB_H1)
            assertEquals(schedule == PipelineSchedule.INTERLEAVED ? (p - 1.0) / (v * m) : (p - 1.0) / m, (makespan - ideal) / ideal, 1e-12);
    }
}
