package dev.parasim.program;

import dev.parasim.plan.Axis;

/**
 * The communication group a collective runs on, named as a rank sees it: its TP, CP or data-parallel peers (the
 * dp·cp ranks that hold the same parameters), or the first and last pipeline stage's pair that share the tied word
 * embedding (Megatron's embedding group); under expert parallelism its EP peers (the ep data-parallel ranks that
 * split a layer's experts) and its expert-data-parallel peers (the dp·cp/ep ranks that hold the same experts, whose
 * traffic counts as DP's).
 */
public enum Group {
    TP, CP, DP, EMBEDDING, EP, EXPERT_DP;

    /** {@return the parallel dimension whose traffic this group's bytes count as} */
    public Axis axis() {
        return switch (this) {
            case TP -> Axis.TP;
            case CP -> Axis.CP;
            case DP -> Axis.DP;
            case EMBEDDING -> Axis.PP;
            case EP -> Axis.EP;
            case EXPERT_DP -> Axis.DP;
        };
    }
}
