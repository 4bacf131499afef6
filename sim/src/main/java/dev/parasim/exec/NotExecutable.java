package dev.parasim.exec;

import dev.parasim.spec.SpecException;

import java.util.List;

/**
 * A well-formed plan the executor does not run: a strategy or model feature it does not implement (context
 * parallelism, dropout or full recompute with TP, a SwiGLU MLP, …) or a size past {@link ExecLimits}. Distinct from a
 * {@link SpecException} (a malformed input) because the same plan is fine to predict, play and sweep; the command
 * line prints it as the same one-line {@code path: rule, found value} and exits with its own code. The line itself
 * is a spec error's ({@link #detail}), so several problems read and combine the same way.
 */
public final class NotExecutable extends RuntimeException {
    private final SpecException detail;

    /** The executor does not run {@code path}'s value {@code found}: {@code rule} says what it runs. */
    public NotExecutable(String path, String rule, Object found) {
        this(new SpecException(path, rule, found));
    }

    private NotExecutable(SpecException detail) {
        super(detail.getMessage(), null, false, false);   // like a spec error: the message is the whole story
        this.detail = detail;
    }

    /** {@return one refusal reporting every problem of {@code all} (at least one), a line each} */
    public static NotExecutable all(List<NotExecutable> all) {
        return new NotExecutable(SpecException.all(all.stream().map(NotExecutable::detail).toList()));
    }

    /** {@return the problem as a spec error's path, rule and value} */
    public SpecException detail() { return detail; }

    public String path() { return detail.path(); }
}
