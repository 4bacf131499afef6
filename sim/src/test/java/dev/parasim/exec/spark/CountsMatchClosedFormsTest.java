package dev.parasim.exec.spark;

import dev.parasim.analytic.Accountant;
import dev.parasim.analytic.PlanPrediction;
import dev.parasim.collective.Chunking;
import dev.parasim.collective.CollectiveKind;
import dev.parasim.exec.ExecutedResult;
import dev.parasim.exec.Experiments;
import dev.parasim.exec.RankComm;
import dev.parasim.exec.model.GptConfig;
import dev.parasim.exec.model.ParamLayout;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.Optimizer;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.Precision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Counted bytes per rank per collective and persistent memory per rank equal the closed forms
 * exactly (0-byte difference), in fp32 and bf16-mixed, and equal what the accountant predicts.
 */
class CountsMatchClosedFormsTest {

    @ParameterizedTest(name = "zero {0}, dp {1}, {2}")
    @CsvSource({"0,4,fp32", "1,4,fp32", "2,4,fp32", "3,4,fp32", "0,4,bf16-mixed", "1,4,bf16-mixed",
            "2,4,bf16-mixed", "3,4,bf16-mixed", "0,8,fp32", "2,8,bf16-mixed"})
    void countedBytesAndMemoryEqualTheFormulas(int zero, int dp, String precisionLabel) {
        Experiment e = Experiments.tiny(dp, zero, 2, precisionLabel, false, 0.004, 1);
        ParallelPlan plan = e.plans().get(0);
        ExecutedResult r = ExecutedRun.inProcess(e, plan, new ExecutedRun.Options(0, false));

        Precision precision = e.training().precision();
        int pB = precision.paramBytes(), gB = precision.gradBytes();
        long k = precision.optimizerBytesPerParam(Optimizer.ADAM);
        int n = dp, m = e.microBatches(plan);
        ParamLayout layout = ParamLayout.of(GptConfig.of(e.model()));
        long psi = 0, sumShards = 0;
        for (int u = 0; u < layout.units(); u++) {
            psi += layout.unitSize(u);
            sumShards += Chunking.shard(layout.unitSize(u), n);
        }
        long bucket = (long) Math.floor(e.training().bucketMB() * 1e6 / gB);
        Map<CollectiveKind, Long> expected = new HashMap<>();
        long params, grads, optimizer;
        switch (plan.zero()) {
            case DDP -> {
                expected.put(CollectiveKind.ALL_REDUCE, Chunking.bucketedAllReduceElements(psi, bucket, n) * gB);
                params = psi * pB;
                grads = psi * gB;
                optimizer = psi * k;
            }
            case OPTIMIZER -> {
                expected.put(CollectiveKind.REDUCE_SCATTER, (n - 1) * sumShards * gB);
                expected.put(CollectiveKind.ALL_GATHER, (n - 1) * sumShards * pB);
                params = n * sumShards * pB;
                grads = n * sumShards * gB;
                optimizer = sumShards * k;
            }
            case GRADIENTS -> {
                expected.put(CollectiveKind.REDUCE_SCATTER, m * (n - 1) * sumShards * gB);
                expected.put(CollectiveKind.ALL_GATHER, (n - 1) * sumShards * pB);
                params = n * sumShards * pB;
                grads = sumShards * gB;
                optimizer = sumShards * k;
            }
            case PARAMETERS -> {
                expected.put(CollectiveKind.ALL_GATHER, 2L * m * (n - 1) * sumShards * pB);
                expected.put(CollectiveKind.REDUCE_SCATTER, m * (n - 1) * sumShards * gB);
                params = sumShards * pB;
                grads = sumShards * gB;
                optimizer = sumShards * k;
            }
            default -> throw new IllegalStateException();
        }
        long total = expected.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("%s %s: Ψ=%d Σc=%d sent/rank %s, memory %s, cross-partition %d B%n",
                plan.name(), precisionLabel, psi, sumShards, r.byCollective(), r.memory(), r.crossPartitionBytes());
        assertEquals(dp, r.perRank().size());
        for (RankComm rank : r.perRank()) {
            for (CollectiveKind kind : CollectiveKind.values()) {
                long want = expected.getOrDefault(kind, 0L);
                assertEquals(want, rank.sent(kind), "rank " + rank.rank() + " sent " + kind.label());
                assertEquals(want, rank.received(kind), "rank " + rank.rank() + " received " + kind.label());
            }
            // Ring neighbour r → r+1: the node tier when both sit on one simulated node of 2, else the cluster tier.
            int next = (rank.rank() + 1) % n;
            String tier = rank.rank() / 2 == next / 2 ? e.cluster().nodeTier().name() : e.cluster().clusterTier().name();
            assertEquals(Map.of(tier, total), rank.sentByTier(), "rank " + rank.rank() + " tiers");
        }
        assertEquals(total, r.bytesPerGpu());
        assertEquals(params, r.memory().paramsBytes(), "params bytes");
        assertEquals(grads, r.memory().gradsBytes(), "grads bytes");
        assertEquals(optimizer, r.memory().optimizerBytes(), "optimizer bytes");

        // The accountant (closed-form interpreter) predicts the same bytes and model-state memory.
        PlanPrediction predicted = Accountant.predict(e).get(0);
        for (CollectiveKind kind : CollectiveKind.values())
            assertEquals(predicted.comm().bytes(kind), (long) r.byCollective().getOrDefault(kind.label(), 0L),
                    "accountant vs executed " + kind.label());
        assertEquals(predicted.comm().bytesPerGpu(), r.bytesPerGpu(), "accountant vs executed bytes per GPU");
        assertEquals(predicted.memory().paramsBytes(), r.memory().paramsBytes(), "accountant vs executed params");
        assertEquals(predicted.memory().gradsBytes(), r.memory().gradsBytes(), "accountant vs executed grads");
        assertEquals(predicted.memory().optimizerBytes(), r.memory().optimizerBytes(), "accountant vs executed optimizer");
    }
}
