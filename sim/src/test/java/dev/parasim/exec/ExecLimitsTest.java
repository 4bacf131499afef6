package dev.parasim.exec;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the executor refuses, with the field named: tensor/pipeline parallelism and models over the size limit. */
class ExecLimitsTest {
    private static Experiment parse(String model, String plan, boolean execute) {
        return SpecLoader.parse("""
                name: limits
                model: %s
                cluster: {preset: cpu-8}
                training: {globalBatch: 16, microBatch: 1, precision: fp32}
                plans: [%s]
                """.formatted(model, plan) + (execute ? "execute: {steps: 1, seed: 1}\n" : ""), List.of());
    }

    private static final String TINY = "{name: t, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8}";

    @Test
    void tensorAndPipelineParallelPlansAreRejected() {
        Experiment tp = parse(TINY, "{name: a, dp: 4, tp: 2}", true);
        SpecException e = assertThrows(SpecException.class,
                () -> ExecLimits.check(tp, tp.plans().get(0), ExecModels.parameters(tp.model())));
        assertEquals("plans[0].tp", e.path());
        Experiment pp = parse(TINY, "{name: a, dp: 4, pp: 2}", true);
        assertEquals("plans[0].pp", assertThrows(SpecException.class,
                () -> ExecLimits.check(pp, pp.plans().get(0), ExecModels.parameters(pp.model()))).path());
    }

    @Test
    void sizeLimitPassesAtTheLimitAndFailsPastIt() {
        Experiment e = parse(TINY, "{name: a, dp: 8}", true);
        ExecLimits.check(e, e.plans().get(0), ExecLimits.MAX_PARAMETERS);
        SpecException past = assertThrows(SpecException.class,
                () -> ExecLimits.check(e, e.plans().get(0), ExecLimits.MAX_PARAMETERS + 1));
        assertEquals("model: executed models must have at most 20000000 parameters, found 20000001", past.getMessage());
        Experiment big = parse("{preset: gpt2-small}", "{name: a, dp: 8}", true);
        assertEquals("model", assertThrows(SpecException.class,
                () -> ExecLimits.check(big, big.plans().get(0), ExecModels.parameters(big.model()))).path());
    }

    @Test
    void anExecuteBlockIsRequired() {
        Experiment e = parse(TINY, "{name: a, dp: 8}", false);
        assertEquals("execute", assertThrows(SpecException.class,
                () -> ExecLimits.check(e, e.plans().get(0), 1)).path());
    }
}
