package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How each parameter unit of a {@link GptConfig} is split over a tensor-parallel group of t ranks
 * (Shoeybi et al. 2019 §3): qkv column-parallel by heads, proj row-parallel, fc1 column-parallel,
 * fc2 row-parallel, wte split by vocabulary rows; LayerNorms, wpe and the row-parallel biases
 * replicated. A shard is one flat vector per unit, its tensors in the unit's storage order with the
 * shapes of {@link #tensors(int)}.
 */
public final class TpShards implements java.io.Serializable {

    /** How one tensor is split over the t ranks. */
    public enum Split {
        /** Every rank holds the whole tensor. */
        REPLICATED,
        /** Rank r holds rows [r·R/t, (r+1)·R/t): wte (vocab), proj.w and fc2.w (row-parallel inputs). */
        ROWS,
        /** Rank r holds columns [r·C/t, (r+1)·C/t): fc1.w and fc1.b (column-parallel outputs). */
        COLUMNS,
        /** Columns split within each of the q, k and v thirds, so rank r keeps its heads of each: qkv.w, qkv.b. */
        QKV_COLUMNS
    }

    private final GptConfig config;
    private final int t;
    private final ParamLayout full;
    private final List<List<ParamLayout.Tensor>> units;

    public TpShards(GptConfig config, int t) {
        if (t < 1) throw new IllegalArgumentException("tp: must be positive, found " + t);
        if (config.heads() % t != 0) throw new IllegalArgumentException("tp: must divide heads (" + config.heads() + "), found " + t);
        if (config.vocab() % t != 0) throw new IllegalArgumentException("tp: must divide vocab (" + config.vocab() + "), found " + t);
        if (config.ffnHidden() % t != 0)
            throw new IllegalArgumentException("tp: must divide ffnHidden (" + config.ffnHidden() + "), found " + t);
        this.config = config;
        this.t = t;
        this.full = ParamLayout.of(config);
        List<List<ParamLayout.Tensor>> shardUnits = new ArrayList<>();
        for (int u = 0; u < full.units(); u++) {
            List<ParamLayout.Tensor> tensors = new ArrayList<>();
            long offset = 0;
            for (ParamLayout.Tensor f : full.tensors(u)) {
                ParamLayout.Tensor s = new ParamLayout.Tensor(u, f.name(), shardShape(f), offset, f.init());
                tensors.add(s);
                offset += s.elements();
            }
            shardUnits.add(List.copyOf(tensors));
        }
        this.units = List.copyOf(shardUnits);
    }

    public GptConfig config() { return config; }

    /** {@return the TP degree t} */
    public int degree() { return t; }

    /** {@return the unsharded layout} */
    public ParamLayout fullLayout() { return full; }

    /** {@return rank-independent shard tensors of unit u: names and offsets as stored in a shard} */
    public List<ParamLayout.Tensor> tensors(int u) { return units.get(u); }

    /** {@return elements in one rank's shard of unit u} */
    public long shardSize(int u) {
        ParamLayout.Tensor last = units.get(u).get(units.get(u).size() - 1);
        return last.offset() + last.elements();
    }

    /** {@return how tensor {@code name} is split} */
    public static Split split(String name) {
        return switch (name) {
            case "wte", "proj.w", "fc2.w" -> Split.ROWS;
            case "fc1.w", "fc1.b" -> Split.COLUMNS;
            case "qkv.w", "qkv.b" -> Split.QKV_COLUMNS;
            default -> Split.REPLICATED;
        };
    }

    /**
     * {@return names of unit u's replicated tensors whose gradient is only partial on each rank under
     * sequence parallelism}, each rank having seen only its s/t tokens: LayerNorm gains and biases and
     * wpe. The caller must sum-AllReduce these gradients over the TP group once per step, before the
     * optimizer (Korthikanti et al. 2022 §4.2.2). The row-parallel biases proj.b and fc2.b are not in the
     * list: {@link TpBlock} takes their gradient from the gathered full output gradient.
     */
    public List<String> sequenceParallelPartialGrads(int u) {
        List<String> names = new ArrayList<>();
        for (ParamLayout.Tensor f : full.tensors(u))
            if (f.name().startsWith("ln") || f.name().equals("wpe")) names.add(f.name());
        return List.copyOf(names);
    }

    /** {@return short names of unit u's tensors, in storage order} */
    public List<String> names(int u) {
        return units.get(u).stream().map(ParamLayout.Tensor::name).toList();
    }

    /** {@return every shard tensor of unit u as a view of {@code shardFlat}, by short name} */
    public Map<String, INDArray> views(int u, INDArray shardFlat) {
        if (shardFlat.rank() != 1 || shardFlat.length() != shardSize(u))
            throw new IllegalArgumentException("unit " + u + ": shard must have " + shardSize(u) + " elements, found shape "
                    + java.util.Arrays.toString(shardFlat.shape()));
        Map<String, INDArray> views = new LinkedHashMap<>();
        for (ParamLayout.Tensor s : units.get(u)) {
            INDArray slice = shardFlat.get(NDArrayIndex.interval(s.offset(), s.offset() + s.elements()));
            views.put(s.name(), s.shape().length == 1 ? slice : slice.reshape('c', s.shape()));
        }
        return views;
    }

    /** {@return rank r's flat shard of the full flat unit u} (a copy) */
    public INDArray shard(int u, INDArray fullUnit, int r) {
        if (r < 0 || r >= t) throw new IllegalArgumentException("rank: must be in [0, " + (t - 1) + "], found " + r);
        Map<String, INDArray> f = full.views(u, fullUnit);
        INDArray out = Nd4j.zeros(fullUnit.dataType(), shardSize(u));
        Map<String, INDArray> s = views(u, out);
        for (var e : s.entrySet()) e.getValue().assign(piece(e.getKey(), f.get(e.getKey()), r).reshape(e.getValue().shape()));
        return out;
    }

    /** {@return the full flat unit u rebuilt from the t rank shards; replicated tensors come from rank 0} */
    public INDArray reassemble(int u, INDArray[] shards) {
        if (shards.length != t) throw new IllegalArgumentException("shards: must hold " + t + " ranks, found " + shards.length);
        INDArray out = Nd4j.zeros(shards[0].dataType(), full.unitSize(u));
        Map<String, INDArray> f = full.views(u, out);
        List<Map<String, INDArray>> s = new ArrayList<>();
        for (INDArray shard : shards) s.add(views(u, shard));
        for (var e : f.entrySet()) {
            String name = e.getKey();
            INDArray[] parts = new INDArray[t];
            for (int r = 0; r < t; r++) parts[r] = matrix(s.get(r).get(name));
            INDArray whole = switch (split(name)) {
                case REPLICATED -> parts[0];
                case ROWS -> Nd4j.vstack(parts);
                case COLUMNS -> Nd4j.hstack(parts);
                case QKV_COLUMNS -> Nd4j.hstack(thirds(parts, 0), thirds(parts, 1), thirds(parts, 2));
            };
            e.getValue().assign(whole.reshape(e.getValue().shape()));
        }
        return out;
    }

    private static INDArray thirds(INDArray[] parts, int third) {
        INDArray[] cols = new INDArray[parts.length];
        long c = parts[0].columns() / 3;
        for (int r = 0; r < parts.length; r++)
            cols[r] = parts[r].get(NDArrayIndex.all(), NDArrayIndex.interval(third * c, (third + 1) * c));
        return Nd4j.hstack(cols);
    }

    /** {@return rank r's piece of one full tensor, as a matrix (a 1-D tensor as one row)} */
    private INDArray piece(String name, INDArray whole, int r) {
        INDArray m = matrix(whole);
        long rows = m.rows(), cols = m.columns();
        return switch (split(name)) {
            case REPLICATED -> m;
            case ROWS -> m.get(NDArrayIndex.interval(r * rows / t, (r + 1) * rows / t), NDArrayIndex.all());
            case COLUMNS -> m.get(NDArrayIndex.all(), NDArrayIndex.interval(r * cols / t, (r + 1) * cols / t));
            case QKV_COLUMNS -> {
                long c = cols / 3, w = c / t;
                INDArray[] thirds = new INDArray[3];
                for (int k = 0; k < 3; k++)
                    thirds[k] = m.get(NDArrayIndex.all(), NDArrayIndex.interval(k * c + r * w, k * c + (r + 1) * w));
                yield Nd4j.hstack(thirds);
            }
        };
    }

    private static INDArray matrix(INDArray x) { return x.rank() == 1 ? x.reshape(1, x.length()) : x; }

    private long[] shardShape(ParamLayout.Tensor f) {
        long[] shape = f.shape();
        switch (split(f.name())) {
            case REPLICATED -> { }
            case ROWS -> shape[0] /= t;
            case COLUMNS, QKV_COLUMNS -> shape[shape.length - 1] /= t;
        }
        return shape;
    }
}
