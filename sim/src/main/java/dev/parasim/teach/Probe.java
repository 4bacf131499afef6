package dev.parasim.teach;

import dev.parasim.collective.CollectiveKind;
import dev.parasim.spec.Node;

/**
 * One typed computation over the accountant whose value fills a placeholder of an answer: the bank names
 * what to compute, never the number. Plans are named as in the question's setup.
 */
public sealed interface Probe {
    /** {@return the kind of number this probe yields} */
    Quantity quantity();

    /** Memory per GPU of a plan by component, on its worst stage (or {@code stage} ≥ 0 for activations). */
    record Memory(String plan, MemoryPart part, int stage) implements Probe {
        public Quantity quantity() { return part == MemoryPart.FITS ? Quantity.VERDICT : Quantity.BYTES; }
    }

    /** Bytes one GPU sends per step by collective (or all of them), optionally on one link tier only. */
    record Comm(String plan, CommPart collective, String tier) implements Probe {
        public Quantity quantity() { return Quantity.BYTES; }
    }

    /** A part of the step time of a plan. */
    record Time(String plan, TimePart part) implements Probe {
        public Quantity quantity() { return Quantity.SECONDS; }
    }

    /** MFU, HFU or throughput of a plan. */
    record Throughput(String plan, ThroughputMetric metric) implements Probe {
        public Quantity quantity() { return metric.quantity; }
    }

    /** A fact of the setup's model, cluster or batch, independent of plans. */
    record Fact(FactKind fact) implements Probe {
        public Quantity quantity() { return fact.quantity; }
    }

    /** A fact of one plan: micro-batches per step, GPUs, the closed-form bubble of its schedule, … */
    record PlanFact(String plan, PlanFactKind fact) implements Probe {
        public Quantity quantity() { return fact.quantity; }
    }

    /** Per-layer activation bytes of a plan, Korthikanti et al. 2022 Table 2 as the accountant counts them. */
    record LayerActivations(String plan) implements Probe {
        public Quantity quantity() { return Quantity.BYTES; }
    }

    /** One collective of {@code bytes} on {@code ranks} GPUs of the setup's cluster, from the α-β model. */
    record Collective(CollectiveKind kind, long bytes, int ranks, CollectiveMeasure measure) implements Probe {
        public Quantity quantity() { return measure == CollectiveMeasure.TIME ? Quantity.SECONDS : Quantity.BANDWIDTH; }
    }

    /** The largest micro-batch size that fits a plan, keeping its micro-batches per step. */
    record MaxMicroBatch(String plan) implements Probe {
        public Quantity quantity() { return Quantity.COUNT; }
    }

    /** {@code probe} computed on the question's setup with further {@code --set} what-ifs (another recompute, precision, …). */
    record WhatIf(Probe probe, java.util.List<String> set) implements Probe {
        public WhatIf {
            set = java.util.List.copyOf(set);
        }
        public Quantity quantity() { return probe.quantity(); }
    }

    /** {@code of / to}, two probes declared before it, written as a ratio or a percentage. */
    record Ratio(String of, String to, Quantity quantity) implements Probe {}

    /** {@code of − minus}, two probes of the same quantity declared before it. */
    record Difference(String of, String minus, Quantity quantity) implements Probe {}

    enum MemoryPart implements Node.Labelled {
        PARAMS("params"), GRADS("grads"), OPTIMIZER("optimizer"), STATES("states"), ACTIVATIONS("activations"),
        /** the most activation bytes held between passes (below the activation peak under full recompute) */
        BETWEEN_PASSES("between-passes"),
        BUFFERS("buffers"), PEAK("peak"), CAPACITY("capacity"), FITS("fits");
        private final String label;
        MemoryPart(String label) { this.label = label; }
        @Override public String label() { return label; }
    }

    enum CommPart implements Node.Labelled {
        TOTAL("total", null), ALL_REDUCE("all-reduce", CollectiveKind.ALL_REDUCE),
        REDUCE_SCATTER("reduce-scatter", CollectiveKind.REDUCE_SCATTER), ALL_GATHER("all-gather", CollectiveKind.ALL_GATHER),
        SEND_RECV("send-recv", CollectiveKind.SEND_RECV), ALL_TO_ALL("all-to-all", CollectiveKind.ALL_TO_ALL);
        private final String label;
        final CollectiveKind kind;
        CommPart(String label, CollectiveKind kind) {
            this.label = label;
            this.kind = kind;
        }
        @Override public String label() { return label; }
    }

    enum TimePart implements Node.Labelled {
        STEP("step"), COMPUTE("compute"), EXPOSED_COMM("exposed-comm"), BUBBLE("bubble");
        private final String label;
        TimePart(String label) { this.label = label; }
        @Override public String label() { return label; }
    }

    enum ThroughputMetric implements Node.Labelled {
        MFU("mfu", Quantity.PERCENT), HFU("hfu", Quantity.PERCENT), TOKENS_PER_SECOND("tokens-per-second", Quantity.RATE),
        TOKENS_PER_GPU_SECOND("tokens-per-gpu-second", Quantity.RATE);
        private final String label;
        final Quantity quantity;
        ThroughputMetric(String label, Quantity quantity) {
            this.label = label;
            this.quantity = quantity;
        }
        @Override public String label() { return label; }
    }

    enum FactKind implements Node.Labelled {
        PARAMETERS("parameters", Quantity.COUNT), ACTIVE_PARAMETERS("active-parameters", Quantity.COUNT),
        LAYER_PARAMETERS("layer-parameters", Quantity.COUNT),
        EMBEDDING_PARAMETERS("embedding-parameters", Quantity.COUNT),
        MODEL_FLOPS_PER_STEP("model-flops-per-step", Quantity.FLOPS),
        HARDWARE_FLOPS_PER_STEP("hardware-flops-per-step", Quantity.FLOPS),
        FLOPS_PER_TOKEN("flops-per-token", Quantity.FLOPS), TOKENS_PER_STEP("tokens-per-step", Quantity.COUNT),
        GPUS("gpus", Quantity.COUNT), GPU_MEMORY("gpu-memory", Quantity.BYTES),
        GPU_PEAK_FLOPS("gpu-peak-flops", Quantity.FLOP_RATE), HBM_BANDWIDTH("hbm-bandwidth", Quantity.BANDWIDTH),
        NODE_LINK_BANDWIDTH("node-link-bandwidth", Quantity.BANDWIDTH),
        CLUSTER_LINK_BANDWIDTH("cluster-link-bandwidth", Quantity.BANDWIDTH),
        OPTIMIZER_BYTES_PER_PARAM("optimizer-bytes-per-param", Quantity.COUNT),
        STATE_BYTES_PER_PARAM("state-bytes-per-param", Quantity.COUNT);
        private final String label;
        final Quantity quantity;
        FactKind(String label, Quantity quantity) {
            this.label = label;
            this.quantity = quantity;
        }
        @Override public String label() { return label; }
    }

    enum PlanFactKind implements Node.Labelled {
        MICRO_BATCHES("micro-batches", Quantity.COUNT), GPUS("gpus", Quantity.COUNT),
        DP_GROUP("dp-group", Quantity.COUNT), PARAMETERS_PER_GPU("parameters-per-gpu", Quantity.COUNT),
        BUBBLE_CLOSED_FORM("bubble-closed-form", Quantity.PERCENT);
        private final String label;
        final Quantity quantity;
        PlanFactKind(String label, Quantity quantity) {
            this.label = label;
            this.quantity = quantity;
        }
        @Override public String label() { return label; }
    }

    enum CollectiveMeasure implements Node.Labelled {
        TIME("time"), ALGBW("algbw"), BUSBW("busbw");
        private final String label;
        CollectiveMeasure(String label) { this.label = label; }
        @Override public String label() { return label; }
    }
}
