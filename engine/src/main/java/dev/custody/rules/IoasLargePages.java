package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;

import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.FileEvent.IoasAlignmentSet;
import dev.custody.model.event.FileEvent.IoasLargePagesSet;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.state.IommufdObject.Ioas;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.rules.mapping.IoasSpaceRules;
import dev.custody.rules.mapping.MappingStep;

/**
 * io_pagetable's disable_large_pages (iopt_disable_large_pages, iopt_enable_large_pages): with large
 * pages disabled an IOAS maps its domains in PAGE_SIZE pieces only, so its IOVA alignment is at least
 * PAGE_SIZE (iopt_calculate_iova_alignment). Set by IOMMU_OPTION_HUGE_PAGES and by the VFIO compat
 * layer's VFIO_TYPE1_IOMMU.
 */
final class IoasLargePages {
    private IoasLargePages() {}

    /** iopt_disable_large_pages: nothing when already disabled; EINVAL once a domain holds mappings. */
    static Outcome<Reply> disable(Tx tx, FileId ctx, ObjectId id) {
        Ioas ioas = ioas(tx, ctx, id);
        if (ioas.largePagesDisabled()) {
            return OK;
        }
        IoasSpace space = ioas.space();
        if (!IoasReservations.domainsOf(tx, ctx, id).isEmpty() && !space.areas().isEmpty()) {
            // "Won't do it if domains already have pages mapped in them": some may be large already
            return fail(Errno.EINVAL, "IOAS " + id + " has a domain with areas mapped; large pages stay");
        }
        long alignment = Math.max(IoasReservations.domainsAlignment(tx, ctx, id), Addresses.PAGE_SIZE);
        if (Long.compareUnsigned(alignment, space.iovaAlignment()) > 0) {
            // iopt_calculate_iova_alignment -> iopt_check_iova_alignment: an area the new alignment
            // cuts (a sub-page copy) -> EADDRINUSE, and the flag goes back
            MappingStep<IoasSpace, IoasArea, Long> step = IoasSpaceRules.setIovaAlignment(space, alignment);
            if (!step.outcome().isOk()) {
                return step.outcome().castFailure();
            }
        }
        tx.emit(new IoasLargePagesSet(ctx, id, true));
        if (alignment != space.iovaAlignment()) {
            tx.emit(new IoasAlignmentSet(ctx, id, alignment));
        }
        return OK;
    }

    /** iopt_enable_large_pages: never fails; the alignment falls back to what the domains need. */
    static void enable(Tx tx, FileId ctx, ObjectId id) {
        Ioas ioas = ioas(tx, ctx, id);
        long alignment = IoasReservations.domainsAlignment(tx, ctx, id);
        if (ioas.largePagesDisabled()) {
            tx.emit(new IoasLargePagesSet(ctx, id, false));
        }
        if (alignment != ioas.space().iovaAlignment()) {
            tx.emit(new IoasAlignmentSet(ctx, id, alignment));
        }
    }

    private static Ioas ioas(Tx tx, FileId ctx, ObjectId id) {
        return (Ioas) tx.state().fileAs(ctx, IommufdFile.class).objects().get(id);
    }
}
