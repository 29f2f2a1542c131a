package dev.custody.sim;

import java.security.SecureRandom;

/**
 * What {@code --seed} means on every command: the seed of everything random in the run; when none is
 * given, a fresh one, which the run prints (and its JSON holds) so that it can be repeated exactly.
 */
public final class Seeds {
    private Seeds() {}

    /** The help text's last sentence for every {@code --seed}. */
    public static final String DEFAULT = "Default: a fresh random seed, printed so the run can be repeated.";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The given seed, or a fresh one below 2^32 (short enough to type again). */
    public static long orFresh(Long given) {
        return given != null ? given : RANDOM.nextLong() & 0xffffffffL;
    }
}
