package dev.parasim.exec;

import dev.parasim.exec.model.Bf16;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * A flat buffer of one {@link Dtype}, backed by a primitive array (never an INDArray, so it survives
 * any Spark serializer). Element arithmetic happens in fp32 for bf16 and fp32 buffers (bf16 values
 * are upcast, combined, and rounded back) and in fp64 for fp64 buffers.
 */
public final class Buf implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Dtype type;
    private final int length;
    private final double[] d;
    private final float[] f;
    private final short[] h;

    public Buf(Dtype type, int length) {
        this.type = type;
        this.length = length;
        this.d = type == Dtype.F64 ? new double[length] : null;
        this.f = type == Dtype.F32 ? new float[length] : null;
        this.h = type == Dtype.BF16 ? new short[length] : null;
    }

    public Dtype type() { return type; }

    public int length() { return length; }

    /** {@return the bytes this buffer occupies: length · element bytes} */
    public long bytes() { return (long) length * type.bytes(); }

    public double get(int i) {
        return switch (type) {
            case F64 -> d[i];
            case F32 -> f[i];
            case BF16 -> Bf16.value(h[i]);
        };
    }

    /** Stores {@code value} rounded to this buffer's type. */
    public void set(int i, double value) {
        switch (type) {
            case F64 -> d[i] = value;
            case F32 -> f[i] = (float) value;
            case BF16 -> h[i] = Bf16.bits((float) value);
        }
    }

    /** Adds {@code value} in this buffer's arithmetic (fp32 for fp32 and bf16, fp64 for fp64). */
    public void add(int i, double value) {
        switch (type) {
            case F64 -> d[i] += value;
            case F32 -> f[i] = f[i] + (float) value;
            case BF16 -> h[i] = Bf16.bits(Bf16.value(h[i]) + (float) value);
        }
    }

    public void fill(double value) {
        for (int i = 0; i < length; i++) set(i, value);
    }

    /** Copies {@code count} elements from {@code src[from]} to {@code this[to]}, rounding to this type. */
    public void copyFrom(Buf src, int from, int to, int count) {
        if (src.type == type) {
            switch (type) {
                case F64 -> System.arraycopy(src.d, from, d, to, count);
                case F32 -> System.arraycopy(src.f, from, f, to, count);
                case BF16 -> System.arraycopy(src.h, from, h, to, count);
            }
            return;
        }
        for (int i = 0; i < count; i++) set(to + i, src.get(from + i));
    }

    /** {@return the first {@code count} elements as doubles (an exact upcast)} */
    public double[] toDoubles(int count) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) out[i] = get(i);
        return out;
    }

    /** {@return elements [from, from + count) as a new 1-d ND4J array of {@code type} (an exact upcast)} */
    public INDArray toNd(int from, int count, DataType type) {
        if (type == DataType.DOUBLE) {
            double[] out = new double[count];
            for (int i = 0; i < count; i++) out[i] = get(from + i);
            return Nd4j.createFromArray(out);
        }
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = (float) get(from + i);
        return Nd4j.createFromArray(out).castTo(type);
    }

    /** Stores every element of the 1-d array {@code values} at positions {@code to…}, rounded to this type. */
    public void setFrom(INDArray values, int to) {
        if (values.dataType() == DataType.DOUBLE) {
            double[] v = values.toDoubleVector();
            for (int i = 0; i < v.length; i++) set(to + i, v[i]);
        } else {
            float[] v = values.toFloatVector();
            for (int i = 0; i < v.length; i++) set(to + i, v[i]);
        }
    }

    /** {@return the values of {@code values} stored into a new buffer of {@code type} and {@code length}} */
    public static Buf of(Dtype type, int length, double[] values) {
        Buf b = new Buf(type, length);
        for (int i = 0; i < values.length; i++) b.set(i, values[i]);
        return b;
    }

    /**
     * Writes {@code count} elements starting at {@code from} little-endian; positions at or past
     * {@code end} are padding and written as zeros.
     */
    public void encode(ByteBuffer out, int from, int count, int end) {
        for (int i = from; i < from + count; i++) {
            boolean pad = i >= end;
            switch (type) {
                case F64 -> out.putDouble(pad ? 0 : d[i]);
                case F32 -> out.putFloat(pad ? 0 : f[i]);
                case BF16 -> out.putShort(pad ? 0 : h[i]);
            }
        }
    }

    /**
     * Reads {@code count} elements into positions {@code from…}, adding them ({@code accumulate}) or
     * overwriting; elements for positions at or past {@code end} are padding and skipped.
     */
    public void decode(ByteBuffer in, int from, int count, int end, boolean accumulate) {
        for (int i = from; i < from + count; i++) {
            switch (type) {
                case F64 -> {
                    double v = in.getDouble();
                    if (i < end) d[i] = accumulate ? d[i] + v : v;
                }
                case F32 -> {
                    float v = in.getFloat();
                    if (i < end) f[i] = accumulate ? f[i] + v : v;
                }
                case BF16 -> {
                    short v = in.getShort();
                    if (i < end) h[i] = accumulate ? Bf16.bits(Bf16.value(h[i]) + Bf16.value(v)) : v;
                }
            }
        }
    }

    /** Reads {@code count} elements into positions {@code from…}, keeping the larger of each pair; padding is skipped. */
    public void decodeMax(ByteBuffer in, int from, int count, int end) {
        for (int i = from; i < from + count; i++) {
            double v = switch (type) {
                case F64 -> in.getDouble();
                case F32 -> in.getFloat();
                case BF16 -> Bf16.value(in.getShort());
            };
            if (i < end && v > get(i)) set(i, v);
        }
    }
}
