package dev.parasim.exec.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one unit step produced: its {@code value} (a [b·s, h] output, a gradient, or the 1-element
 * loss) plus the tensors its backward step needs. {@link #bytes()} counts the value and the saved
 * floating-point tensors but not the step's input (the previous step's value, counted there), so summing
 * bytes() over the live activations of a forward pass gives the activation memory without double counting.
 */
public final class Activation {
    private static final Activation NONE = new Activation(null, null, Map.of());

    private final INDArray value;
    private final INDArray input;
    private final Map<String, INDArray> saved;

    Activation(INDArray value, INDArray input, Map<String, INDArray> saved) {
        this.value = value;
        this.input = input;
        this.saved = Map.copyOf(new LinkedHashMap<>(saved));
    }

    /** {@return an activation holding only {@code value}, e.g. a gradient flowing backwards} */
    public static Activation of(INDArray value) {
        return new Activation(value, null, Map.of());
    }

    /** {@return the empty activation: the input of unit 0 and the input gradient it returns} */
    public static Activation none() { return NONE; }

    /** {@return the output tensor (null for {@link #none()})} */
    public INDArray value() { return value; }

    /** {@return the value of a 1-element activation (the loss of the head step)} */
    public double scalar() { return value.getDouble(0); }

    /**
     * {@return bytes of the value and saved floating-point tensors and masks this activation keeps alive (input
     * excluded)}: integer index tensors (the batch's token and target ids) are input data, not activation memory;
     * dropout masks are booleans, 1 B an element
     */
    public long bytes() {
        return (value == null ? 0 : bytesOf(value)) + savedBytes();
    }

    /** {@return bytes of the saved floating-point tensors alone (what backward reads besides the input)} */
    public long savedBytes() {
        long bytes = 0;
        for (INDArray t : saved.values())
            if (t.dataType().isFPType() || t.dataType() == org.nd4j.linalg.api.buffer.DataType.BOOL) bytes += bytesOf(t);
        return bytes;
    }

    INDArray input() { return input; }

    INDArray saved(String name) {
        INDArray t = saved.get(name);
        if (t == null) throw new IllegalStateException("activation holds no saved tensor " + name + "; it has " + saved.keySet());
        return t;
    }

    private static long bytesOf(INDArray t) {
        return t.length() * t.dataType().width();
    }
}
