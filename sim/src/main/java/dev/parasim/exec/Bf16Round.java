package dev.parasim.exec;

/** bfloat16 conversion: the top 16 bits of an fp32, rounded to nearest even. */
public final class Bf16Round {
    private Bf16Round() {}

    /** {@return the bf16 bits of {@code value}, rounded to nearest even (NaN stays NaN)} */
    public static short round(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) return (short) 0x7fc0;
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7fff + lsb) >>> 16);
    }

    /** {@return the fp32 value of bf16 bits} */
    public static float up(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
