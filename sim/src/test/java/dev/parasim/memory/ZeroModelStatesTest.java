package dev.parasim.memory;

import dev.parasim.spec.Optimizer;
import dev.parasim.spec.Precision;
import dev.parasim.spec.ZeroStage;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ZeRO (Rajbhandari et al., SC'20, arXiv:1910.02054) Table 1, bundled as test resource with its citation:
 * every row, every stage, within 0.5% (or 0.05 GB under 10 GB, as the paper rounds).
 */
class ZeroModelStatesTest {

    @Test
    void reproducesEveryRowOfTableOne() throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (var in = getClass().getResourceAsStream("/validation/zero-model-states.csv")) {
            var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            reader.lines().filter(l -> !l.startsWith("#") && !l.startsWith("params")).forEach(l -> rows.add(l.split(",")));
        }
        assertEquals(18, rows.size());
        int checked = 0;
        for (String[] row : rows) {
            long psi = (long) Double.parseDouble(row[0]);
            int dp = Integer.parseInt(row[1]);
            for (int stage = 0; stage <= 3; stage++) {
                double published = Double.parseDouble(row[2 + stage]);
                double ours = MemoryModel.modelStates(new long[] {psi}, dp, ZeroStage.values()[stage], Precision.BF16_MIXED,
                        Optimizer.ADAM).total() / 1e9;
                double tolerance = published < 10 ? 0.05 : published * 0.005;
                String where = "Ψ=" + psi + " dp=" + dp + " stage " + stage + ": " + ours + " vs " + published;
                assertTrue(Math.abs(ours - published) <= tolerance, where);
                checked++;
            }
        }
        assertEquals(72, checked);
    }

    @Test
    void stagesFollowTheClosedForms() {
        long psi = 7_500_000_000L;
        int n = 64;
        var bf16 = Precision.BF16_MIXED;
        assertEquals(16 * psi, MemoryModel.modelStates(new long[] {psi}, n, ZeroStage.DDP, bf16, Optimizer.ADAM).total());
        assertEquals(4 * psi + 12 * psi / n, MemoryModel.modelStates(new long[] {psi}, n, ZeroStage.OPTIMIZER, bf16, Optimizer.ADAM).total());
        assertEquals(2 * psi + 14 * psi / n, MemoryModel.modelStates(new long[] {psi}, n, ZeroStage.GRADIENTS, bf16, Optimizer.ADAM).total());
        assertEquals(16 * psi / n, MemoryModel.modelStates(new long[] {psi}, n, ZeroStage.PARAMETERS, bf16, Optimizer.ADAM).total());
    }

    @Test
    void unitsArePaddedToTheGroupSize() {
        // Two units of 10 and 7 elements over 4 ranks: shards of 3 and 2, full padded buffers of 12 + 8.
        long[] units = {10, 7};
        var states = MemoryModel.modelStates(units, 4, ZeroStage.OPTIMIZER, Precision.FP32, Optimizer.ADAM);
        assertEquals(20 * 4, states.paramsBytes());
        assertEquals(20 * 4, states.gradsBytes());
        assertEquals(5 * 8, states.optimizerBytes());   // fp32 Adam: m and v, no master copy
        var z3 = MemoryModel.modelStates(units, 4, ZeroStage.PARAMETERS, Precision.BF16_MIXED, Optimizer.ADAM);
        assertEquals(5 * 2, z3.paramsBytes());
        assertEquals(5 * 12, z3.optimizerBytes());
        var ddp = MemoryModel.modelStates(units, 4, ZeroStage.DDP, Precision.FP32, Optimizer.ADAM);
        assertEquals(17 * 16, ddp.total());
    }
}
