package dev.custody.sim;

import dev.custody.model.IoasMapFlag;

/**
 * The flag words a raw caller of IOMMU_IOAS_MAP passes, as the uapi spells them rather than as flag
 * names: READABLE and WRITEABLE alone or together, with or without FIXED_IOVA; a word without either
 * access bit; and words with a bit the kernel does not know (EOPNOTSUPP before anything else is
 * checked), low and high, alone or beside the known ones.
 */
final class GuidedFlagWords {
    private GuidedFlagWords() {}

    private static final int FIXED = IoasMapFlag.FIXED_IOVA.bit();
    private static final int READABLE = IoasMapFlag.READABLE.bit();
    private static final int WRITEABLE = IoasMapFlag.WRITEABLE.bit();

    /** A word the kernel accepts: one or both access bits, and FIXED_IOVA when {@code fixed}. */
    static int accepted(Pick p, boolean fixed) {
        int access = switch (p.random.nextInt(4)) {
            case 0 -> READABLE;
            case 1 -> WRITEABLE;
            default -> READABLE | WRITEABLE;
        };
        return fixed ? access | FIXED : access;
    }

    /** A word with neither access bit: 0, or FIXED_IOVA alone. */
    static int withoutAccess(Pick p) {
        return p.random.nextBoolean() ? 0 : FIXED;
    }

    /** A word with one bit the kernel does not know (bits 3 to 31), beside known bits half the time. */
    static int withUnknownBit(Pick p) {
        int unknown = 1 << (3 + p.random.nextInt(29));
        return p.random.nextBoolean() ? unknown : unknown | accepted(p, p.random.nextBoolean());
    }
}
