package dev.parasim.collective;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TransferTest {
    @Test
    void tiersAreKeptInNameOrderWhateverOrderTheyArriveIn() {
        Transfer t = Transfer.on("nvlink", 3e6, 1e-3).plus(Transfer.on("ib", 1e6, 2e-3));
        assertEquals(2, t.tiers());
        assertEquals(List.of("ib", "nvlink"), List.of(t.tier(0), t.tier(1)));
        assertEquals(Map.of("ib", 1e6, "nvlink", 3e6), t.bytesByTier());
        assertEquals(List.of("ib", "nvlink"), List.copyOf(t.bytesByTier().keySet()));
        assertEquals(4e6, t.bytes());
        assertEquals(1e-3 + 2e-3, t.seconds());
        assertEquals(t, Transfer.on("ib", 1e6, 2e-3).plus(Transfer.on("nvlink", 3e6, 1e-3)).withSeconds(1e-3 + 2e-3));
    }

    @Test
    void aSumAddsEachTiersBytesInTheOrderTheTransfersCame() {
        // 0.1 + 0.2 + 0.3 in that order is 0.6000000000000001; any other order gives 0.6.
        Transfer sum = new Transfer.Sum().add(Transfer.on("nvlink", 0.1, 1)).add(Transfer.on("nvlink", 0.2, 1))
                .add(Transfer.on("ib", 5, 1)).add(Transfer.on("nvlink", 0.3, 1)).total();
        assertEquals(0.6000000000000001, sum.bytesByTier().get("nvlink"));
        assertEquals(5, sum.bytesByTier().get("ib"));
        assertEquals(4, sum.seconds());
        assertEquals(Transfer.on("nvlink", 0.1, 1).plus(Transfer.on("nvlink", 0.2, 1)).plus(Transfer.on("nvlink", 0.3, 1)),
                new Transfer.Sum().add(Transfer.on("nvlink", 0.1, 1)).add(Transfer.on("nvlink", 0.2, 1))
                        .add(Transfer.on("nvlink", 0.3, 1)).total());
    }

    @Test
    void repeatedScalesBytesAndSeconds() {
        Transfer t = Transfer.on("ib", 1e6, 2e-3).plus(Transfer.on("nvlink", 3e6, 1e-3)).times(4);
        assertEquals(Map.of("ib", 4e6, "nvlink", 12e6), t.bytesByTier());
        assertEquals(4 * 3e-3, t.seconds(), 1e-18);
        assertEquals(0, Transfer.NONE.tiers());
        assertEquals(0, Transfer.NONE.bytes());
        assertEquals(Transfer.NONE, Transfer.NONE.times(3));
    }

    @Test
    void aThirdTierIsRefusedByName() {
        Transfer two = Transfer.on("ib", 1, 1).plus(Transfer.on("nvlink", 1, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> two.plus(Transfer.on("pcie", 1, 1)));
        assertEquals("a transfer runs on at most two link tiers (ib, nvlink), not also on pcie", e.getMessage());
        assertEquals("tier 2 of a transfer on 2 tiers", assertThrows(IndexOutOfBoundsException.class, () -> two.tier(2)).getMessage());
    }
}
