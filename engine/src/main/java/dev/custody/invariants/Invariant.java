package dev.custody.invariants;

import dev.custody.invariants.Violation.Kind;

/**
 * Every invariant the project checks, with the code printed in scenario output and reports, who is
 * to blame when it breaks ({@link Kind#KERNEL}: the engine, since the kernel's code enforces it;
 * {@link Kind#CALLER}: a caller that broke a contract, such as a raw in-kernel call without a bound
 * driver) and a one-line statement. {@code docs/invariants.md} lists exactly these rows (a test
 * checks it), so a new code is added here first.
 *
 * <p>One code, D3, has two rows: the kernel refuses a kernel-DMA bind under an exclusive owner, but
 * only callers can unbalance the count a bound driver holds.
 */
public enum Invariant {
    // IOMMU core: the ownership fields of one group
    G1("G1", Kind.KERNEL, "A group with an exclusive owner has owner_cnt of at least 1."),
    G2(
            "G2",
            Kind.CALLER,
            "Without an exclusive owner, owner_cnt counts exactly the group's devices bound to"
                    + " kernel-DMA drivers, once each."),
    G3("G3", Kind.KERNEL, "A group with an exclusive owner has no device bound to a kernel-DMA driver."),
    G4("G4", Kind.KERNEL, "A group with an exclusive owner is not on its default domain."),
    G5("G5", Kind.KERNEL, "A group with owner_cnt 0 has no owner."),
    G6("G6", Kind.CALLER, "A group with owner_cnt 0 is on its default domain."),
    G7("G7", Kind.CALLER, "A group whose kernel users put it on a private domain has exactly one device."),
    G8(
            "G8",
            Kind.KERNEL,
            "A group's current and default domains exist and belong to the IOMMU its devices" + " sit behind."),
    G9("G9", Kind.KERNEL, "No step changes a group's owner or owner_cnt while PASIDs are attached to it."),
    G10(
            "G10",
            Kind.KERNEL,
            "When a group loses its last device, its default and blocking domains are freed" + " with it."),
    G11("G11", Kind.KERNEL, "A claimed group has a blocking domain, and keeps the same one until the group empties."),
    G12("G12", Kind.KERNEL, "A failed operation leaves every group's current domain as it was."),

    // Driver core
    D3_OWNED(
            "D3",
            Kind.KERNEL,
            "No device is bound to a kernel-DMA driver while an exclusive owner holds" + " its group."),
    D3_COUNTED(
            "D3",
            Kind.CALLER,
            "A device bound to a kernel-DMA driver contributes exactly 1 to its group's" + " owner_cnt."),

    // VFIO group and container path, iommufd and cdev path
    V1("V1", Kind.KERNEL, "A VFIO group has at most one open group file."),
    V2("V2", Kind.KERNEL, "A VFIO group file is never open while a cdev of the same group is bound to an iommufd."),
    V3("V3", Kind.KERNEL, "A group file attached to a container refers to a container that is still open."),
    V4("V4", Kind.KERNEL, "A group file attached to a container owns its group with owner_cnt exactly 1."),
    V6(
            "V6",
            Kind.KERNEL,
            "A device file opened through a group file has a container with an IOMMU driver,"
                    + " or an iommufd, behind it."),
    V7(
            "V7",
            Kind.KERNEL,
            "A bound cdev has its device object in its iommufd, and the iommufd owns the group"
                    + " with one claim per bound device."),
    V8(
            "V8",
            Kind.KERNEL,
            "The attached devices of one group in one iommufd share one HWPT, and the group uses"
                    + " that HWPT's domain."),
    V9(
            "V9",
            Kind.KERNEL,
            "An IOAS's areas are pairwise disjoint, aligned to its IOVA alignment and clear of"
                    + " reserved ranges; its allowed ranges are clear of reserved ranges."),
    V10(
            "V10",
            Kind.KERNEL,
            "A type1 container's mappings are pairwise disjoint and each lies inside one valid" + " IOVA range."),

    // The engine against the pure model and against its journal (simulations, crash test)
    R1(
            "R1",
            Kind.KERNEL,
            "Every group translates only through a domain its holder owns or, without an owner,"
                    + " through its default domain or a driver's private domain."),
    D0(
            "D0",
            Kind.KERNEL,
            "The engine decides every call as the pure model decides it on the same state:"
                    + " the same answer and the same events."),
    E1("E1", Kind.KERNEL, "The engine answers every call."),
    J1("J1", Kind.KERNEL, "The journal holds exactly one decision for every acknowledged state change."),
    J2("J2", Kind.KERNEL, "The engine's state, also after a restart, equals the fold of its journaled decisions."),
    J3("J3", Kind.KERNEL, "The journal holds no decision that no caller asked for."),
    J4("J4", Kind.KERNEL, "After a restart every entity's own journal agrees with the acknowledged state.");

    private final String code;
    private final Kind kind;
    private final String statement;

    Invariant(String code, Kind kind, String statement) {
        this.code = code;
        this.kind = kind;
        this.statement = statement;
    }

    /** The short name printed in scenario output, reports and the documentation (G1, D3, V10...). */
    public String code() {
        return code;
    }

    public Kind kind() {
        return kind;
    }

    /** One sentence saying what must hold. */
    public String statement() {
        return statement;
    }
}
