package dev.parasim.report;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.load.SpecLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code configs/experiments/gpt3-175b-zero3-vs-ptd.yaml}: predict ranks DeepSpeed's ZeRO-3 against PTD-P on 1,536 A100s
 * as Narayanan et al. 2021 (§5.2) measured it (3.2x slower), and says why in one sentence.
 */
class Zero3NoteTest {
    static final Path FILE = Path.of("..", "configs", "experiments", "gpt3-175b-zero3-vs-ptd.yaml");

    static List<PlanPrediction> predict(List<String> sets) throws IOException {
        Experiment e = SpecLoader.parse(Files.readString(FILE), sets);
        return Accountant.predict(e);
    }

    @Test
    void zero3RanksBelowPtdPAsPublishedAndSaysWhy() throws IOException {
        Experiment e = SpecLoader.parse(Files.readString(FILE), List.of());
        List<PlanPrediction> p = Accountant.predict(e);
        double ratio = p.get(1).time().stepSeconds() / p.get(0).time().stepSeconds();
        // Predicted 4.34x against the published 3.2 (141 / 44 TFLOP/s): since the recompute's gathers are counted
        // (analytic.CommModel.backwardGathers) this latency-bound row runs 20% slow (3.52x before, within 15%); see ZeroVsPtdTest.
        assertTrue(ratio > 3.2 && ratio < 3.2 * 1.4, "ZeRO-3 / PTD-P step " + ratio + ", published 3.2 (141 / 44 TFLOP/s)");
        // 96 layers of 12 tensors, the embedding's 2 and the final norm's 2 with the head: 1,156 tensors, 4 collectives each
        // under full recompute (forward, recompute and backward gathers, one reduce-scatter).
        String note = Zero3Note.of(e, p.get(1)).orElseThrow();
        assertTrue(note.startsWith("4,624 collectives per micro-batch (three gathers (forward, recompute, backward) and a"
                + " reduce-scatter per parameter tensor"), note);
        assertTrue(note.endsWith("which it cannot hide"), note);
        assertTrue(PredictionTable.render(e, p).contains("  zero-3      4,624 collectives"));
        assertTrue(Zero3Note.of(e, p.get(0)).isEmpty());
    }

    @Test
    void fsdpStyleGathersHideBehindCompute() throws IOException {
        // Per layer and prefetched (PyTorch FSDP), the same ZeRO-3 issues 98 units' collectives and the model hides most
        // of them: 20.5 s against 79.1 s on demand (PTD-P: 19.4 s; the hidden gathers still slow the compute they overlap).
        List<PlanPrediction> p = predict(List.of("training.zeroGathers=units"));
        List<PlanPrediction> onDemand = predict(List.of());
        assertTrue(p.get(1).time().stepSeconds() < onDemand.get(1).time().stepSeconds() / 2.8);
        Experiment e = SpecLoader.parse(Files.readString(FILE), List.of("training.zeroGathers=units"));
        String note = Zero3Note.of(e, p.get(1)).orElseThrow();
        assertTrue(note.startsWith("294 collectives per micro-batch (two gathers and a reduce-scatter per unit"), note);
        assertEquals(-1, note.indexOf("cannot hide"), note);
    }
}
