package dev.parasim.report;

import dev.parasim.spec.Experiment;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a report comes from: the canonical input spec and its SHA-256, the ParaSim version, the seed
 * (when the experiment runs for real) and the date. Same provenance and same results give the same bytes.
 */
public record Provenance(String specJson, String specSha256, String version, Optional<Long> seed, Instant date) {

    public Provenance {
        if (specJson == null || specJson.isBlank()) throw new IllegalArgumentException("specJson: must not be empty");
        if (seed == null) seed = Optional.empty();
        date = date.truncatedTo(ChronoUnit.SECONDS);
    }

    /** {@return the provenance of {@code e} at {@code date}} */
    public static Provenance of(Experiment e, String version, Instant date) {
        return new Provenance(ExperimentJson.canonical(e), ExperimentJson.sha256(e), version,
                e.execute().map(x -> x.seed()), date);
    }

    /** {@return the fields results.json carries (the spec itself as a parsed tree)} */
    Map<String, Object> fields(Object specTree) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("parasimVersion", version);
        m.put("date", date.toString());
        m.put("seed", seed.orElse(null));
        m.put("specSha256", specSha256);
        m.put("spec", specTree);
        return m;
    }
}
