package dev.parasim.spec.load;

import dev.parasim.spec.Experiment;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.PipelineSchedule;
import dev.parasim.spec.Precision;
import dev.parasim.spec.Recompute;
import dev.parasim.spec.SpecException;
import dev.parasim.spec.ZeroStage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loader on its own (the command line's exit codes and stderr are {@code cli.MalformedSpecTest}'s): presets
 * resolved, inline keys over a preset's, {@code --set} overrides before validation, defaults, strict keys.
 */
class SpecLoaderTest {
    private static final String BASE = """
            name: base
            model: {preset: gpt3-175b}
            cluster: {preset: dgx-a100-80g, nodes: 64}
            training: {globalBatch: 1536, microBatch: 1, precision: bf16-mixed, recompute: selective}
            plans:
              - {name: ddp, dp: 512}
              - {name: 3d, dp: 8, tp: 8, pp: 8, schedule: interleaved, chunks: 2, sequenceParallel: true, zero: 1}
            """;

    @Test
    void presetsResolveToThePublishedShapes() {
        Experiment e = SpecLoader.parse(BASE, List.of());
        ModelSpec m = e.model();
        // GPT-3 175B (Brown et al. 2020, Table 2.1): 96 layers, d_model 12,288, 96 heads, 2,048 tokens.
        assertEquals(List.of(96, 12288, 96, 2048), List.of(m.layers(), m.hidden(), m.heads(), m.seqLen()));
        assertEquals(4 * 12288, m.ffnHidden());
        assertEquals(8, e.cluster().gpusPerNode());
        assertEquals(64, e.cluster().nodes());
        assertEquals(Precision.BF16_MIXED, e.training().precision());
        assertEquals(Recompute.SELECTIVE, e.training().recompute());
    }

    @Test
    void planDefaultsAndExplicitKeys() {
        Experiment e = SpecLoader.parse(BASE, List.of());
        ParallelPlan ddp = e.plans().get(0), three = e.plans().get(1);
        assertEquals(List.of(512, 1, 1, 1), List.of(ddp.dp(), ddp.tp(), ddp.pp(), ddp.cp()));
        assertEquals(ZeroStage.DDP, ddp.zero());
        assertEquals(1, ddp.chunks());
        assertFalse(ddp.sequenceParallel());
        assertEquals(List.of(8, 8, 8, 2), List.of(three.dp(), three.tp(), three.pp(), three.chunks()));
        assertEquals(PipelineSchedule.INTERLEAVED, three.schedule());
        assertEquals(ZeroStage.OPTIMIZER, three.zero());
        assertTrue(three.sequenceParallel());
    }

    @Test
    void inlineKeysOverrideThePresetAndSetOverridesTheFile() {
        Experiment inline = SpecLoader.parse(BASE.replace("{preset: gpt3-175b}", "{preset: gpt3-175b, layers: 48}"), List.of());
        assertEquals(48, inline.model().layers());
        assertEquals(12288, inline.model().hidden());
        Experiment set = SpecLoader.parse(BASE, List.of("model.layers=32", "plans[1].chunks=4", "training.microBatch=3"));
        assertEquals(32, set.model().layers());
        assertEquals(4, set.plans().get(1).chunks());
        assertEquals(3, set.training().microBatch());
    }

    @Test
    void unknownKeysAndBadValuesNameTheirPath() {
        SpecException typo = assertThrows(SpecException.class,
                () -> SpecLoader.parse(BASE.replace("microBatch: 1", "microBatch: 1, mircoBatch: 2"), List.of()));
        assertTrue(typo.getMessage().startsWith("training.mircoBatch: "), typo.getMessage());
        SpecException zero = assertThrows(SpecException.class, () -> SpecLoader.parse(BASE, List.of("plans[0].zero=4")));
        assertTrue(zero.getMessage().startsWith("plans[0].zero: "), zero.getMessage());
        assertTrue(zero.getMessage().contains("4"), zero.getMessage());
        SpecException preset = assertThrows(SpecException.class,
                () -> SpecLoader.parse(BASE.replace("gpt3-175b", "gpt-9"), List.of()));
        assertTrue(preset.getMessage().startsWith("model.preset: "), preset.getMessage());
        assertTrue(preset.getMessage().contains("gpt-9"), preset.getMessage());
    }

    @Test
    void aSweepFileIsNotAnExperiment() {
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.parse("""
                name: s
                model: {preset: gpt3-175b}
                cluster: {preset: dgx-a100-80g}
                axes: {tp: [1, 2]}
                """, List.of()));
        assertTrue(e.getMessage().startsWith("axes: belongs to a sweep"), e.getMessage());
    }

    @Test
    void presetNamesAreListed() {
        assertTrue(Presets.names(Presets.Kind.MODELS).contains("gpt3-175b"));
        assertTrue(Presets.names(Presets.Kind.CLUSTERS).contains("dgx-a100-80g"));
    }
}
