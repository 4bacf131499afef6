package dev.parasim.cli;

import dev.parasim.spec.SpecException;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** The {@code --date} option of the verbs that write reports: now by default, or a fixed instant for equal bytes. */
final class ReportDate {
    static final String DESCRIPTION =
            "report date as an ISO-8601 instant, e.g. 2026-01-01T00:00:00Z (default: now); fixes the bytes for reproducible reports";

    private ReportDate() {}

    /** {@return the clock a report reads its date from}; a malformed date is a spec error naming {@code --date} */
    static Clock clock(String date) {
        if (date == null) return Clock.systemUTC();
        try {
            return Clock.fixed(Instant.parse(date), ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new SpecException("--date", "must be an ISO-8601 instant like 2026-01-01T00:00:00Z", date);
        }
    }
}
