package dev.parasim.program;

import dev.parasim.collective.Chunking;
import dev.parasim.program.schedule.Pass;
import dev.parasim.collective.CollectiveKind;

/**
 * One instruction of a step program: plain data that every interpreter reads (the timeline times it, the fold
 * counts it, the executor runs it). A closed family: compute, collective, point-to-point send or receive, memory
 * allocation or release, and the optimizer's update. Serializable, as the executor ships a stage's program to the
 * ranks that run it.
 */
public sealed interface Instruction extends java.io.Serializable {

    /**
     * A pass's arithmetic on one rank: {@code flops} of matrix products over the stage-local units
     * {@code firstUnit..lastUnit} for one micro-batch (Narayanan et al. 2021 eq. 3's terms, recomputation included).
     */
    record Compute(Pass pass, int firstUnit, int lastUnit, double flops) implements Instruction {
        public Compute {
            if (pass == null) throw new IllegalArgumentException("pass: is required");
            if (firstUnit < 0 || lastUnit < firstUnit)
                throw new IllegalArgumentException("units: must be 0 ≤ first ≤ last, found " + firstUnit + ".." + lastUnit);
            if (!(flops >= 0)) throw new IllegalArgumentException("flops: must be ≥ 0, found " + flops);
        }
    }

    /**
     * A collective on {@code group}: {@code elements} of {@code elementBytes} each in {@code buffer}, before padding
     * (each rank's chunk is ⌈elements/n⌉). {@code SEND_RECV} here is a ring shift: every rank sends its
     * {@code elements} to the next member (ring attention's key/value passing).
     */
    record Collective(CollectiveKind kind, Group group, Buffer buffer, long elements, int elementBytes, Overlap overlap)
            implements Instruction {
        public Collective {
            if (kind == null || group == null || buffer == null || overlap == null)
                throw new IllegalArgumentException("kind, group, buffer and overlap: are required");
            if (elements < 0) throw new IllegalArgumentException("elements: must be ≥ 0, found " + elements);
            if (elementBytes <= 0) throw new IllegalArgumentException("elementBytes: must be positive, found " + elementBytes);
        }

        /** {@return bytes one rank sends in a group of {@code n} (ring algorithms; NCCL PERFORMANCE.md)} */
        public long sentBytes(int n) {
            if (n == 1) return 0;
            long sent = switch (kind) {
                case ALL_REDUCE -> Chunking.ringAllReduceElements(elements, n);
                case REDUCE_SCATTER, ALL_GATHER -> Chunking.ringReduceScatterElements(elements, n);
                case ALL_TO_ALL -> (n - 1) * Chunking.shard(elements, n);
                case BROADCAST, SEND_RECV -> elements;
            };
            return sent * elementBytes;
        }

        /** {@return the bytes of the whole (unpadded) buffer, the size the cost model times} */
        public long bufferBytes() { return elements * elementBytes; }
    }

    /** A point-to-point send of {@code buffer} to pipeline stage {@code peerStage} (the next or previous virtual stage). */
    record Send(int peerStage, Buffer buffer, long elements, int elementBytes) implements Instruction {
        public Send {
            if (peerStage < 0) throw new IllegalArgumentException("peerStage: must be ≥ 0, found " + peerStage);
            if (elements < 0 || elementBytes <= 0) throw new IllegalArgumentException("elements, elementBytes: must be positive");
        }

        public long bytes() { return elements * elementBytes; }
    }

    /** The matching receive: the pass waits for {@code buffer} from pipeline stage {@code peerStage}. */
    record Receive(int peerStage, Buffer buffer, long elements, int elementBytes) implements Instruction {
        public Receive {
            if (peerStage < 0) throw new IllegalArgumentException("peerStage: must be ≥ 0, found " + peerStage);
            if (elements < 0 || elementBytes <= 0) throw new IllegalArgumentException("elements, elementBytes: must be positive");
        }

        public long bytes() { return elements * elementBytes; }
    }

    /** {@code bytes} of {@code buffer} come to life, counted as {@code category}. */
    record Allocate(Buffer buffer, MemoryCategory category, long bytes) implements Instruction {
        public Allocate {
            if (buffer == null || category == null) throw new IllegalArgumentException("buffer and category: are required");
            if (bytes < 0) throw new IllegalArgumentException("bytes: must be ≥ 0, found " + bytes);
        }
    }

    /** {@code buffer}, allocated earlier in the step, is released. */
    record Free(Buffer buffer) implements Instruction {
        public Free {
            if (buffer == null) throw new IllegalArgumentException("buffer: is required");
        }
    }

    /** The optimizer's update of the {@code elements} parameters this rank owns (its shard under ZeRO-1/2/3). */
    record OptimizerStep(long elements) implements Instruction {
        public OptimizerStep {
            if (elements < 0) throw new IllegalArgumentException("elements: must be ≥ 0, found " + elements);
        }
    }
}
