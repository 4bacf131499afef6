package dev.parasim.exec;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What the executor refuses, with the field named: context parallelism, models over the size limit, dropout and full
 * recompute with TP, selective recomputation, an out-of-place cross-entropy; every ZeRO stage with TP, pipelines, both and sequence
 * parallelism passes, and invalid pipeline shapes fail when the spec loads.
 */
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

    private static final String TINY = "{name: t, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false}";

    @Test
    void everyZeroStageComposesWithTensorAndPipelineParallelism() {
        for (int zero = 0; zero <= 3; zero++)
            for (String shape : List.of("dp: 4, tp: 2", "dp: 4, pp: 2", "dp: 2, tp: 2, pp: 2",
                    "dp: 4, pp: 2, schedule: zb-h1", "dp: 4, tp: 2, sequenceParallel: true",
                    "dp: 2, tp: 2, pp: 2, sequenceParallel: true")) {
                Experiment e = parse(TINY, "{name: a, " + shape + ", zero: " + zero + "}", true);
                ExecLimits.check(e, e.plans().get(0), ExecModels.parameters(e.model()));
            }
    }

    @Test
    void contextParallelismIsRejected() {
        Experiment cp = parse(TINY, "{name: a, dp: 4, cp: 2}", true);
        NotExecutable z = assertThrows(NotExecutable.class,
                () -> ExecLimits.check(cp, cp.plans().get(0), ExecModels.parameters(cp.model())));
        assertEquals("plans[0].cp: executed runs support only cp = 1, found 2", z.getMessage());
    }

    @Test
    void invalidPipelineShapesFailWhenTheSpecLoads() {
        SpecException tooDeep = assertThrows(SpecException.class, () -> parse(TINY, "{name: a, dp: 2, pp: 4}", true));
        assertEquals("plans[0].pp: must not exceed model.layers (2), found 4", tooDeep.getMessage());
        // 12 sequences / (microBatch 1 · dp 2) = 6 micro-batches per step: not a multiple of pp = 4.
        SpecException interleaved = assertThrows(SpecException.class, () -> SpecLoader.parse("""
                name: limits
                model: {name: t, layers: 8, hidden: 16, heads: 2, vocab: 32, seqLen: 8}
                cluster: {preset: cpu-8}
                training: {globalBatch: 12, microBatch: 1, precision: fp32}
                plans: [{name: a, dp: 2, pp: 4, schedule: interleaved, chunks: 2}]
                execute: {steps: 1, seed: 1}
                """, List.of()));
        assertEquals("plans[0].schedule: interleaved needs micro-batches per step (6) to be a multiple of pp (4), found \"interleaved\"",
                interleaved.getMessage());
    }

    @Test
    void dropoutWithTensorParallelismAndSelectiveRecomputationAreRejected() {
        Experiment dropout = parse("{name: t, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8}", "{name: a, dp: 8}", true);
        ExecLimits.check(dropout, dropout.plans().get(0), ExecModels.parameters(dropout.model()));   // dropout without TP runs
        Experiment tpDropout = parse("{name: t, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8}", "{name: a, dp: 4, tp: 2}", true);
        assertEquals("plans[0].tp: executed dropout runs without tensor parallelism (tp = 1), found 2", assertThrows(NotExecutable.class,
                () -> ExecLimits.check(tpDropout, tpDropout.plans().get(0), ExecModels.parameters(tpDropout.model()))).getMessage());
        Experiment flash = parse("{name: t, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false, attention: flash}",
                "{name: a, dp: 8}", true);
        assertEquals("model.attention: the executed GPT computes eager attention (set it eager), found flash",
                assertThrows(NotExecutable.class,
                        () -> ExecLimits.check(flash, flash.plans().get(0), ExecModels.parameters(flash.model()))).getMessage());
        Experiment recompute = SpecLoader.parse("""
                name: limits
                model: %s
                cluster: {preset: cpu-8}
                training: {globalBatch: 16, microBatch: 1, precision: fp32, recompute: selective}
                plans: [{name: a, dp: 8}]
                execute: {steps: 1, seed: 1}
                """.formatted(TINY), List.of());
        assertEquals("training.recompute: executed runs keep every activation (none) or replay whole layers (full), found selective", assertThrows(NotExecutable.class,
                () -> ExecLimits.check(recompute, recompute.plans().get(0), ExecModels.parameters(recompute.model()))).getMessage());
        Experiment ops = SpecLoader.parse(training(TINY, "recompute: selective-ops"), List.of());
        assertEquals("training.recompute: executed runs keep every activation (none) or replay whole layers (full), found selective-ops",
                assertThrows(NotExecutable.class, () -> ExecLimits.check(ops, ops.plans().get(0), ExecModels.parameters(ops.model()))).getMessage());
    }

    @Test
    void fullRecomputeRunsWithoutTensorParallelism() {
        for (String shape : List.of("dp: 8", "dp: 4, pp: 2, zero: 3", "dp: 4, pp: 2, schedule: zb-h1")) {
            Experiment full = SpecLoader.parse(training(TINY, "recompute: full").replace("{name: a, dp: 8}", "{name: a, " + shape + "}"),
                    List.of());
            ExecLimits.check(full, full.plans().get(0), ExecModels.parameters(full.model()));
        }
        Experiment tp = SpecLoader.parse(training(TINY, "recompute: full").replace("dp: 8", "dp: 4, tp: 2"), List.of());
        assertEquals("plans[0].tp: executed full recompute runs without tensor parallelism (tp = 1), found 2",
                assertThrows(NotExecutable.class, () -> ExecLimits.check(tp, tp.plans().get(0), ExecModels.parameters(tp.model()))).getMessage());
    }

    @Test
    void mixturesOfExpertsAreRejected() {
        Experiment moe = parse("{name: t, layers: 2, hidden: 16, heads: 2, vocab: 32, seqLen: 8, dropout: false, moe: {experts: 4, topK: 2}}",
                "{name: a, dp: 8}", true);
        assertEquals("model.moe: the executed GPT has dense MLPs (leave moe out), found \"4 experts\"", assertThrows(NotExecutable.class,
                () -> ExecLimits.check(moe, moe.plans().get(0), ExecModels.parameters(moe.model()))).getMessage());
    }

    @Test
    void anOutOfPlaceCrossEntropyIsRejected() {
        Experiment loss = SpecLoader.parse(training(TINY, "crossEntropy: out-of-place"), List.of());
        assertEquals("training.crossEntropy: the executed GPT writes the logits' gradient over its softmax (in-place), found out-of-place",
                assertThrows(NotExecutable.class, () -> ExecLimits.check(loss, loss.plans().get(0), ExecModels.parameters(loss.model())))
                        .getMessage());
        Experiment inPlace = SpecLoader.parse(training(TINY, "crossEntropy: in-place"), List.of());
        ExecLimits.check(inPlace, inPlace.plans().get(0), ExecModels.parameters(inPlace.model()));
    }

    private static String training(String model, String setting) {
        return """
                name: limits
                model: %s
                cluster: {preset: cpu-8}
                training: {globalBatch: 16, microBatch: 1, precision: fp32, %s}
                plans: [{name: a, dp: 8}]
                execute: {steps: 1, seed: 1}
                """.formatted(model, setting);
    }

    @Test
    void sizeLimitPassesAtTheLimitAndFailsPastIt() {
        Experiment e = parse(TINY, "{name: a, dp: 8}", true);
        ExecLimits.check(e, e.plans().get(0), ExecLimits.MAX_PARAMETERS);
        NotExecutable past = assertThrows(NotExecutable.class,
                () -> ExecLimits.check(e, e.plans().get(0), ExecLimits.MAX_PARAMETERS + 1));
        assertEquals("model: executed models must have at most 20000000 parameters, found 20000001", past.getMessage());
        Experiment big = parse("{preset: gpt2-small}", "{name: a, dp: 8}", true);
        assertEquals("model", assertThrows(NotExecutable.class,
                () -> ExecLimits.check(big, big.plans().get(0), ExecModels.parameters(big.model()))).path());
    }

    @Test
    void anExecuteBlockIsRequired() {
        Experiment e = parse(TINY, "{name: a, dp: 8}", false);
        assertEquals("execute", assertThrows(SpecException.class,
                () -> ExecLimits.check(e, e.plans().get(0), 1)).path());
    }

    /**
     * A model the executed GPT does not implement is well formed (predict evaluates it) and refused as not executable,
     * before its parameters are counted, each with its field; several plans' refusals combine a line each.
     */
    @Test
    void modelShapesAndPrecisionsTheExecutedGptLacksAreNotExecutable() {
        String tiny = TINY.substring(0, TINY.length() - 1);
        for (String[] c : new String[][] {
                {tiny + ", mlp: swiglu, ffnHidden: 48}", "fp32", "model.mlp: executed models must be gelu, found swiglu"},
                {tiny + ", tiedEmbeddings: false}", "fp32", "model.tiedEmbeddings: executed models must tie embeddings, found false"},
                {"{name: t, layers: 2, hidden: 16, heads: 4, kvHeads: 2, vocab: 32, seqLen: 8, dropout: false}", "fp32", "model.kvHeads: executed models must equal model.heads (4), found 2"},
                {TINY, "fp8-mixed", "training.precision: executed runs support fp32 and bf16-mixed, found \"fp8-mixed\""}}) {
            Experiment e = SpecLoader.parse("""
                    name: limits
                    model: %s
                    cluster: {preset: cpu-8}
                    training: {globalBatch: 16, microBatch: 1, precision: %s}
                    plans: [{name: a, dp: 8}]
                    execute: {steps: 1, seed: 1}
                    """.formatted(c[0], c[1]), List.of());
            assertEquals(c[2], assertThrows(NotExecutable.class, () -> ExecLimits.check(e, e.plans().get(0))).getMessage());
        }
        Experiment cp = parse(TINY, "{name: a, dp: 4, cp: 2}, {name: b, dp: 2, cp: 4}", true);
        NotExecutable both = NotExecutable.all(cp.plans().stream().map(p -> assertThrows(NotExecutable.class,
                () -> ExecLimits.check(cp, p))).toList());
        assertEquals("plans[0].cp: executed runs support only cp = 1, found 2\nplans[1].cp: executed runs support only cp = 1, found 4",
                both.getMessage());
        assertEquals("plans[0].cp", both.path());
    }
}
