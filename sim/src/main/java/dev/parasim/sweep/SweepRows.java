package dev.parasim.sweep;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/** The sweep's DataFrame schema: one column per {@link SweepResult} component, same names and order. */
public final class SweepRows {
    public static final StructType SCHEMA = schema();

    private SweepRows() {}

    static StructType schema() {
        List<StructField> fields = new ArrayList<>();
        for (RecordComponent c : SweepResult.class.getRecordComponents())
            fields.add(DataTypes.createStructField(c.getName(), type(c.getType()), false));
        return DataTypes.createStructType(fields);
    }

    static DataType type(Class<?> type) {
        if (type == int.class) return DataTypes.IntegerType;
        if (type == long.class) return DataTypes.LongType;
        if (type == double.class) return DataTypes.DoubleType;
        if (type == boolean.class) return DataTypes.BooleanType;
        if (type == String.class) return DataTypes.StringType;
        throw new IllegalArgumentException("no column type for " + type);
    }

    public static Row row(SweepResult r) {
        return RowFactory.create(r.gpus(), r.plan(), r.dp(), r.tp(), r.pp(), r.cp(), r.zero(), r.schedule(), r.chunks(),
                r.sequenceParallel(), r.microBatch(), r.recompute(), r.status(), r.reason(), r.count(), r.peakBytes(),
                r.paramsBytes(), r.gradsBytes(), r.optimizerBytes(), r.activationsBytes(), r.otherBytes(),
                r.commBytesPerGpu(), r.stepSeconds(), r.timelineStepSeconds(), r.computeSeconds(), r.exposedCommSeconds(),
                r.bubbleSeconds(), r.mfu(), r.hfu(), r.tokensPerSecond(), r.tokensPerSecondPerGpu(), r.daysToTrain());
    }
}
