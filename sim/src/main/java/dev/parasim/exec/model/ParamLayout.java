package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named parameter tensors of a {@link GptConfig}, grouped in units: unit 0 is the embedding
 * (wte, wpe), units 1..L the blocks, unit L+1 the final LayerNorm. Each unit is stored as one flat
 * c-order vector; a tensor is the view [offset, offset + elements) of it, reshaped.
 */
public final class ParamLayout implements java.io.Serializable {

    /** How a tensor is initialised (GPT-2: normal(0, 0.02) matrices and embeddings, zero biases, unit gains). */
    public enum Init { NORMAL, ZEROS, ONES }

    /** One parameter tensor: its unit, short name, shape and element offset within the unit's flat vector. */
    public record Tensor(int unit, String name, long[] shape, long offset, Init init) implements java.io.Serializable {
        public Tensor {
            shape = shape.clone();
            if (offset < 0) throw new IllegalArgumentException("offset: must be zero or positive, found " + offset);
        }

        @Override public long[] shape() { return shape.clone(); }

        /** {@return number of elements} */
        public long elements() { return Arrays.stream(shape).reduce(1, Math::multiplyExact); }

        /** {@return a model-wide name such as {@code block0.qkv.w}} */
        public String qualifiedName(int layers) {
            if (unit == 0) return "embedding." + name;
            return unit == layers + 1 ? name : "block" + (unit - 1) + "." + name;
        }

        @Override public String toString() { return name + Arrays.toString(shape) + "@" + offset; }
    }

    /** Short names of a block's tensors, in storage order. */
    public static final List<String> BLOCK_TENSORS = List.of("ln1.g", "ln1.b", "qkv.w", "qkv.b", "proj.w",
            "proj.b", "ln2.g", "ln2.b", "fc1.w", "fc1.b", "fc2.w", "fc2.b");

    private final GptConfig config;
    private final List<List<Tensor>> units;

    private ParamLayout(GptConfig config, List<List<Tensor>> units) {
        this.config = config;
        this.units = units;
    }

    /** {@return the layout of {@code config}} */
    public static ParamLayout of(GptConfig c) {
        long h = c.hidden(), f = c.ffnHidden();
        List<List<Tensor>> units = new ArrayList<>();
        units.add(unit(0, new Object[][] {
                {"wte", Init.NORMAL, new long[] {c.vocab(), h}},
                {"wpe", Init.NORMAL, new long[] {c.seqLen(), h}}}));
        for (int i = 1; i <= c.layers(); i++) {
            units.add(unit(i, new Object[][] {
                    {"ln1.g", Init.ONES, new long[] {h}}, {"ln1.b", Init.ZEROS, new long[] {h}},
                    {"qkv.w", Init.NORMAL, new long[] {h, 3 * h}}, {"qkv.b", Init.ZEROS, new long[] {3 * h}},
                    {"proj.w", Init.NORMAL, new long[] {h, h}}, {"proj.b", Init.ZEROS, new long[] {h}},
                    {"ln2.g", Init.ONES, new long[] {h}}, {"ln2.b", Init.ZEROS, new long[] {h}},
                    {"fc1.w", Init.NORMAL, new long[] {h, f}}, {"fc1.b", Init.ZEROS, new long[] {f}},
                    {"fc2.w", Init.NORMAL, new long[] {f, h}}, {"fc2.b", Init.ZEROS, new long[] {h}}}));
        }
        units.add(unit(c.layers() + 1, new Object[][] {
                {"lnf.g", Init.ONES, new long[] {h}}, {"lnf.b", Init.ZEROS, new long[] {h}}}));
        return new ParamLayout(c, List.copyOf(units));
    }

    private static List<Tensor> unit(int u, Object[][] specs) {
        List<Tensor> tensors = new ArrayList<>();
        long offset = 0;
        for (Object[] s : specs) {
            Tensor t = new Tensor(u, (String) s[0], (long[]) s[2], offset, (Init) s[1]);
            tensors.add(t);
            offset += t.elements();
        }
        return List.copyOf(tensors);
    }

    public GptConfig config() { return config; }

    /** {@return number of units: L + 2} */
    public int units() { return units.size(); }

    /** {@return the tensors of unit u, in storage order} */
    public List<Tensor> tensors(int u) { return units.get(checkUnit(u)); }

    /** {@return the tensor of unit u named {@code name}} */
    public Tensor tensor(int u, String name) {
        for (Tensor t : tensors(u)) if (t.name().equals(name)) return t;
        throw new IllegalArgumentException("name: no tensor in unit " + u + ", found " + name);
    }

    /** {@return element offset of tensor {@code name} within unit u's flat vector} */
    public long offset(int u, String name) { return tensor(u, name).offset(); }

    /** {@return elements in unit u's flat vector} */
    public long unitSize(int u) {
        Tensor last = tensors(u).get(tensors(u).size() - 1);
        return last.offset() + last.elements();
    }

    /** {@return elements in all units} */
    public long totalElements() {
        long total = 0;
        for (int u = 0; u < units(); u++) total += unitSize(u);
        return total;
    }

    /** {@return the view of tensor t inside {@code unitFlat} (writes go through to the flat vector)} */
    public INDArray view(INDArray unitFlat, Tensor t) {
        INDArray slice = unitFlat.get(NDArrayIndex.interval(t.offset(), t.offset() + t.elements()));
        return t.shape().length == 1 ? slice : slice.reshape('c', t.shape());
    }

    /** {@return every tensor of unit u as a view of {@code unitFlat}, by short name} */
    public Map<String, INDArray> views(int u, INDArray unitFlat) {
        if (unitFlat.rank() != 1 || unitFlat.length() != unitSize(u))
            throw new IllegalArgumentException("unit " + u + ": flat vector must have " + unitSize(u)
                    + " elements, found shape " + Arrays.toString(unitFlat.shape()));
        Map<String, INDArray> views = new LinkedHashMap<>();
        for (Tensor t : tensors(u)) views.put(t.name(), view(unitFlat, t));
        return views;
    }

    private int checkUnit(int u) {
        if (u < 0 || u >= units.size())
            throw new IllegalArgumentException("unit: must be in [0, " + (units.size() - 1) + "], found " + u);
        return u;
    }
}
