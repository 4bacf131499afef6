package dev.parasim.spec.load;

import dev.parasim.spec.SpecException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * SnakeYAML behind one door: safe constructors only, duplicate keys rejected, errors as {@link SpecException}.
 * Input is bounded before it is built: files are regular files of at most {@value #MAX_FILE_BYTES} bytes, no
 * explicit type tags ({@code !!binary}, {@code !java…}), at most {@value #MAX_ALIASES} aliases and
 * {@value #MAX_DEPTH} levels of nesting, no alias inside itself, and at most {@value #MAX_NODES} values once
 * every alias is expanded (so a small "billion laughs" document cannot explode when it is read).
 */
final class Yaml {
    static final int MAX_FILE_BYTES = 1 << 20;
    static final int MAX_ALIASES = 50;
    static final int MAX_DEPTH = 50;
    static final int MAX_NODES = 100_000;

    private Yaml() {}

    static Object parse(String text, String source) {
        LoaderOptions options = options();
        try {
            checkShape(text, source, options);
            return new org.yaml.snakeyaml.Yaml(new SafeConstructor(options)).load(text);
        } catch (MarkedYAMLException e) {
            throw new SpecException(source, "must be valid YAML" + where(e.getProblemMark()), oneLine(e.getProblem()));
        } catch (YAMLException e) {
            throw new SpecException(source, "must be valid YAML", oneLine(e.getMessage()));
        } catch (StackOverflowError e) {
            throw new SpecException(source, "must nest at most " + MAX_DEPTH + " levels", "deeper nesting");
        }
    }

    private static LoaderOptions options() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_FILE_BYTES);
        options.setAllowRecursiveKeys(false);
        return options;
    }

    /** Rejects explicit tags, then composes the node graph to bound its expanded size and refuse alias cycles. */
    private static void checkShape(String text, String source, LoaderOptions options) {
        org.yaml.snakeyaml.Yaml yaml = new org.yaml.snakeyaml.Yaml(options);
        for (Event event : yaml.parse(new StringReader(text))) {
            String tag = event instanceof ScalarEvent s ? s.getTag()
                    : event instanceof CollectionStartEvent c ? c.getTag() : null;
            if (tag != null) throw new SpecException(source, "must not use type tags" + where(event.getStartMark()), tag);
        }
        for (Node root : yaml.composeAll(new StringReader(text))) expanded(root, new IdentityHashMap<>(), source);
    }

    /** {@return values under {@code node} with aliases expanded, up to {@link #MAX_NODES} + 1} */
    private static long expanded(Node node, Map<Node, Long> sizes, String source) {
        Long known = sizes.get(node);
        if (known != null) {
            if (known < 0) throw new SpecException(source, "must not use an alias inside itself" + where(node.getStartMark()),
                    node.getAnchor() == null ? "an alias" : "&" + node.getAnchor());
            return known;
        }
        sizes.put(node, -1L);
        long size = 1;
        if (node instanceof SequenceNode seq) {
            for (Node child : seq.getValue()) size = Math.min(MAX_NODES + 1L, size + expanded(child, sizes, source));
        } else if (node instanceof MappingNode map) {
            for (NodeTuple t : map.getValue())
                size = Math.min(MAX_NODES + 1L, size + expanded(t.getKeyNode(), sizes, source) + expanded(t.getValueNode(), sizes, source));
        }
        if (size > MAX_NODES)
            throw new SpecException(source, "must hold at most " + MAX_NODES + " values with aliases expanded"
                    + where(node.getStartMark()), "more");
        sizes.put(node, size);
        return size;
    }

    static Object parseFile(Path file) {
        return parse(readFile(file), file.toString());
    }

    /** {@return the UTF-8 text of a regular file of at most {@link #MAX_FILE_BYTES} bytes} */
    static String readFile(Path file) {
        if (!Files.exists(file)) throw new SpecException(file.toString(), "must be an existing file", "no such file");
        if (!Files.isRegularFile(file))
            throw new SpecException(file.toString(), "must be a regular file", Files.isDirectory(file) ? "a directory" : "a special file");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES)
                throw new SpecException(file.toString(), "must be at most " + MAX_FILE_BYTES + " bytes", "a larger file");
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new SpecException(file.toString(), "must be an existing file", "no such file");
        } catch (CharacterCodingException e) {
            throw new SpecException(file.toString(), "must be UTF-8 text", "other bytes");
        } catch (IOException e) {
            throw new SpecException(file.toString(), "must be readable", oneLine(e.getMessage()));
        }
    }

    static Object parseResource(String resource) {
        try (InputStream in = Yaml.class.getResourceAsStream(resource)) {
            if (in == null) return null;
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled resource " + resource, e);
        }
    }

    /** Parses one {@code --set} value as a YAML scalar (so 4 is an integer, true a boolean). */
    static Object scalar(String text) {
        Object v = parse(text, "--set value");
        return v == null ? "" : v;
    }

    private static String where(Mark mark) {
        return mark == null ? "" : " (line " + (mark.getLine() + 1) + ")";
    }

    private static String oneLine(String s) {
        return s == null ? "?" : s.replaceAll("\\s+", " ").trim();
    }
}
