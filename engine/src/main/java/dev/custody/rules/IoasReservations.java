package dev.custody.rules;

import dev.custody.model.DeviceId;
import dev.custody.model.FileId;
import dev.custody.model.IommuSpec;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.FileEvent.IoasAlignmentSet;
import dev.custody.model.event.FileEvent.IoasReserved;
import dev.custody.model.event.FileEvent.IoasUnreserved;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.IommufdObject.Hwpt;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.rules.mapping.IoasSpaceRules;
import dev.custody.rules.mapping.MappingStep;
import java.util.List;
import java.util.Optional;

/**
 * What an IOAS may not use, kept in step with its domains and devices: a domain reserves
 * everything past its IOMMU's aperture and raises the IOAS's alignment to its smallest page
 * (iopt_table_add_domain); an attached device reserves its reserved regions, the MSI window
 * (iopt_table_enforce_dev_resv_regions). Either fails with EADDRINUSE over an area or allowed range.
 */
final class IoasReservations {
    private IoasReservations() {}

    static Outcome<Reply> addDomain(Tx tx, FileId ctx, Hwpt hwpt) {
        IommuSpec iommu = iommuOf(tx, hwpt);
        IoasSpace space = space(tx, ctx, hwpt.ioas()).orElseThrow();
        long alignment = Math.max(iommu.minPageSize(), space.iovaAlignment());
        // iopt_table_add_domain -> iopt_check_iova_alignment: before anything else, every area must
        // already suit the alignment the new domain raises the IOAS to (found by custody oracle on 6.12)
        Optional<IoasArea> cut = space.areas().stream()
                .filter(a -> a.iova() % alignment != 0 || a.length() % alignment != 0)
                .findFirst();
        if (alignment != space.iovaAlignment() && cut.isPresent()) {
            return Results.fail(
                    dev.custody.model.Errno.EADDRINUSE,
                    "area " + cut.get() + " is not aligned to " + alignment
                            + ", the IOVA alignment the new domain needs");
        }
        Outcome<Reply> reserved =
                reserve(tx, ctx, hwpt.ioas(), domainOwner(hwpt), ReservedRegions.beyondAperture(iommu));
        if (reserved.isOk()) {
            realign(tx, ctx, hwpt.ioas());
        }
        return reserved;
    }

    static void removeDomain(Tx tx, FileId ctx, Hwpt hwpt) {
        if (space(tx, ctx, hwpt.ioas()).isEmpty()) {
            return;
        }
        tx.emit(new IoasUnreserved(ctx, hwpt.ioas(), domainOwner(hwpt)));
        realign(tx, ctx, hwpt.ioas());
    }

    /** A device leaves one IOAS's reserved list and joins another's, as attach/replace/detach move it. */
    static Outcome<Reply> moveDevice(
            Tx tx, FileId ctx, DeviceId device, Optional<ObjectId> from, Optional<ObjectId> to) {
        if (from.equals(to)) {
            return Results.OK;
        }
        String owner = "device " + device.name();
        from.filter(ioas -> space(tx, ctx, ioas).isPresent())
                .ifPresent(ioas -> tx.emit(new IoasUnreserved(ctx, ioas, owner)));
        if (to.isEmpty()) {
            return Results.OK;
        }
        return reserve(tx, ctx, to.get(), owner, List.of(ReservedRegions.MSI_WINDOW));
    }

    private static Outcome<Reply> reserve(Tx tx, FileId ctx, ObjectId ioas, String owner, List<IovaRange> ranges) {
        if (ranges.isEmpty()) {
            return Results.OK;
        }
        MappingStep<IoasSpace, IoasArea, Integer> step =
                IoasSpaceRules.addReserved(space(tx, ctx, ioas).orElseThrow(), owner, ranges);
        if (!step.outcome().isOk()) {
            return step.outcome().castFailure();
        }
        tx.emit(new IoasReserved(ctx, ioas, owner, ranges));
        return Results.OK;
    }

    /**
     * iova_alignment (iopt_calculate_iova_alignment) is the largest smallest-page among the IOAS's
     * domains, at least PAGE_SIZE while large pages are disabled, 1 with neither. A domain whose
     * alignment an area would not suit was refused before it got here (addDomain).
     */
    private static void realign(Tx tx, FileId ctx, ObjectId ioas) {
        IommufdObject.Ioas object = (IommufdObject.Ioas)
                tx.state().fileAs(ctx, IommufdFile.class).objects().get(ioas);
        long alignment =
                Math.max(domainsAlignment(tx, ctx, ioas), object.largePagesDisabled() ? Addresses.PAGE_SIZE : 1);
        IoasSpace space = object.space();
        if (space.iovaAlignment() != alignment
                && IoasSpaceRules.setIovaAlignment(space, alignment).outcome().isOk()) {
            tx.emit(new IoasAlignmentSet(ctx, ioas, alignment));
        }
    }

    /**
     * The largest smallest-page among the domains of the IOAS's HWPTs (iopt->domains: a HWPT's domain
     * joins its IOAS when the HWPT is allocated), 1 with none.
     */
    static long domainsAlignment(Tx tx, FileId ctx, ObjectId ioas) {
        return domainsOf(tx, ctx, ioas).stream()
                .mapToLong(hwpt -> iommuOf(tx, hwpt).minPageSize())
                .max()
                .orElse(1);
    }

    /** The HWPTs whose domains are in the IOAS's table. */
    static List<Hwpt> domainsOf(Tx tx, FileId ctx, ObjectId ioas) {
        return tx.state().fileAs(ctx, IommufdFile.class).objects().values().stream()
                .filter(o -> o instanceof Hwpt h && h.ioas().equals(ioas))
                .map(o -> (Hwpt) o)
                .toList();
    }

    private static IommuSpec iommuOf(Tx tx, Hwpt hwpt) {
        return tx.state()
                .topology()
                .iommus()
                .get(tx.state().domain(hwpt.domain()).iommu());
    }

    private static String domainOwner(Hwpt hwpt) {
        return "hwpt " + hwpt.id();
    }

    private static Optional<IoasSpace> space(Tx tx, FileId ctx, ObjectId ioas) {
        return Optional.ofNullable(
                        tx.state().fileAs(ctx, IommufdFile.class).objects().get(ioas))
                .filter(o -> o instanceof IommufdObject.Ioas)
                .map(o -> ((IommufdObject.Ioas) o).space());
    }
}
