package dev.parasim.output;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reports and results.json are compared byte for byte: the writer keeps insertion order and fixed indentation. */
class JsonTest {

    @Test
    void orderedPrettyAndDeterministic() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("z", 1);
        doc.put("a", List.of(1.5, "x"));
        doc.put("m", Map.of("k", true));
        String expected = "{\n  \"z\" : 1,\n  \"a\" : [ 1.5, \"x\" ],\n  \"m\" : {\n    \"k\" : true\n  }\n}";
        assertEquals(expected.replace("\n", System.lineSeparator()), Json.write(doc));
        assertEquals(Json.write(doc), Json.write(new LinkedHashMap<>(doc)));
    }
}
