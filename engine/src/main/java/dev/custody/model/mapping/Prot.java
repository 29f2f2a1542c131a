package dev.custody.model.mapping;

/** The read/write permission of a mapping, from the device's point of view. */
public record Prot(boolean read, boolean write) {

    public static final Prot READ = new Prot(true, false);
    public static final Prot WRITE = new Prot(false, true);
    public static final Prot READ_WRITE = new Prot(true, true);

    /** Parses the scenario form: "r", "w" or "rw" (either order). */
    public static Prot parse(String text) {
        return switch (text) {
            case "r" -> READ;
            case "w" -> WRITE;
            case "rw", "wr" -> READ_WRITE;
            default -> throw new IllegalArgumentException("prot must be \"r\", \"w\" or \"rw\", not \"" + text + "\"");
        };
    }

    public boolean none() {
        return !read && !write;
    }

    /** IOMMU_READ = 1, IOMMU_WRITE = 2, as in include/linux/iommu.h. */
    public int bits() {
        return (read ? 1 : 0) | (write ? 2 : 0);
    }

    @Override
    public String toString() {
        return none() ? "-" : (read ? "r" : "") + (write ? "w" : "");
    }
}
