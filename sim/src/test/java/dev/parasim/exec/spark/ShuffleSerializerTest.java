package dev.parasim.exec.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.Serializer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The supersteps' shuffle serializer writes Spark's JavaSerializer's bytes, and a task's copy keeps the driver's settings. */
class ShuffleSerializerTest {

    @Test
    void writesTheBytesOfSparksJavaSerializerForTheSameSettings() {
        SparkConf conf = new SparkConf(false).set("spark.serializer.objectStreamReset", "3");
        assertArrayEquals(messages(new JavaSerializer(conf)), messages(new ShuffleSerializer(conf)));
    }

    @Test
    void aDeserializedCopyTakesTheDriversSettingsNotItsOwnDefaults() throws Exception {
        // A reset every 3 objects (the default is 100) changes the stream: the copy must write what the driver's would.
        SparkConf conf = new SparkConf(false).set("spark.serializer.objectStreamReset", "3");
        ShuffleSerializer driver = new ShuffleSerializer(conf);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(driver);
        }
        Object copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = in.readObject();
        }
        ShuffleSerializer task = assertInstanceOf(ShuffleSerializer.class, copy);
        assertArrayEquals(messages(driver), messages(task));
        assertFalse(Arrays.equals(messages(driver), messages(new ShuffleSerializer())), "the defaults write other bytes");
    }

    /** {@return ten (destination rank, payload) messages as a shuffle writes them} */
    private static byte[] messages(Serializer serializer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SerializationStream stream = serializer.newInstance().serializeStream(bytes);
        for (int rank = 0; rank < 10; rank++) {
            byte[] payload = new byte[16 + rank];
            payload[0] = (byte) rank;
            stream.writeKey(rank, SuperstepFunctions.RANK);
            stream.writeValue(payload, SuperstepFunctions.WIRE);
        }
        stream.close();
        return bytes.toByteArray();
    }
}
