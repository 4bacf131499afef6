package dev.parasim.exec.spark;

import dev.parasim.exec.Wire;
import scala.Tuple2;
import scala.collection.IterableOnce;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The functions a superstep's RDDs run, as named classes for Spark's Scala RDD API rather than Java lambdas through
 * the Java API: the Java API wraps each lambda in a Scala closure that Spark's ClosureCleaner inspects by reading its
 * class file from the jar, on the driver, for every RDD a batch chains (two or three a superstep); that was 7% of
 * the main job's CPU samples (JFR over {@code sim run} of the executed experiments). A named class is not a closure,
 * so Spark only checks that it serializes.
 */
final class SuperstepFunctions {
    private SuperstepFunctions() {}

    static final ClassTag<Hosted> HOSTED = ClassTag$.MODULE$.apply(Hosted.class);
    static final ClassTag<Integer> RANK = ClassTag$.MODULE$.apply(Integer.class);
    static final ClassTag<byte[]> WIRE = ClassTag$.MODULE$.apply(byte[].class);
    static final ClassTag<long[]> STATUS = ClassTag$.MODULE$.apply(long[].class);
    @SuppressWarnings({"unchecked", "rawtypes"})
    static final ClassTag<Tuple2<Integer, byte[]>> MESSAGE = (ClassTag) ClassTag$.MODULE$.apply(Tuple2.class);

    /** A partition's cross-partition messages of the last superstep, keyed by destination rank. */
    static final class Outgoing extends AbstractFunction1<Hosted, IterableOnce<Tuple2<Integer, byte[]>>> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public IterableOnce<Tuple2<Integer, byte[]>> apply(Hosted hosted) {
            List<Tuple2<Integer, byte[]>> out = new ArrayList<>();
            for (byte[] w : hosted.partition().outgoing()) out.add(new Tuple2<>(Wire.dst(w), w));
            return CollectionConverters.asScala(out.iterator());
        }
    }

    /** Superstep {@code generation}: the partition (one element) with its shuffled incoming messages. */
    static final class Step extends AbstractFunction2<Iterator<Hosted>, Iterator<Tuple2<Integer, byte[]>>, Iterator<Hosted>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int generation;
        private final boolean startStep;
        private final boolean batchStart;

        Step(int generation, boolean startStep, boolean batchStart) {
            this.generation = generation;
            this.startStep = startStep;
            this.batchStart = batchStart;
        }

        @Override
        public Iterator<Hosted> apply(Iterator<Hosted> hosted, Iterator<Tuple2<Integer, byte[]>> incoming) {
            java.util.Iterator<Tuple2<Integer, byte[]>> messages = CollectionConverters.asJava(incoming);
            java.util.Iterator<byte[]> payloads = new java.util.Iterator<>() {
                @Override public boolean hasNext() { return messages.hasNext(); }

                @Override public byte[] next() { return messages.next()._2(); }
            };
            Hosted h = hosted.next().superstep(generation, startStep, batchStart, payloads);
            return CollectionConverters.asScala(List.of(h).iterator());
        }
    }

    /** A partition's {@link dev.parasim.exec.HostedPartition#status} after a batch: what the job that runs the batch brings back. */
    static final class Status extends AbstractFunction1<Hosted, long[]> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public long[] apply(Hosted hosted) { return hosted.partition().status(); }
    }

    /** Superstep {@code generation} after a quiet one: nothing to deliver across partitions. */
    static final class Quiet extends AbstractFunction1<Hosted, Hosted> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int generation;
        private final boolean startStep;
        private final boolean batchStart;

        Quiet(int generation, boolean startStep, boolean batchStart) {
            this.generation = generation;
            this.startStep = startStep;
            this.batchStart = batchStart;
        }

        @Override
        public Hosted apply(Hosted hosted) { return hosted.quietSuperstep(generation, startStep, batchStart); }
    }
}
