package dev.parasim.cost;

import dev.parasim.spec.AttentionKernel;
import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.Moe;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An MoE layer's compute: its E experts each run the MLP's GEMMs on k·T/E of the T tokens (balanced routing), its router
 * one T × E GEMM, and its dispatch moves 2·(1 + k) elements a token and hidden unit each way; the rest is the dense layer's.
 */
class MoeCostTest {
    static ModelSpec model(Moe moe) {
        return new ModelSpec("m", 32, 4096, 32, 8, 14336, 32000, 4096, MlpKind.SWIGLU, false, false, AttentionKernel.FLASH, moe);
    }

    @Test
    void expertsRunTheirShareOfTheTokensInSmallerGemms() {
        ComputeCost cost = new ComputeCost(RecomputeCostTest.A100.gpu(), Precision.BF16_MIXED, RecomputeCostTest.FIXED);
        ModelSpec dense = model(Moe.NONE), mixtral = model(new Moe(8, 2));
        PassTimes d = cost.layer(dense, RecomputeCostTest.PLAN, 1, Recompute.NONE);
        PassTimes m = cost.layer(mixtral, RecomputeCostTest.PLAN, 1, Recompute.NONE);
        double tokens = 4096, h = 4096, f = 14336, perExpert = tokens * 2 / 8;
        PassTimes denseMlp = cost.linear(tokens, 2 * f, h).plus(cost.linear(tokens, h, f));
        PassTimes experts = cost.linear(perExpert, 2 * f, h).plus(cost.linear(perExpert, h, f)).times(8);
        PassTimes router = cost.linear(tokens, 8, h);
        double dispatch = cost.memoryBound(tokens * h * 2 * (1 + 2) * 2);   // 2·(1 + k) elements at 2 B, each way
        assertEquals(d.forward() - denseMlp.forward() + experts.forward() + router.forward() + dispatch, m.forward(), 1e-12);
        assertEquals(d.backwardInput() - denseMlp.backwardInput() + experts.backwardInput() + router.backwardInput() + dispatch,
                m.backwardInput(), 1e-12);
        assertEquals(d.backwardWeight() - denseMlp.backwardWeight() + experts.backwardWeight() + router.backwardWeight(),
                m.backwardWeight(), 1e-12);
        // 1,024 tokens an expert run below the dense GEMMs' efficiency: 8 expert MLPs of 1,024 tokens take longer than
        // 2 dense MLPs of 4,096 (the same FLOPs).
        assertEquals(true, experts.forward() > 2 * denseMlp.forward());
    }
}
