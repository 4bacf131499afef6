package dev.parasim.exec;

import dev.parasim.exec.model.Bf16;

/** Storage type of an executed buffer: the bytes one element occupies in memory and on the wire. */
public enum Dtype {
    F64(8), F32(4), BF16(2);

    private final int bytes;

    Dtype(int bytes) { this.bytes = bytes; }

    /** {@return bytes per element} */
    public int bytes() { return bytes; }

    /** {@return {@code value} as this type stores it (rounded to float, or to bf16 by nearest-even)} */
    public double round(double value) {
        return switch (this) {
            case F64 -> value;
            case F32 -> (float) value;
            case BF16 -> Bf16.value(Bf16.bits((float) value));
        };
    }
}
