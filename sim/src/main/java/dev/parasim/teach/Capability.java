package dev.parasim.teach;

import dev.parasim.spec.Node;

/** What ParaSim cannot compute yet; a question that needs one says so and {@code sim explain --missing} lists it. */
public enum Capability implements Node.Labelled {
    MOE_ROUTING("moe-routing", "MoE routing beyond balanced (load imbalance, dropped tokens)",
            "超出均衡假设的 MoE 路由(负载不均、丢弃的 token)"),
    CONTEXT_PARALLEL_EXECUTION("context-parallel-execution", "context parallelism executed on Spark (only predicted today)",
            "在 Spark 上执行上下文并行(目前只有预测)"),
    LORA("lora", "parameter-efficient fine-tuning (frozen weights, LoRA adapters) in the training spec",
            "训练规格中的参数高效微调(冻结权重、LoRA 适配器)"),
    OFFLOAD("offload", "CPU/NVMe offload of optimizer states or parameters (ZeRO-Offload, ZeRO-Infinity)",
            "优化器状态或参数卸载到 CPU/NVMe(ZeRO-Offload、ZeRO-Infinity)");

    private final String label;
    private final String en;
    private final String zh;

    Capability(String label, String en, String zh) {
        this.label = label;
        this.en = en;
        this.zh = zh;
    }

    @Override public String label() { return label; }

    /** {@return what is missing, in {@code lang}} */
    public String description(Lang lang) { return lang == Lang.EN ? en : zh; }
}
