package dev.parasim;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No import cycle between the main packages. The graph is computed from the sources: package p depends on q
 * when a file of p names a type of q, by import (single, static or on demand) or by a qualified reference
 * ({@code dev.parasim.q.Type}) in code or Javadoc. A cycle is reported as the packages along it, each with
 * one file and type that makes the edge.
 */
class PackageCyclesTest {
    static final Path MAIN = Path.of("src", "main", "java");
    private static final String ROOT = "dev.parasim";
    /** dev.parasim.(lower-case segments.)Type, or dev.parasim.(segments).* */
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.parasim((?:\\.[a-z]\\w*)*)\\.(?:([A-Z]\\w*)|\\*)");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");

    /** The package graph: package → package it depends on → one "File → Type" that makes the edge. */
    static Map<String, Map<String, String>> graph(Path sources) {
        Map<String, String> text = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) text.put(f.toString(), Files.readString(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> packages = new TreeSet<>();
        Map<String, String> packageOf = new HashMap<>();
        for (var file : text.entrySet()) {
            Matcher m = PACKAGE.matcher(file.getValue());
            if (!m.find()) throw new IllegalStateException(file.getKey() + ": no package declaration");
            packages.add(m.group(1));
            packageOf.put(file.getKey(), m.group(1));
        }
        Map<String, Map<String, String>> edges = new TreeMap<>();
        for (String p : packages) edges.put(p, new TreeMap<>());
        for (var file : text.entrySet()) {
            String from = packageOf.get(file.getKey());
            Matcher m = REFERENCE.matcher(file.getValue());
            while (m.find()) {
                String to = ROOT + m.group(1);
                if (!to.equals(from) && packages.contains(to))
                    edges.get(from).putIfAbsent(to, Path.of(file.getKey()).getFileName() + " → "
                            + (m.group(2) == null ? to + ".*" : m.group(2)));
            }
        }
        return edges;
    }

    /** {@return one cycle per strongly connected component of more than one package (Tarjan), each as a closed path} */
    static List<List<String>> cycles(Map<String, Map<String, String>> edges) {
        List<List<String>> out = new ArrayList<>();
        for (Set<String> component : components(edges)) {
            if (component.size() < 2) continue;
            // Shortest way back to the first package, by breadth-first search inside the component.
            String start = component.iterator().next();
            Map<String, String> parent = new HashMap<>();
            Deque<String> queue = new ArrayDeque<>(List.of(start));
            String last = null;
            while (!queue.isEmpty() && last == null) {
                String p = queue.poll();
                for (String q : edges.get(p).keySet()) {
                    if (!component.contains(q)) continue;
                    if (q.equals(start)) {
                        last = p;
                        break;
                    }
                    if (parent.putIfAbsent(q, p) == null) queue.add(q);
                }
            }
            List<String> cycle = new ArrayList<>(List.of(start));
            for (String p = last; !p.equals(start); p = parent.get(p)) cycle.add(1, p);
            cycle.add(start);
            out.add(cycle);
        }
        return out;
    }

    private static List<Set<String>> components(Map<String, Map<String, String>> edges) {
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        for (String v : edges.keySet()) if (!index.containsKey(v)) strongConnect(v, edges, index, low, stack, onStack, out);
        return out;
    }

    private static void strongConnect(String v, Map<String, Map<String, String>> edges, Map<String, Integer> index,
                                      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : edges.get(v).keySet()) {
            if (!index.containsKey(w)) {
                strongConnect(w, edges, index, low, stack, onStack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) low.put(v, Math.min(low.get(v), index.get(w)));
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }

    private static String describe(List<String> cycle, Map<String, Map<String, String>> edges) {
        StringBuilder s = new StringBuilder(cycle.get(0));
        for (int i = 1; i < cycle.size(); i++)
            s.append(" → ").append(cycle.get(i)).append(" (").append(edges.get(cycle.get(i - 1)).get(cycle.get(i))).append(')');
        return s.toString();
    }

    @Test
    void mainPackagesHaveNoImportCycle() {
        Map<String, Map<String, String>> edges = graph(MAIN);
        // The parser sees the edges it must: by import, by static import and by a qualified reference in code.
        assertTrue(edges.get("dev.parasim.exec.spark").containsKey("dev.parasim.exec"), "exec.spark → exec (imports)");
        assertTrue(edges.get("dev.parasim.cli").containsKey("dev.parasim.spec.load"), "cli → spec.load (imports)");
        assertTrue(edges.size() >= 20, "packages found: " + edges.keySet());
        List<String> found = cycles(edges).stream().map(c -> describe(c, edges)).toList();
        assertEquals(List.of(), found, "package cycles");
    }

    @Test
    void cyclesAreFoundAndReportedAlongTheirEdges(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        write(dir, "a", "A", "import dev.parasim.b.B;");
        write(dir, "b", "B", "class B { Object c = new dev.parasim.c.C(); }");
        write(dir, "c", "C", "import static dev.parasim.a.A.run;");
        write(dir, "d", "D", "import dev.parasim.a.*;");
        Map<String, Map<String, String>> edges = graph(dir);
        List<List<String>> cycles = cycles(edges);
        assertEquals(1, cycles.size(), "one cycle: " + cycles);
        List<String> cycle = cycles.get(0);
        assertEquals(4, cycle.size(), "a → b → c → a closed: " + cycle);
        assertEquals(cycle.get(0), cycle.get(3));
        assertEquals(Set.of("dev.parasim.a", "dev.parasim.b", "dev.parasim.c"), new TreeSet<>(cycle));
        assertEquals("D.java → dev.parasim.a.*", edges.get("dev.parasim.d").get("dev.parasim.a"), "on-demand import");
        assertTrue(describe(cycle, edges).contains("(B.java → C)"), describe(cycle, edges));
    }

    private static void write(Path dir, String pkg, String type, String body) throws IOException {
        Path f = dir.resolve("dev/parasim/" + pkg + "/" + type + ".java");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "package dev.parasim." + pkg + ";\n\n" + body + "\n");
    }
}
