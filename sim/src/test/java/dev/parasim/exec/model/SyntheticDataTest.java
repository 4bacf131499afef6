package dev.parasim.exec.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticDataTest {

    @Test
    void sequencesArePureFunctionsOfSeedStepAndIndex() {
        SyntheticData a = new SyntheticData(50, 16, 9), b = new SyntheticData(50, 16, 9);
        assertArrayEquals(a.sequencesFor(3, 10, 4).tokens(), b.sequencesFor(3, 10, 4).tokens());
        assertFalse(java.util.Arrays.deepEquals(a.sequencesFor(3, 10, 4).tokens(), a.sequencesFor(4, 10, 4).tokens()));
        assertFalse(java.util.Arrays.deepEquals(a.sequencesFor(3, 10, 4).tokens(),
                new SyntheticData(50, 16, 10).sequencesFor(3, 10, 4).tokens()));
        Batch whole = a.sequencesFor(7, 0, 10);
        assertArrayEquals(whole.tokens()[5], a.sequencesFor(7, 5, 1).tokens()[0], "a sequence does not depend on its slice");
        assertArrayEquals(whole.targets()[9], a.sequencesFor(7, 9, 1).targets()[0]);
    }

    @Test
    void dataParallelRanksSliceTheGlobalBatch() {
        SyntheticData data = new SyntheticData(30, 8, 1);
        int ranks = 2, microBatches = 3, b = 2;
        int[][] global = data.sequencesFor(4, 0, ranks * microBatches * b).tokens();
        for (int r = 0; r < ranks; r++) {
            for (int k = 0; k < microBatches; k++) {
                int[][] mine = data.batch(4, r * microBatches + k, b).tokens();
                for (int i = 0; i < b; i++) assertArrayEquals(global[(r * microBatches + k) * b + i], mine[i]);
            }
        }
    }

    @Test
    void targetsAreTheNextTokens() {
        Batch batch = new SyntheticData(20, 12, 2).batch(0, 0, 3);
        assertEquals(3, batch.sequences());
        assertEquals(12, batch.seqLen());
        int[][] x = batch.tokens(), y = batch.targets();
        for (int i = 0; i < 3; i++) for (int t = 0; t + 1 < 12; t++) assertEquals(x[i][t + 1], y[i][t]);
    }

    @Test
    void transitionsFollowTheChain() {
        int vocab = 11;
        SyntheticData data = new SyntheticData(vocab, 64, 5);
        int[][] counts = new int[vocab][vocab];
        Batch batch = data.sequencesFor(0, 0, 400);
        int[][] x = batch.tokens(), y = batch.targets();
        for (int i = 0; i < x.length; i++) for (int t = 0; t < 64; t++) counts[x[i][t]][y[i][t]]++;
        double top = 0, total = 0;
        for (int[] row : counts) {
            int max = 0, sum = 0;
            for (int c : row) { max = Math.max(max, c); sum += c; }
            top += max;
            total += sum;
        }
        assertEquals(0.75 + 0.125 / vocab, top / total, 0.01, "share of the most likely successor");
        assertEquals(0.9371858451980846, data.lossFloorNats(), 1e-15);
        assertTrue(data.lossFloorNats() < Math.log(vocab));
    }
}
