package dev.parasim.sweep;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /**
     * {@return one task's rows as one compact block}: each row's values in schema order (int, long, double,
     * boolean, or a UTF string). A sweep keeps its evaluated rows in memory as these blocks, one per task, so
     * Spark's cache stores byte arrays instead of estimating the size of every row object it holds.
     */
    public static byte[] encode(List<Row> rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rows.size() * 256 + 4);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(rows.size());
            for (Row row : rows)
                for (int i = 0; i < row.length(); i++) {
                    Object value = row.get(i);
                    if (value instanceof Integer v) out.writeInt(v);
                    else if (value instanceof Long v) out.writeLong(v);
                    else if (value instanceof Double v) out.writeDouble(v);
                    else if (value instanceof Boolean v) out.writeBoolean(v);
                    else if (value instanceof String v) out.writeUTF(v);
                    else throw new IllegalArgumentException("column " + SCHEMA.fields()[i].name()
                            + ": expected a non-null int, long, double, boolean or string, found " + value);
                }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@return the rows of a block written by {@link #encode}} */
    public static List<Row> decode(byte[] block) {
        StructField[] fields = SCHEMA.fields();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(block))) {
            int n = in.readInt();
            List<Row> rows = new ArrayList<>(n);
            for (int r = 0; r < n; r++) {
                Object[] values = new Object[fields.length];
                for (int i = 0; i < fields.length; i++) {
                    DataType type = fields[i].dataType();
                    values[i] = type == DataTypes.IntegerType ? in.readInt() : type == DataTypes.LongType ? in.readLong()
                            : type == DataTypes.DoubleType ? in.readDouble() : type == DataTypes.BooleanType ? in.readBoolean()
                            : in.readUTF();
                }
                rows.add(RowFactory.create(values));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Row row(SweepResult r) {
        return RowFactory.create(r.gpus(), r.plan(), r.dp(), r.tp(), r.pp(), r.cp(), r.ep(), r.zero(), r.schedule(), r.chunks(),
                r.sequenceParallel(), r.microBatch(), r.recompute(), r.status(), r.reason(), r.count(), r.peakBytes(),
                r.paramsBytes(), r.gradsBytes(), r.optimizerBytes(), r.activationsBytes(), r.otherBytes(),
                r.commBytesPerGpu(), r.stepSeconds(), r.timelineStepSeconds(), r.computeSeconds(), r.exposedCommSeconds(),
                r.bubbleSeconds(), r.mfu(), r.hfu(), r.tokensPerSecond(), r.tokensPerSecondPerGpu(), r.daysToTrain());
    }
}
