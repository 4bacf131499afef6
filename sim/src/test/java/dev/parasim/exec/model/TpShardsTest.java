package dev.parasim.exec.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TpShardsTest {
    private static final GptConfig CONFIG = TensorParallelReferenceTest.CONFIG;

    @Test
    void shardThenReassembleIsTheIdentity() {
        Gpt gpt = new Gpt(CONFIG, DataType.DOUBLE);
        INDArray[] params = TensorParallelReferenceTest.perturbedParams(gpt);
        for (int t : new int[] {1, 2, 4}) {
            TpShards shards = new TpShards(CONFIG, t);
            for (int u = 0; u < params.length; u++) {
                INDArray[] perRank = new INDArray[t];
                for (int r = 0; r < t; r++) perRank[r] = shards.shard(u, params[u], r);
                assertEquals(params[u], shards.reassemble(u, perRank), "t=" + t + " unit " + u);
            }
        }
    }

    @Test
    void shardSizesAreMegatronsPerRankParameters() {
        long h = CONFIG.hidden(), f = CONFIG.ffnHidden(), v = CONFIG.vocab(), s = CONFIG.seqLen();
        for (int t : new int[] {1, 2, 4}) {
            TpShards shards = new TpShards(CONFIG, t);
            // Shoeybi et al. 2019 §3: qkv, proj, fc1, fc2 weights and the qkv/fc1 biases split t ways; 6h replicated.
            assertEquals((4 * h * h + 3 * h + 2 * h * f + f) / t + 6 * h, shards.shardSize(1), "t=" + t);
            assertEquals(v * h / t + s * h, shards.shardSize(0), "t=" + t);
            assertEquals(2 * h, shards.shardSize(CONFIG.layers() + 1), "t=" + t);
        }
    }

    @Test
    void rankKeepsItsHeadsOfQKAndV() {
        Gpt gpt = new Gpt(CONFIG, DataType.DOUBLE);
        INDArray block = TensorParallelReferenceTest.perturbedParams(gpt)[1];
        int t = 2, h = CONFIG.hidden(), w = h / t;
        TpShards shards = new TpShards(CONFIG, t);
        Map<String, INDArray> full = gpt.layout().views(1, block);
        for (int r = 0; r < t; r++) {
            Map<String, INDArray> mine = shards.views(1, shards.shard(1, block, r));
            assertArrayEquals(new long[] {h, 3L * w}, mine.get("qkv.w").shape());
            for (int third = 0; third < 3; third++)
                for (int j = 0; j < w; j++) {
                    assertEquals(full.get("qkv.w").getColumn(third * h + r * w + j), mine.get("qkv.w").getColumn(third * w + j));
                    assertEquals(full.get("qkv.b").getDouble(third * h + r * w + j), mine.get("qkv.b").getDouble(third * w + j));
                }
            assertEquals(full.get("proj.w").getRow(r * w + 1), mine.get("proj.w").getRow(1));
            assertEquals(full.get("fc1.w").getColumn(r * CONFIG.ffnHidden() / t), mine.get("fc1.w").getColumn(0));
            assertEquals(full.get("fc2.w").getRow(r * CONFIG.ffnHidden() / t + 3), mine.get("fc2.w").getRow(3));
            assertEquals(full.get("proj.b"), mine.get("proj.b"));
            assertEquals(full.get("ln2.g"), mine.get("ln2.g"));
        }
        INDArray emb = TensorParallelReferenceTest.perturbedParams(gpt)[0];
        Map<String, INDArray> rank1 = shards.views(0, shards.shard(0, emb, 1));
        assertEquals(gpt.layout().views(0, emb).get("wte").getRow(CONFIG.vocab() / 2), rank1.get("wte").getRow(0));
        assertEquals(gpt.layout().views(0, emb).get("wpe"), rank1.get("wpe"));
    }

    @Test
    void splitsAndPartialGradientNamesAreClosedLists() {
        assertEquals(TpShards.Split.ROWS, TpShards.split("wte"));
        assertEquals(TpShards.Split.QKV_COLUMNS, TpShards.split("qkv.b"));
        assertEquals(TpShards.Split.COLUMNS, TpShards.split("fc1.b"));
        assertEquals(TpShards.Split.REPLICATED, TpShards.split("fc2.b"));
        TpShards shards = new TpShards(CONFIG, 2);
        assertEquals(List.of("wpe"), shards.sequenceParallelPartialGrads(0));
        assertEquals(List.of("ln1.g", "ln1.b", "ln2.g", "ln2.b"), shards.sequenceParallelPartialGrads(1));
        assertEquals(List.of("lnf.g", "lnf.b"), shards.sequenceParallelPartialGrads(CONFIG.layers() + 1));
    }

    @Test
    void initShardIsTheShardOfTheFullInit() {
        TensorParallel tp = new TensorParallel(CONFIG, DataType.FLOAT, 4, TpMode.TENSOR);
        for (int u = 0; u < CONFIG.units(); u++)
            assertEquals(tp.shards().shard(u, tp.gpt().initUnit(u, 9), 3), tp.initShard(u, 9, 3), "unit " + u);
    }

    @Test
    void rejectsDegreesThatDoNotDivideTheModel() {
        assertEquals("tp: must divide heads (4), found 3",
                assertThrows(IllegalArgumentException.class, () -> new TpShards(CONFIG, 3)).getMessage());
        assertEquals("tp: must divide vocab (21), found 2", assertThrows(IllegalArgumentException.class,
                () -> new TpShards(new GptConfig(1, 16, 4, 32, 21, 8), 2)).getMessage());
        assertEquals("tp: must divide ffnHidden (18), found 4", assertThrows(IllegalArgumentException.class,
                () -> new TpShards(new GptConfig(1, 16, 4, 18, 20, 8), 4)).getMessage());
        assertEquals("tp: must be positive, found 0",
                assertThrows(IllegalArgumentException.class, () -> new TpShards(CONFIG, 0)).getMessage());
        TpShards shards = new TpShards(CONFIG, 2);
        INDArray unit = new Gpt(CONFIG, DataType.DOUBLE).initUnit(1, 1);
        assertEquals("rank: must be in [0, 1], found 2",
                assertThrows(IllegalArgumentException.class, () -> shards.shard(1, unit, 2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> shards.reassemble(1, new INDArray[] {unit}));
    }

    @Test
    void sequenceParallelNeedsTheDegreeToDivideTheBatchLength() {
        TensorParallel tp = new TensorParallel(CONFIG, DataType.DOUBLE, 4, TpMode.SEQUENCE);
        Batch batch = SyntheticData.of(new GptConfig(2, 16, 4, 32, 24, 6), 1).batch(0, 0, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tp.block(1, 0, tp.zeroShard(1), tp.zeroShard(1), batch));
        assertEquals("batch.seqLen: must be divisible by tp (4) under sequence parallelism, found 6", e.getMessage());
        assertEquals(12, tp.localRows(2, 24));
        assertEquals(48, new TensorParallel(CONFIG, DataType.DOUBLE, 4, TpMode.TENSOR).localRows(2, 24));
    }
}
