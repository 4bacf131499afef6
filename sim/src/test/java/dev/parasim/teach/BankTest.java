package dev.parasim.teach;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.workload.Flops;
import dev.parasim.workload.Parameters;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled bank against the model: every probe of every question recomputed here straight from the accountant
 * (no number is stored, so none can drift), the key answers against their papers' closed forms, and the bank's shape.
 */
class BankTest {
    static final Bank BANK = Bank.bundled();

    @Test
    void bankHasSeventyQuestionsOverEveryTopicInBothLanguages() {
        assertTrue(BANK.questions().size() >= 70, "questions: " + BANK.questions().size());
        for (Topic t : Topic.values()) assertFalse(BANK.of(t).isEmpty(), "no question on " + t);
        for (Question q : BANK.questions())
            for (Lang l : Lang.values()) {
                Text text = q.text(l);
                assertFalse(text.question().isBlank() || text.answer().isBlank() || text.wrong().isBlank(), q.id() + " " + l);
            }
        long missing = BANK.questions().stream().filter(q -> !q.answerable()).count();
        assertTrue(BANK.questions().size() - missing >= 60, "answerable questions: " + (BANK.questions().size() - missing));
        // MoE layers, expert parallelism and expert capacity are built, routing beyond balanced is not: four MoE
        // questions have numbers, the load-balancing one waits for moe-routing.
        assertEquals(List.of("moe-total-vs-active-parameters", "moe-expert-parallel-memory", "moe-all-to-all-time",
                        "moe-capacity-factor"),
                BANK.of(Topic.MOE).stream().filter(Question::answerable).map(Question::id).toList());
        assertTrue(BANK.question("all-to-all-expert-dispatch").orElseThrow().answerable());
    }

    @Test
    void everyNumberEqualsWhatTheModelComputesNow() {
        int checked = 0;
        for (Question q : BANK.questions()) {
            if (!q.answerable()) continue;
            Answer a = Answer.of(BANK, q, List.of());
            for (var entry : q.probes().entrySet()) {
                double value = a.values().get(entry.getKey());
                assertTrue(Double.isFinite(value), q.id() + "." + entry.getKey() + " = " + value);
                Double expected = expected(entry.getValue(), q.setup(), a.values());
                if (expected != null) {
                    assertEquals(expected, value, Math.abs(expected) * 1e-12, q.id() + "." + entry.getKey());
                    checked++;
                }
            }
            for (Lang l : Lang.values()) {
                Text t = a.text(l);
                for (String s : List.of(t.question(), t.answer(), t.wrong(), a.formula()))
                    assertFalse(Template.PLACEHOLDER.matcher(s).find(), q.id() + " " + l + " left a placeholder: " + s);
                Map<String, String> formatted = a.formatted(l);
                for (String name : Template.placeholders(q.text(l).answer()))
                    assertTrue(t.answer().contains(formatted.get(name)), q.id() + " " + l + " shows " + name);
            }
        }
        assertTrue(checked >= 150, "probes recomputed from the accountant: " + checked);
    }

    /** {@return the probe's value computed here from the accountant, or null for a kind only ProbeValues computes} */
    static Double expected(Probe probe, String setup, Map<String, Double> values) {
        List<String> set = List.of();
        if (probe instanceof Probe.WhatIf w) {
            set = w.set();
            probe = w.probe();
        }
        Experiment e = BANK.experiment(setup, set);
        if (probe instanceof Probe.Memory p) {
            var m = predict(e, p.plan()).memory();
            return (double) switch (p.part()) {
                case PARAMS -> m.paramsBytes();
                case GRADS -> m.gradsBytes();
                case OPTIMIZER -> m.optimizerBytes();
                case STATES -> m.paramsBytes() + m.gradsBytes() + m.optimizerBytes();
                case ACTIVATIONS -> p.stage() < 0 ? m.activationsBytes() : m.activationsBytesByStage().get(p.stage());
                case BETWEEN_PASSES -> dev.parasim.memory.MemoryModel.activationBytesBetweenPasses(e, e.plans().stream()
                        .filter(x -> x.name().equals(p.plan())).findFirst().orElseThrow(), p.stage() < 0 ? m.stage() : p.stage());
                case BUFFERS -> m.otherBytes();
                case PEAK -> m.peakBytes();
                case CAPACITY -> e.cluster().gpu().memoryBytes();
                case FITS -> m.peakBytes() <= e.cluster().gpu().memoryBytes() ? 1 : 0;
            };
        }
        if (probe instanceof Probe.Comm p) {
            var c = predict(e, p.plan()).comm();
            if (p.tier() != null) return (double) c.byTier().get(p.tier());
            return (double) (p.collective() == Probe.CommPart.TOTAL ? c.bytesPerGpu() : c.bytes(p.collective().kind));
        }
        if (probe instanceof Probe.Time p) {
            var t = predict(e, p.plan()).time();
            return switch (p.part()) {
                case STEP -> t.stepSeconds();
                case COMPUTE -> t.computeSeconds();
                case EXPOSED_COMM -> t.exposedCommSeconds();
                case BUBBLE -> t.bubbleSeconds();
            };
        }
        if (probe instanceof Probe.Throughput p) {
            PlanPrediction pred = predict(e, p.plan());
            return switch (p.metric()) {
                case MFU -> pred.mfu();
                case HFU -> pred.hfu();
                case TOKENS_PER_SECOND -> pred.tokensPerSecond();
                case TOKENS_PER_GPU_SECOND -> pred.tokensPerSecond() / pred.plan().world();
            };
        }
        if (probe instanceof Probe.Fact p && p.fact() == Probe.FactKind.PARAMETERS) return (double) Parameters.total(e.model());
        if (probe instanceof Probe.Fact p && p.fact() == Probe.FactKind.ACTIVE_PARAMETERS) return (double) Parameters.active(e.model());
        if (probe instanceof Probe.Fact p && p.fact() == Probe.FactKind.MODEL_FLOPS_PER_STEP)
            return Flops.model(e.model(), e.training().globalBatch());
        if (probe instanceof Probe.PlanFact p && p.fact() == Probe.PlanFactKind.MICRO_BATCHES)
            return (double) e.training().globalBatch() / (e.training().microBatch() * plan(e, p.plan()).dp());
        if (probe instanceof Probe.Ratio p) return values.get(p.of()) / values.get(p.to());
        return null;
    }

    static PlanPrediction predict(Experiment e, String plan) {
        return Accountant.predict(e, plan(e, plan));
    }

    static ParallelPlan plan(Experiment e, String name) {
        return e.plans().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    static Answer answer(String id, String... overrides) {
        return Answer.of(BANK, BANK.question(id).orElseThrow(), Arrays.asList(overrides));
    }

    @Test
    void mixtralsMemoryFollowsItsTotalAndItsFlopsItsActiveParameters() {
        Answer a = answer("moe-total-vs-active-parameters");
        assertEquals(46_702_792_704.0, a.values().get("total"));
        assertEquals(12_879_925_248.0, a.values().get("active"));
        // ZeRO-3 over 32 GPUs: 16 bytes a parameter (bf16 weights and gradients, Adam's fp32 state), each unit padded to 32.
        assertEquals(16 * 46_702_792_704.0 / 32, a.values().get("states"), 16 * 46_702_792_704.0 / 32 * 1e-6);
        // All 8 experts per token: the forward of a dense model as large as the whole MoE, 3.45x Mixtral's.
        assertEquals(3.45, a.values().get("denseToken") / a.values().get("perToken"), 0.005);
    }

    @Test
    void zeroThreeMovesOneAndAHalfTimesTheBytesOfDdp() {
        Answer a = answer("zero-3-vs-ddp-bytes");
        double psi = a.values().get("psi"), n = a.values().get("n");
        // Rajbhandari et al. 2020 §7.2: DDP 2(n−1)/n·2Ψ bytes, ZeRO-3 3(n−1)/n·2Ψ; per-unit padding shifts a few elements.
        assertEquals(2 * (n - 1) / n * 2 * psi, a.values().get("ddp"), 2 * psi * 1e-4);
        assertEquals(3 * (n - 1) / n * 2 * psi, a.values().get("z3"), 2 * psi * 1e-4);
        assertEquals(1.5, a.values().get("ratio"), 1e-4);
        assertTrue(a.text(Lang.EN).answer().startsWith("1.50×"), a.text(Lang.EN).answer());
        assertTrue(a.text(Lang.ZH).answer().startsWith("1.50×"), a.text(Lang.ZH).answer());
    }

    @Test
    void zeroMemoryFollowsTableOne() {
        Answer z3 = answer("zero-3-memory");
        double psi = z3.values().get("psi"), n = z3.values().get("n");
        // ZeRO Table 1 with K = 12: ZeRO-1 4Ψ + 12Ψ/n, ZeRO-2 2Ψ + 14Ψ/n, ZeRO-3 16Ψ/n (shards padded per unit).
        assertEquals(16 * psi / n, z3.values().get("z3"), 16 * psi / n * 1e-5);
        assertEquals(16 * psi, z3.values().get("ddp"), 0);
        assertEquals(4 * psi + 12 * psi / n, answer("zero-1-memory").values().get("z1"), psi * 1e-5);
        assertEquals(2 * psi + 14 * psi / n, answer("zero-2-memory").values().get("z2"), psi * 1e-5);
        assertEquals(16.0, answer("memory-bytes-per-parameter").values().get("total"), 0);
        assertEquals(16.0, answer("precision-model-states-not-halved").values().get("fp32"), 0);
        assertEquals(8.0, answer("memory-training-vs-inference-weights").values().get("ratio"), 0);
    }

    @Test
    void pipelineBubblesAreTheClosedForms() {
        // Narayanan et al. 2021: (p−1)/m for 1F1B, (p−1)/(v·m) interleaved; p = 4, m = 32, v = 2.
        assertEquals(3.0 / 32, answer("pipeline-bubble-1f1b").values().get("closed"), 0);
        assertEquals(3.0 / 64, answer("pipeline-interleaved-bubble").values().get("inter"), 0);
        Answer m = answer("pipeline-microbatches-vs-bubble");
        assertEquals(3.0 / 8, m.values().get("bubble8"), 0);
        assertEquals(8.0, m.values().get("m8"), 0);
    }

    @Test
    void recomputeCostsAndCollectiveFactorsAreThePapers() {
        // Narayanan et al. 2021 eq. 3 over the model FLOPs (GPT-3: L 96, h 12288, V 50257, s 2048, B 1536).
        double full = Flops.megatronFullRecompute(1536, 2048, 96, 12288, 50257) / Flops.megatronModel(1536, 2048, 96, 12288, 50257);
        assertEquals(full, answer("recompute-full-flops-cost").values().get("cost"), 2e-3);
        // NCCL: busbw / algbw = 2(n−1)/n = 1.75 on 8 ranks.
        assertEquals(1.75, answer("allreduce-busbw-vs-algbw").values().get("factor"), 1e-12);
        double perParam = answer("est-flops-per-token").values().get("ratio");
        assertTrue(perParam > 6 && perParam < 6.5, "FLOPs per token per parameter ≈ 6 (Kaplan et al. 2020): " + perParam);
    }

    @Test
    void aWhatIfRecomputes() {
        Answer base = answer("zero-3-vs-ddp-bytes");
        Answer smaller = answer("zero-3-vs-ddp-bytes", "cluster.nodes=2", "training.globalBatch=16");
        assertEquals(64.0, base.values().get("n"), 0);
        assertEquals(16.0, smaller.values().get("n"), 0);
        assertNotEquals(base.values().get("ddp"), smaller.values().get("ddp"));
        assertEquals(1.5, smaller.values().get("ratio"), 1e-3);
        // Keeping the global batch of 64 on 16 GPUs means 4 micro-batches: ZeRO-3 gathers and scatters per micro-batch.
        assertEquals(4 * 1.5, answer("zero-3-vs-ddp-bytes", "cluster.nodes=2").values().get("ratio"), 4e-3);
        List<String> texts = new ArrayList<>();
        for (Lang l : Lang.values()) texts.add(smaller.text(l).answer());
        assertTrue(texts.get(0).contains("on 16 GPUs"), texts.get(0));
    }
}
