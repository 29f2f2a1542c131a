package dev.custody.model;

import java.util.EnumSet;
import java.util.Set;

/** The flags of IOMMU_IOAS_MAP (iommu_ioas_map.flags), each with its uapi bit. */
public enum IoasMapFlag {
    READABLE(1 << 2),
    WRITEABLE(1 << 1),
    /** Map at the given IOVA instead of letting the IOAS choose one. */
    FIXED_IOVA(1);

    private final int bit;

    IoasMapFlag(int bit) {
        this.bit = bit;
    }

    /** The flag's bit in the uapi flag word. */
    public int bit() {
        return bit;
    }

    /** The flag word that sets exactly {@code flags}. */
    public static int word(Set<IoasMapFlag> flags) {
        int word = 0;
        for (IoasMapFlag flag : flags) {
            word |= flag.bit;
        }
        return word;
    }

    /** The named flags a uapi flag word sets; bits no flag names are left out. */
    public static Set<IoasMapFlag> named(int word) {
        EnumSet<IoasMapFlag> flags = EnumSet.noneOf(IoasMapFlag.class);
        for (IoasMapFlag flag : values()) {
            if ((word & flag.bit) != 0) {
                flags.add(flag);
            }
        }
        return flags;
    }
}
