package dev.parasim.spec;

/** One accelerator: memory, dense peak throughput per precision and HBM bandwidth. */
public record GpuSpec(String name, double memoryGB, double fp32Tflops, double bf16Tflops, double fp8Tflops,
                      double hbmGBps) {

    public GpuSpec {
        Check.name("name", name);
        Check.positive("memoryGB", memoryGB);
        Check.positive("peakTflops.fp32", fp32Tflops);
        Check.positive("peakTflops.bf16", bf16Tflops);
        Check.nonNegative("peakTflops.fp8", fp8Tflops);
        Check.positive("hbmGBps", hbmGBps);
    }

    /** {@return memory in bytes (GB = 1e9 bytes, as marketed)} */
    public long memoryBytes() { return Math.round(memoryGB * 1e9); }

    /** {@return dense matrix peak in FLOP/s for GEMMs run in this precision} */
    public double peakFlops(Precision precision) {
        return 1e12 * switch (precision) {
            case FP32 -> fp32Tflops;
            case BF16_MIXED -> bf16Tflops;
            case FP8_MIXED -> fp8Tflops > 0 ? fp8Tflops : bf16Tflops;
        };
    }
}
