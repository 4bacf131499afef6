package dev.parasim.spark;

import dev.parasim.spec.SpecException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Masters as {@code --master} gives them: which are checked, which run in this JVM, and with how many task threads. */
class SparkSessionsTest {
    @Test
    void localMastersRunTheirThreadCountInThisJvm() {
        assertEquals(1, SparkSessions.localThreads("local"));
        assertEquals(3, SparkSessions.localThreads("local[3]"));
        assertEquals(2, SparkSessions.localThreads("local[2,4]"));   // N tasks at once, F failures allowed
        assertEquals(Runtime.getRuntime().availableProcessors(), SparkSessions.localThreads("local[*]"));
        assertTrue(SparkSessions.local("local[2]"));
        assertFalse(SparkSessions.local("local-cluster[2,1,1024]"), "its executors are separate JVMs");
        assertFalse(SparkSessions.local("spark://127.0.0.1:7077"));
        assertThrows(IllegalArgumentException.class, () -> SparkSessions.localThreads("spark://127.0.0.1:7077"));
    }

    @Test
    void aMasterOfNoKnownFormIsRejectedBeforeAnythingStarts() {
        SparkSessions.checkMaster(null);
        SparkSessions.checkMaster("k8s://https://host:6443");
        SpecException e = assertThrows(SpecException.class, () -> SparkSessions.checkMaster("local[two]"));
        assertTrue(e.getMessage().contains("--master"), e.getMessage());
    }
}
