package dev.parasim.exec.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.storage.RDDInfo;
import scala.jdk.javaapi.CollectionConverters;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spark's own count of the bytes each superstep shuffled: a listener that adds up the shuffle-write
 * bytes of every stage whose job carries the {@code parasim.run} local property, by the superstep
 * that sent the messages (named in the stage's message RDD, {@code parasim-messages-g}); one
 * listener per SparkContext. Listener events arrive asynchronously, so readers first
 * {@link #await} the end events of the jobs they ran.
 */
public final class ShuffleMeter extends SparkListener {
    static final String RUN = "parasim.run";
    private static final Map<SparkContext, ShuffleMeter> METERS = new WeakHashMap<>();

    private final Map<Integer, String> stageOwner = new ConcurrentHashMap<>();
    private final Map<Integer, String> jobOwner = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, Long>> bytes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> jobsEnded = new ConcurrentHashMap<>();

    private ShuffleMeter() {}

    /** {@return the meter listening on {@code sc}, registering it on first use} */
    public static synchronized ShuffleMeter of(SparkContext sc) {
        return METERS.computeIfAbsent(sc, k -> {
            ShuffleMeter m = new ShuffleMeter();
            k.addSparkListener(m);
            return m;
        });
    }

    @Override
    public void onJobStart(SparkListenerJobStart e) {
        String run = e.properties() == null ? null : e.properties().getProperty(RUN);
        if (run != null) jobOwner.put(e.jobId(), run);
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted e) {
        String run = e.properties() == null ? null : e.properties().getProperty(RUN);
        if (run != null) stageOwner.put(e.stageInfo().stageId(), run);
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted e) {
        StageInfo info = e.stageInfo();
        String run = stageOwner.remove(info.stageId());
        if (run == null || info.taskMetrics() == null) return;
        long written = info.taskMetrics().shuffleWriteMetrics().bytesWritten();
        if (written == 0) return;
        for (RDDInfo rdd : CollectionConverters.asJava(info.rddInfos()))
            if (rdd.name() != null && rdd.name().startsWith(SuperstepEngine.MESSAGES)) {
                int sender = Integer.parseInt(rdd.name().substring(SuperstepEngine.MESSAGES.length()));
                bytes.computeIfAbsent(run, k -> new ConcurrentHashMap<>()).merge(sender, written, Long::sum);
                return;
            }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd e) {
        String run = jobOwner.remove(e.jobId());
        if (run != null) jobsEnded.computeIfAbsent(run, k -> new AtomicInteger()).incrementAndGet();
    }

    /** Waits until the listener has seen {@code jobs} job ends of {@code run} (at most {@code timeoutMs}). */
    public void await(String run, int jobs, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (jobsEnded.getOrDefault(run, new AtomicInteger()).get() < jobs) {
            if (System.currentTimeMillis() > deadline)
                throw new IllegalStateException("Spark listener saw " + jobsEnded.getOrDefault(run, new AtomicInteger()).get()
                        + " of " + jobs + " jobs of run " + run + " within " + timeoutMs + " ms");
            try {
                Thread.sleep(2);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ie);
            }
        }
    }

    /** {@return shuffle-write bytes by the superstep that sent the messages} */
    public Map<Integer, Long> bytesBySuperstep(String run) {
        return Map.copyOf(bytes.getOrDefault(run, Map.of()));
    }

    /** Forgets a finished run. */
    public void forget(String run) {
        bytes.remove(run);
        jobsEnded.remove(run);
    }
}
