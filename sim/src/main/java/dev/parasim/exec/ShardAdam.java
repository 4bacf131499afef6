package dev.parasim.exec;

import dev.parasim.exec.model.Adam;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Adam} (the model's, shared with the single-device reference) on a range of flat rank
 * buffers: the gradient range is upcast, divided by {@code divisor} (dp·m: the global-batch mean,
 * once) and the parameter, m and v ranges are updated and stored back in their own types.
 */
final class ShardAdam {
    private ShardAdam() {}

    static void apply(Buf param, int pFrom, Buf m, Buf v, Buf grad, int gFrom, int count, double divisor,
                      double lr, int t) {
        if (count == 0) return;
        DataType type = param.type() == Dtype.F64 ? DataType.DOUBLE : DataType.FLOAT;
        INDArray p = param.toNd(pFrom, count, type);
        INDArray g = grad.toNd(gFrom, count, type).divi(divisor);
        INDArray mm = m.toNd(0, count, type);
        INDArray vv = v.toNd(0, count, type);
        Adam.step(p, g, mm, vv, t, lr);
        param.setFrom(p, pFrom);
        m.setFrom(mm, 0);
        v.setFrom(vv, 0);
    }
}
