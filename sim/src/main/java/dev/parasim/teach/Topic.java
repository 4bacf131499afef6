package dev.parasim.teach;

import dev.parasim.spec.Node;

/** The bank's topics, in the order the book lists them (the interview guides' chapters). */
public enum Topic implements Node.Labelled {
    MEMORY("memory", "Memory accounting", "显存组成与估算"),
    RECOMPUTE("recompute", "Recompute and gradient accumulation", "重计算与梯度累积"),
    PRECISION("precision", "Mixed precision", "混合精度"),
    COLLECTIVES("collectives", "Collectives and NCCL", "集合通信与 NCCL"),
    DATA_PARALLEL("data-parallel", "Data parallelism", "数据并行"),
    ZERO("zero", "ZeRO and FSDP", "ZeRO 与 FSDP"),
    TENSOR_PARALLEL("tensor-parallel", "Tensor, sequence and context parallelism", "张量、序列与上下文并行"),
    PIPELINE("pipeline", "Pipeline parallelism", "流水线并行"),
    MOE("moe", "MoE and expert parallelism", "MoE 与专家并行"),
    HARDWARE("hardware", "Hardware and network", "硬件与网络"),
    ESTIMATION("estimation", "End-to-end estimation and configuration", "端到端估算与配置");

    private final String label;
    private final String en;
    private final String zh;

    Topic(String label, String en, String zh) {
        this.label = label;
        this.en = en;
        this.zh = zh;
    }

    @Override public String label() { return label; }

    /** {@return the topic's title in {@code lang}} */
    public String title(Lang lang) { return lang == Lang.EN ? en : zh; }
}
