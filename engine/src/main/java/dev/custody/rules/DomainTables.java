package dev.custody.rules;

import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.DomainEvent.DomainRunsMapped;
import dev.custody.model.event.DomainEvent.DomainRunsUnmapped;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.rules.mapping.DomainMapRules;
import dev.custody.rules.mapping.MappingStep;
import dev.custody.rules.mapping.PseudoPhysical;
import java.util.List;
import java.util.Optional;

/**
 * The page tables of the domains user space maps through an owner: type1 maps every vfio_dma into
 * each domain of its container (vfio_iommu_map, vfio_iommu_replay for a new domain), iommufd maps every
 * area of an IOAS into each HWPT domain on it (iopt_fill_domain, iopt_area_fill_domains). Each change
 * becomes a per-domain DomainRunsMapped/DomainRunsUnmapped with the leaves iommu_map/iommu_unmap
 * decided, which is what the domain's actor applies to its real table.
 */
final class DomainTables {
    private DomainTables() {}

    /** The container's vfio_dma list changed by {@code step}: every domain of it follows. */
    static Outcome<Reply> followType1(Tx tx, FileId container, MappingStep<?, DmaMapping, ?> step) {
        List<DomainId> domains = type1Domains(tx.state(), container);
        for (DomainId domain : domains) {
            step.removed().forEach(e -> unmap(tx, domain, e.iova(), e.size()));
        }
        for (DomainId domain : domains) {
            for (DmaMapping added : step.added()) {
                Outcome<Reply> mapped = map(
                        tx,
                        domain,
                        added.iova(),
                        PseudoPhysical.ofUserAddress(added.vaddr()),
                        added.size(),
                        added.prot());
                if (!mapped.isOk()) {
                    return mapped;
                }
            }
        }
        return Results.OK;
    }

    /** The IOAS's areas changed by {@code step}: every HWPT domain on it follows. */
    static Outcome<Reply> followIoas(Tx tx, FileId ctx, ObjectId ioas, MappingStep<?, IoasArea, ?> step) {
        List<DomainId> domains = ioasDomains(tx.state(), ctx, ioas);
        for (DomainId domain : domains) {
            step.removed().forEach(a -> unmap(tx, domain, a.iova(), a.length()));
        }
        for (DomainId domain : domains) {
            for (IoasArea added : step.added()) {
                Outcome<Reply> mapped = map(
                        tx,
                        domain,
                        added.iova(),
                        PseudoPhysical.ofIoasIova(added.iova()),
                        added.length(),
                        added.prot());
                if (!mapped.isOk()) {
                    return mapped;
                }
            }
        }
        return Results.OK;
    }

    /** vfio_iommu_replay: a domain new to the container gets every vfio_dma already there. */
    static Outcome<Reply> fillType1(Tx tx, DomainId domain, Type1DmaSpace space) {
        for (DmaMapping entry : space.entries()) {
            Outcome<Reply> mapped = map(
                    tx, domain, entry.iova(), PseudoPhysical.ofUserAddress(entry.vaddr()), entry.size(), entry.prot());
            if (!mapped.isOk()) {
                return mapped;
            }
        }
        return Results.OK;
    }

    /** iopt_table_add_domain -> iopt_fill_domain: a domain new to the IOAS gets every area already there. */
    static Outcome<Reply> fillIoas(Tx tx, DomainId domain, IoasSpace space) {
        for (IoasArea area : space.areas()) {
            Outcome<Reply> mapped =
                    map(tx, domain, area.iova(), PseudoPhysical.ofIoasIova(area.iova()), area.length(), area.prot());
            if (!mapped.isOk()) {
                return mapped;
            }
        }
        return Results.OK;
    }

    /** The domains of a container that hold a page table (older journals' container domains have none). */
    static List<DomainId> type1Domains(KernelState state, FileId container) {
        return state.file(container)
                .filter(f -> f instanceof VfioContainer)
                .map(f -> ((VfioContainer) f)
                        .domains().values().stream()
                                .filter(d -> hasTable(state, d))
                                .toList())
                .orElse(List.of());
    }

    /** The HWPT domains on an IOAS that hold a page table. */
    static List<DomainId> ioasDomains(KernelState state, FileId ctx, ObjectId ioas) {
        return state.file(ctx)
                .filter(f -> f instanceof IommufdFile)
                .map(f -> ((IommufdFile) f)
                        .objects().values().stream()
                                .filter(o -> o instanceof IommufdObject.Hwpt h
                                        && h.ioas().equals(ioas))
                                .map(o -> ((IommufdObject.Hwpt) o).domain())
                                .filter(d -> hasTable(state, d))
                                .toList())
                .orElse(List.of());
    }

    private static boolean hasTable(KernelState state, DomainId domain) {
        return Optional.ofNullable(state.domains().get(domain))
                .flatMap(d -> d.use().pageTable())
                .isPresent();
    }

    private static Outcome<Reply> map(Tx tx, DomainId domain, long iova, long paddr, long size, Prot prot) {
        DomainState state = tx.state().domain(domain);
        IommuDomainMappings table = state.use().pageTable().orElseThrow();
        MappingStep<IommuDomainMappings, Mapping, Long> step = DomainMapRules.map(table, iova, paddr, size, prot);
        if (!step.outcome().isOk()) {
            // the driver's iommu_map refused it: the kernel unwinds the whole map or attach with its errno
            Errno errno = step.outcome() instanceof Outcome.Failed<Long> failed ? failed.errno() : Errno.EINVAL;
            return Outcome.fail(
                    errno,
                    "domain " + state.label() + " cannot map it: "
                            + step.outcome().explanation().orElse(step.outcome().resultName()));
        }
        tx.emit(new DomainRunsMapped(domain, step.added()));
        return Results.OK;
    }

    /** iommu_unmap of one vfio_dma or area: the leaves it covers go, as the domain's table holds them. */
    private static void unmap(Tx tx, DomainId domain, long iova, long size) {
        IommuDomainMappings table = tx.state().domain(domain).use().pageTable().orElseThrow();
        MappingStep<IommuDomainMappings, Mapping, Long> step = DomainMapRules.unmap(table, iova, size);
        if (step.changedElements()) {
            tx.emit(new DomainRunsUnmapped(domain, step.removed()));
        }
    }
}
