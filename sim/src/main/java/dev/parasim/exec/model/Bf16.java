package dev.parasim.exec.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * bfloat16 as the top 16 bits of an IEEE-754 float: rounding to nearest, ties to even, on the bit
 * pattern, and packing to 2 bytes per element (little-endian for byte arrays). Values stay in fp32
 * arrays for arithmetic; only storage and transfer use the 2-byte form.
 */
public final class Bf16 {
    private Bf16() {}

    /** {@return the bf16 bit pattern nearest to f (ties to even); NaN stays a quiet NaN} */
    public static short bits(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) return (short) ((x >>> 16) | 0x0040);
        int lsb = (x >>> 16) & 1;
        return (short) ((x + 0x7FFF + lsb) >>> 16);
    }

    /** {@return the float whose top half is {@code bits}} */
    public static float value(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** {@return f rounded to the nearest bf16 value} */
    public static float round(float f) {
        return value(bits(f));
    }

    /** {@return a new FLOAT array of x's shape holding x rounded to bf16} (DOUBLE input is first cast to float) */
    public static INDArray round(INDArray x) {
        float[] values = floats(x);
        for (int i = 0; i < values.length; i++) values[i] = round(values[i]);
        return Nd4j.createFromArray(values).reshape('c', x.shape());
    }

    /** Rounds x to bf16 values in place. */
    public static void roundInPlace(INDArray x) {
        x.assign(round(x));
    }

    /** {@return the bf16 bit patterns of x, c order} */
    public static short[] pack(INDArray x) {
        float[] values = floats(x);
        short[] packed = new short[values.length];
        for (int i = 0; i < values.length; i++) packed[i] = bits(values[i]);
        return packed;
    }

    /** {@return x as bf16, 2 bytes per element, little-endian, c order} */
    public static byte[] packBytes(INDArray x) {
        short[] packed = pack(x);
        byte[] bytes = new byte[2 * packed.length];
        for (int i = 0; i < packed.length; i++) {
            bytes[2 * i] = (byte) packed[i];
            bytes[2 * i + 1] = (byte) (packed[i] >>> 8);
        }
        return bytes;
    }

    /** {@return a FLOAT array of the given shape from bf16 bit patterns} */
    public static INDArray unpack(short[] packed, long... shape) {
        float[] values = new float[packed.length];
        for (int i = 0; i < packed.length; i++) values[i] = value(packed[i]);
        return Nd4j.createFromArray(values).reshape('c', shape);
    }

    /** {@return a FLOAT array of the given shape from little-endian bf16 bytes} */
    public static INDArray unpackBytes(byte[] bytes, long... shape) {
        if (bytes.length % 2 != 0) throw new IllegalArgumentException("bytes: length must be even, found " + bytes.length);
        short[] packed = new short[bytes.length / 2];
        for (int i = 0; i < packed.length; i++) packed[i] = (short) ((bytes[2 * i] & 0xFF) | (bytes[2 * i + 1] << 8));
        return unpack(packed, shape);
    }

    private static float[] floats(INDArray x) {
        INDArray f = x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        return f.dup('c').reshape(f.length()).toFloatVector();
    }
}
