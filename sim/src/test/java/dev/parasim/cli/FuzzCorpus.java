package dev.parasim.cli;

import dev.parasim.exec.ExecLimits;
import dev.parasim.spec.Experiment;
import dev.parasim.spec.ParallelPlan;
import dev.parasim.spec.load.SpecLoader;
import dev.parasim.spec.load.SweepLoader;
import dev.parasim.validate.PublishedRuns;
import dev.parasim.validate.Validation;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A deterministic corpus of malformed and mutated inputs: from one seed, mutations of the bundled experiments
 * and sweep (a value replaced by a wrong type, a huge or hostile value, a key dropped or invented, the text cut,
 * spliced with aliases, anchors and tags) and of the measured CSV, each sent to a verb with {@code --set}
 * what-ifs and option misuse. Verbs that would start Spark (run with an execute block, sweep, calibrate) get only
 * cases their loader rejects; accepted run cases go to predict, a few accepted ones to report.
 */
final class FuzzCorpus {
    /** One case: the command line (FILE stands for the case's input file, OUT for its output directory). */
    record Case(int id, String input, String fileName, List<String> args) {}

    static final Path EXPERIMENTS = Path.of("..", "configs", "experiments");
    static final Path SWEEPS = Path.of("..", "configs", "sweeps");
    static final Path MEASURED = Path.of("..", "configs", "measured", "megatron-core-h100.csv");

    /** Values a mutation puts in place of a spec value: wrong types, limits and just past them, hostile names. */
    static final List<Object> VALUES = List.of("abc", "", true, false, 0, -1, 1, 3, 7, 2_147_483_647, -2_147_483_648,
            4_294_967_296L, 1e308, -0.0, 0.5, Double.NaN, Double.POSITIVE_INFINITY, "..", ".", "../../escape", "a/b", "/tmp/x",
            "line\nbreak", "x".repeat(300), List.of(), List.of(1, 2), Map.of(), Map.of("k", 1), 2048, 2049, 65_536, 65_537,
            1_048_576, 1_048_577, 16_777_216, 16_777_217, 1_073_741_824, "1f1b", "interleaved", "zb-h1", "bf16-mixed",
            "gpt3-175b", "dgx-h100", "cpu-8", "selective", 8, 16, 64, 512, 1024, 4096);

    static final List<String> SPLICES = List.of("&a ", "*a", "!!binary aGVsbG8=", "!!python/object:os.system", "!foo ",
            "a: &x [*x]\n", "{", "}", "[", "]", "\t", ": :", "- ", "? ", "%YAML 1.1\n", "---\n", "...\n", "\"", "'", "#",
            "<<: *a\n", "\u0000", "\u2028", "b: &b [*a, *a]\n");

    /** Options misused: each is unknown to some verb or lacks its value, so no case reaches Spark through them. */
    static final List<String> OPTIONS = List.of("--bogus", "--set", "--out", "--date", "--master", "-x", "--help=3",
            "--ranks-per-partition", "--cores", "--reg");

    private final Random random;
    private final List<String> experiments = new ArrayList<>();
    private final String sweep;
    private final List<String> measured;
    private final Yaml yaml;

    FuzzCorpus(long seed) {
        random = new Random(seed);
        try (Stream<Path> files = Files.list(EXPERIMENTS)) {
            for (Path f : files.sorted().toList()) experiments.add(Files.readString(f));
            sweep = Files.readString(SWEEPS.resolve("gpt3-1024-a100.yaml"));
            measured = Files.readAllLines(MEASURED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.FLOW);
        yaml = new Yaml(options);
    }

    /** {@return {@code count} cases, the same for the same seed} */
    List<Case> cases(int count) {
        List<Case> cases = new ArrayList<>();
        for (int id = 0; id < count; id++) cases.add(next(id));
        return cases;
    }

    private Case next(int id) {
        int kind = random.nextInt(20);
        if (kind < 11) return experimentCase(id);
        if (kind < 15) return sweepCase(id);
        if (kind < 17) return calibrateCase(id);
        return usageCase(id);
    }

    private Case experimentCase(int id) {
        String base = experiments.get(random.nextInt(experiments.size()));
        String text = mutate(base);
        List<String> sets = random.nextInt(3) == 0 ? List.of("--set", setOf(base)) : List.of();
        String verb = List.of("predict", "predict", "predict", "run", "report").get(random.nextInt(5));
        if (!verb.equals("predict") && accepted(text, overrides(sets)))
            verb = verb.equals("report") && id % 200 == 7 ? "report" : "predict";   // a few accepted reports; no Spark
        List<String> args = new ArrayList<>(List.of(verb, "FILE"));
        args.addAll(sets);
        if (verb.equals("report")) args.addAll(List.of("--no-timelines", "--out", "OUT", "--date", "2026-01-01T00:00:00Z"));
        if (verb.equals("run")) args.addAll(List.of("--out", "OUT"));
        if (verb.equals("predict") && random.nextBoolean()) args.add("--json");
        return new Case(id, text, "experiment.yaml", args);
    }

    private Case sweepCase(int id) {
        for (int tries = 0; ; tries++) {
            String text = mutate(sweep);
            List<String> sets = random.nextBoolean() ? List.of("--set", setOf(sweep)) : List.of();
            if (sweepAccepted(text, overrides(sets))) {
                if (tries < 20) continue;
                return new Case(id, text, "sweep.yaml", List.of("predict", "FILE"));   // a sweep is not an experiment: rejected
            }
            List<String> args = new ArrayList<>(List.of("sweep", "FILE", "--out", "OUT"));
            args.addAll(sets);
            return new Case(id, text, "sweep.yaml", args);
        }
    }

    private Case calibrateCase(int id) {
        for (int tries = 0; ; tries++) {
            List<String> lines = new ArrayList<>(measured);
            int row = random.nextInt(lines.size());
            switch (random.nextInt(5)) {
                case 0 -> lines.subList(lines.indexOf(header()) + 1, lines.size()).clear();   // header only
                case 1 -> lines.set(row, lines.get(row).replaceFirst("[0-9.]+", pick(List.of("Infinity", "NaN", "-1", "x", "", "1e999"))));
                case 2 -> lines.set(row, lines.get(row) + ",extra");
                case 3 -> lines.set(row, lines.get(row).replace(',', random.nextBoolean() ? ';' : ' '));
                default -> lines.set(row, lines.get(row).replaceFirst(",[0-9]+,", "," + pick(VALUES) + ","));
            }
            String csv = String.join("\n", lines) + "\n";
            boolean badReg = random.nextInt(4) == 0;
            if (!badReg && calibrationAccepted(csv) && tries < 20) continue;
            List<String> args = new ArrayList<>(List.of("calibrate", "FILE", "--out", "OUT"));
            if (badReg || calibrationAccepted(csv)) args.addAll(List.of("--reg", pick(List.of("-1", "NaN", "Infinity", "-0.5"))));
            return new Case(id, csv, "measured.csv", args);
        }
    }

    private Case usageCase(int id) {
        String base = experiments.get(random.nextInt(experiments.size()));
        List<String> args = new ArrayList<>();
        switch (random.nextInt(8)) {
            case 0 -> args.addAll(List.of(pick(List.of("predict", "report", "run", "sweep", "calibrate")), "FILE", pick(OPTIONS)));
            case 1 -> args.add(pick(List.of("predict", "report", "run", "sweep", "calibrate")));
            case 2 -> args.addAll(List.of("predict", "FILE", "--json", "--json"));
            case 3 -> args.addAll(List.of("run", "FILE", "--out", "OUT", "--ranks-per-partition", pick(List.of("abc", "-1", "1.5", "99999999999"))));
            case 4 -> args.addAll(List.of("bench", pick(List.of("sweep", "timeline", "nope", "")), "--cores",
                    pick(List.of("0", "-3", "x", "257"))));
            case 5 -> args.addAll(List.of("run", "FILE", "--out", "OUT", "--master", pick(List.of("nonsense://x", "local[abc]", "spark://", ""))));
            case 6 -> args.addAll(List.of("report", "FILE", "--out", "OUT", "--date", pick(List.of("yesterday", "", "2026-13-01T00:00:00Z"))));
            default -> args.addAll(List.of("predict", "FILE", "--set", pick(List.of("=", "a", "plans[x].tp=1", "plans[0]..tp=1",
                    "plans[-1].tp=2", "plans[0].tp=[1", "model=", "..=1", "plans[0].tp=!!binary aGk=")), "--set", setOf(base)));
        }
        return new Case(id, base, "experiment.yaml", args);
    }

    /** One mutation of a document: most change one value of its tree, the rest its text. */
    String mutate(String text) {
        int kind = random.nextInt(10);
        if (kind < 6) return mutateTree(text);
        return switch (kind) {
            case 6 -> text.substring(0, random.nextInt(text.length()));
            case 7 -> splice(text, pick(SPLICES));
            case 8 -> dropLine(text);
            default -> splice(splice(text, pick(SPLICES)), pick(SPLICES));
        };
    }

    @SuppressWarnings("unchecked")
    private String mutateTree(String text) {
        Object tree = yaml.load(text);
        List<Object[]> slots = new ArrayList<>();
        collect(tree, slots);
        Object[] slot = slots.get(random.nextInt(slots.size()));
        Object value = pick(VALUES);
        int action = random.nextInt(6);
        if (slot[0] instanceof Map<?, ?> map) {
            Map<String, Object> m = (Map<String, Object>) map;
            if (action == 0) m.remove(slot[1]);
            else if (action == 1) m.put("unknownKey" + random.nextInt(3), value);
            else m.put((String) slot[1], value);
        } else {
            List<Object> list = (List<Object>) slot[0];
            int i = (Integer) slot[1];
            if (action == 0) list.remove(i);
            else if (action == 1) list.add(list.get(i));   // a repeated value
            else list.set(i, value);
        }
        return yaml.dump(tree);
    }

    private static void collect(Object node, List<Object[]> slots) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : new LinkedHashMap<>(map).entrySet()) {
                slots.add(new Object[] {map, e.getKey()});
                collect(e.getValue(), slots);
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                slots.add(new Object[] {list, i});
                collect(list.get(i), slots);
            }
        }
    }

    /** {@return a {@code --set path=value} naming a real path of the document (or one step off it)} */
    @SuppressWarnings("unchecked")
    private String setOf(String text) {
        List<String> paths = new ArrayList<>();
        paths(yaml.load(text), "", paths);
        String path = pick(paths);
        Object value = pick(VALUES);
        String shown = value instanceof String s ? "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""
                : value instanceof Double d && (d.isNaN() || d.isInfinite()) ? (d.isNaN() ? ".nan" : ".inf")
                : value instanceof List<?> || value instanceof Map<?, ?> ? yaml.dump(value).strip() : String.valueOf(value);
        return path + "=" + shown;
    }

    private static void paths(Object node, String prefix, List<String> out) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String p = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
                out.add(p);
                paths(e.getValue(), p, out);
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                out.add(prefix + "[" + i + "]");
                paths(list.get(i), prefix + "[" + i + "]", out);
            }
            out.add(prefix + "[" + list.size() + "]");
        }
    }

    private String splice(String text, String piece) {
        int at = random.nextInt(text.length() + 1);
        return text.substring(0, at) + piece + text.substring(at);
    }

    private String dropLine(String text) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        lines.remove(random.nextInt(lines.size()));
        return String.join("\n", lines) + "\n";
    }

    /** {@return the PATH=VALUE operands of a {@code --set ...} argument list} */
    private static List<String> overrides(List<String> args) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i + 1 < args.size(); i += 2) values.add(args.get(i + 1));
        return values;
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private String header() {
        return measured.stream().filter(l -> l.startsWith("model,")).findFirst().orElseThrow();
    }

    /** {@return whether {@code sim run} would pass every check and start Spark (or write a full report)} */
    private static boolean accepted(String text, List<String> sets) {
        try {
            Experiment e = SpecLoader.parse(text, sets);
            if (e.execute().isPresent())
                for (ParallelPlan plan : e.plans()) ExecLimits.check(e, plan);
            return true;
        } catch (RuntimeException | StackOverflowError rejected) {   // the harness reports anything but a SpecException
            return false;
        }
    }

    private static boolean sweepAccepted(String text, List<String> sets) {
        try {
            SweepLoader.parse(text, sets);
            return true;
        } catch (RuntimeException | StackOverflowError rejected) {   // the harness reports anything but a SpecException
            return false;
        }
    }

    private static boolean calibrationAccepted(String csv) {
        try {
            var runs = PublishedRuns.parse("measured.csv", csv.lines().toList(), 131072, 4096);
            var cluster = SpecLoader.clusterPreset("dgx-h100");
            for (var run : runs) Validation.predict(run, cluster);
            return true;
        } catch (RuntimeException | StackOverflowError rejected) {   // the harness reports anything but a SpecException
            return false;
        }
    }
}
