package dev.parasim.teach;

import dev.parasim.spec.SpecException;
import dev.parasim.spec.load.SpecTrees;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The bank's schema: a valid one-question bank, and each broken variant rejected with one {@code path: rule, found value} line. */
public class BankReaderTest {
    public static final String VALID = """
            setups:
              s:
                name: s
                model: {preset: gpt2-small}
                cluster: {preset: dgx-h100, nodes: 1}
                training: {globalBatch: 8, microBatch: 1, precision: bf16-mixed}
                plans:
                  - {name: ddp}
                  - {name: zero3, zero: 3}
            questions:
              - id: q-one
                topic: zero
                setup: s
                probes:
                  ddp: {kind: comm, plan: ddp}
                  z3: {kind: comm, plan: zero3}
                  ratio: {kind: ratio, of: z3, to: ddp}
                chart: {kind: comm-by-collective}
                formula: "3(n−1)/n·2Ψ vs 2(n−1)/n·2Ψ"
                source: "Rajbhandari et al. 2020 §7.2"
                en: {q: "ratio?", a: "{ratio}", wrong: "3×"}
                zh: {q: "比例?", a: "{ratio}", wrong: "3 倍"}
              - id: q-two
                topic: moe
                needs: [offload]
                formula: "—"
                source: "Fedus et al. 2022"
                en: {q: "moe?", a: "later", wrong: "no"}
                zh: {q: "moe?", a: "以后", wrong: "否"}
            """;

    static Bank read(String yaml) {
        return BankReader.read(SpecTrees.parse(yaml, "bank"), "bank");
    }

    @Test
    void readsAValidBankAndComputesIt() {
        Bank bank = read(VALID);
        assertEquals(2, bank.questions().size());
        Question q = bank.question("q-one").orElseThrow();
        assertEquals(1.5, Answer.of(bank, q, java.util.List.of()).values().get("ratio"), 1e-3);
        assertEquals(java.util.List.of(Capability.OFFLOAD), bank.question("q-two").orElseThrow().needs());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
            "'topic: zero'#'topic: zeroo'#questions[0].topic: must be one of memory|recompute|precision|collectives|data-parallel|zero|tensor-parallel|pipeline|moe|hardware|estimation, found \"zeroo\"",
            "'      z3: {kind: comm, plan: zero3}'#'      z3: {kind: comm, plan: zero4}'#questions[0].probes.z3.plan: must name a plan of the setup [ddp, zero3], found \"zero4\"",
            "'a: \"{ratio}\", wrong: \"3×\"'#'a: \"{ratios}\", wrong: \"3×\"'#questions[0].en.a: must use only declared probes [ddp, z3, ratio], found \"{ratios}\"",
            "'      ratio: {kind: ratio, of: z3, to: ddp}'#'      ratio: {kind: ratio, of: z3, to: ddp, colour: red}'#questions[0].probes.ratio.colour: is not a known key here, found \"colour\"",
            "'      ratio: {kind: ratio, of: z3, to: ddp}'#'      ratio: {kind: ratio, of: z3, to: zz}'#questions[0].probes.ratio.to: must name a probe declared before it [ddp, z3], found \"zz\"",
            "'  - id: q-two'#'  - id: q-one'#questions[1].id: must be unique, found \"q-one\"",
            "'  - id: q-two'#'  - id: Q_Two'#questions[1].id: must be lower-case words joined by -, found \"Q_Two\"",
            "'needs: [offload]'#'needs: [quantum]'#questions[1].needs[0]: must be one of moe-routing|context-parallel-execution|lora|offload, found \"quantum\"",
            "'en: {q: \"moe?\", a: \"later\"'#'en: {q: \"moe?\", a: \"{x}\"'#questions[1].en.a: must not show numbers before its capability exists, found \"{x}\"",
            "'      - {name: zero3, zero: 3}'#'      - {name: zero3, zero: 3, tp: 5}'#setups.s.plans[1].tp: must divide model.heads (12), found 5",
            "'setup: s'#'setup: t'#questions[0].setup: must name one of setups [s], found \"t\"",
            "'chart: {kind: comm-by-collective}'#'chart: {kind: gantt, plan: ddp}'#questions[0].chart.plan: must be a pipeline plan (pp > 1) to draw its Gantt, found \"ddp\"",
            "'chart: {kind: comm-by-collective}'#'chart: {kind: sweep, set: cluster.nodes, values: [1, 3], probes: [ddp]}'#questions[0].chart.values[1]: must give a valid setup when set as cluster.nodes (training.globalBatch: must be divisible by microBatch·dp (24) of plans[0], found 8 (and 1 more)), found 3",
            "'      z3: {kind: comm, plan: zero3}'#'      z3: {kind: comm, plan: zero3, set: [training.recompute=some]}'#questions[0].probes.z3.set: must give a valid setup (training.recompute: must be one of none|selective|selective-ops|full, found \"some\"), found a list of 1",
    })
    void rejectsABrokenEntryWithOneLine(String from, String to, String message) {
        String yaml = VALID.replace(from, to);
        assertEquals(false, yaml.equals(VALID), "fixture did not change: " + from);
        SpecException e = assertThrows(SpecException.class, () -> read(yaml));
        assertEquals(message, e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
