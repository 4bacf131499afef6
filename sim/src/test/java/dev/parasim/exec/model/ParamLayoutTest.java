package dev.parasim.exec.model;

import dev.parasim.spec.MlpKind;
import dev.parasim.spec.ModelSpec;
import dev.parasim.spec.SpecException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ParamLayoutTest {

    /** Narayanan et al. 2021 eq. (2) plus the final LayerNorm, for ffn = 4h. */
    private static long megatronCount(long l, long h, long v, long s) {
        return 12 * l * h * h + 13 * l * h + v * h + s * h + 2 * h;
    }

    @ParameterizedTest
    @CsvSource({"2, 8, 2, 11, 5", "1, 16, 4, 32, 8", "3, 64, 8, 1000, 128", "12, 768, 12, 50257, 1024", "24, 1024, 16, 50257, 1024"})
    void parameterCountIsMegatronFormulaPlusFinalNorm(int layers, int hidden, int heads, int vocab, int seqLen) {
        GptConfig c = new GptConfig(layers, hidden, heads, 4 * hidden, vocab, seqLen);
        long expected = megatronCount(layers, hidden, vocab, seqLen);
        assertEquals(expected, ParamLayout.of(c).totalElements());
        assertEquals(expected, c.parameterCount());
    }

    @Test
    void gpt2SmallHas124439808Parameters() {
        assertEquals(124_439_808L, ParamLayout.of(new GptConfig(12, 768, 12, 3072, 50257, 1024)).totalElements());
    }

    @Test
    void generalFfnWidthMatchesTheGeneralFormula() {
        GptConfig c = new GptConfig(2, 8, 2, 20, 11, 5);
        assertEquals(c.parameterCount(), ParamLayout.of(c).totalElements());
        assertEquals(2 * (4 * 64 + 2 * 8 * 20 + 20 + 9 * 8) + 11 * 8 + 5 * 8 + 16, c.parameterCount());
    }

    @Test
    void unitsAreEmbeddingBlocksFinalNormWithContiguousOffsets() {
        GptConfig c = new GptConfig(2, 8, 2, 32, 11, 5);
        ParamLayout layout = ParamLayout.of(c);
        assertEquals(4, layout.units());
        assertEquals(List.of("wte", "wpe"), layout.tensors(0).stream().map(ParamLayout.Tensor::name).toList());
        assertEquals(ParamLayout.BLOCK_TENSORS, layout.tensors(1).stream().map(ParamLayout.Tensor::name).toList());
        assertEquals(List.of("lnf.g", "lnf.b"), layout.tensors(3).stream().map(ParamLayout.Tensor::name).toList());
        assertEquals(11 * 8 + 5 * 8, layout.unitSize(0));
        assertEquals(12 * 64 + 13 * 8, layout.unitSize(1));
        assertEquals(16, layout.unitSize(3));
        assertEquals(8 + 8, layout.offset(1, "qkv.w"));
        assertEquals(8 + 8 + 8 * 24 + 24, layout.offset(1, "proj.w"));
        assertEquals("block1.fc2.b", layout.tensor(2, "fc2.b").qualifiedName(2));
        for (int u = 0; u < layout.units(); u++) {
            long next = 0;
            for (ParamLayout.Tensor t : layout.tensors(u)) {
                assertEquals(next, t.offset());
                next += t.elements();
            }
        }
    }

    @Test
    void viewsWriteThroughToTheFlatVector() {
        ParamLayout layout = ParamLayout.of(new GptConfig(1, 4, 2, 16, 7, 3));
        INDArray flat = Nd4j.zeros(DataType.FLOAT, layout.unitSize(1));
        INDArray qkvW = layout.views(1, flat).get("qkv.w");
        assertEquals(List.of(4L, 12L), List.of(qkvW.size(0), qkvW.size(1)));
        qkvW.putScalar(1, 2, 5f);
        assertEquals(5f, flat.getFloat(layout.offset(1, "qkv.w") + 12 + 2));
        assertThrows(IllegalArgumentException.class, () -> layout.views(1, Nd4j.zeros(DataType.FLOAT, 3)));
    }

    @Test
    void ofModelSpecRejectsWhatIsNotExecuted() {
        ModelSpec swiglu = new ModelSpec("m", 2, 64, 4, 4, 256, 100, 16, MlpKind.SWIGLU, true, true);
        assertEquals("model.mlp: executed models must be gelu, found swiglu",
                assertThrows(SpecException.class, () -> GptConfig.of(swiglu)).getMessage());
        ModelSpec untied = new ModelSpec("m", 2, 64, 4, 4, 256, 100, 16, MlpKind.GELU, false, true);
        assertEquals("model.tiedEmbeddings: executed models must tie embeddings, found false",
                assertThrows(SpecException.class, () -> GptConfig.of(untied)).getMessage());
        ModelSpec gqa = new ModelSpec("m", 2, 64, 4, 2, 256, 100, 16, MlpKind.GELU, true, true);
        assertEquals("model.kvHeads: executed models must equal model.heads (4), found 2",
                assertThrows(SpecException.class, () -> GptConfig.of(gqa)).getMessage());
        ModelSpec ok = new ModelSpec("m", 2, 64, 4, 4, 256, 100, 16, MlpKind.GELU, true, true);
        assertEquals(new GptConfig(2, 64, 4, 256, 100, 16, GptConfig.DROPOUT), GptConfig.of(ok));   // dropout: true runs at p = 0.1
        ModelSpec noDropout = new ModelSpec("m", 2, 64, 4, 4, 256, 100, 16, MlpKind.GELU, true, false);
        assertEquals(new GptConfig(2, 64, 4, 256, 100, 16), GptConfig.of(noDropout));
        assertEquals("heads: must divide hidden (10), found 4",
                assertThrows(SpecException.class, () -> new GptConfig(1, 10, 4, 40, 5, 5)).getMessage());
    }
}
