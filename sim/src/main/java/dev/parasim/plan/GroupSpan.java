package dev.parasim.plan;

/**
 * How one communication group lies on the cluster: {@code size} ranks, {@code perNode} of them on each
 * node it touches, over {@code nodes} nodes. A group with {@code nodes == 1} never leaves NVLink.
 */
public record GroupSpan(int size, int perNode, int nodes) {

    public GroupSpan {
        if (size < 1 || perNode < 1 || nodes < 1 || perNode * nodes < size)
            throw new IllegalArgumentException("inconsistent span " + size + "/" + perNode + "/" + nodes);
    }

    public boolean crossesNodes() { return nodes > 1; }
}
