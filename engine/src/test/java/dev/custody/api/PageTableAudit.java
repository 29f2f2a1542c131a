package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.TableDump;
import dev.custody.model.Command;
import dev.custody.model.DomainId;
import dev.custody.model.Handle;
import dev.custody.model.IommuSpec;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.nativeio.pagetable.IoMapping;
import dev.custody.nativeio.pagetable.IoPageTable;
import dev.custody.nativeio.pagetable.PageSizeBitmap;
import dev.custody.rules.mapping.DomainMapRules;
import dev.custody.rules.mapping.PseudoPhysical;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Proves that every domain actor's real page table holds exactly what its owner mapped: for a VFIO
 * container's domain the container's vfio_dma list, for a HWPT's domain its IOAS's areas, for a caller's
 * domain its own mappings, each at the documented pseudo-physical address. The expected leaves are
 * derived here from the owner's bookkeeping, independently of the events that built the table.
 */
public final class PageTableAudit {
    private PageTableAudit() {}

    /** Checks every domain with a table; returns how many it checked. */
    public static int assertTablesMatchOwners(EngineAdmin engine, KernelState state) {
        int checked = 0;
        for (DomainState domain : state.domains().values()) {
            Optional<List<Mapping>> expected = expectedLeaves(state, domain);
            Optional<TableDump> dump =
                    engine.pageTable(domain.id()).toCompletableFuture().join();
            assertEquals(expected.isPresent(), dump.isPresent(), "domain " + domain.label() + " has a table");
            if (expected.isEmpty()) {
                continue;
            }
            IommuSpec spec = state.topology().iommus().get(domain.iommu());
            List<IoMapping> leaves =
                    expected.get().stream().map(PageTableAudit::ioMapping).toList();
            assertEquals(leaves, dump.get().leaves(), "leaves of domain " + domain.label());
            assertEquals(checksumOf(spec, leaves), dump.get().checksum(), "checksum of domain " + domain.label());
            assertTranslationsAgree(engine, domain.id(), expected.get());
            checked++;
        }
        return checked;
    }

    /** What the owner says the domain's table holds, mapped page by page as iommu_map would. */
    static Optional<List<Mapping>> expectedLeaves(KernelState state, DomainState domain) {
        IommuSpec spec = state.topology().iommus().get(domain.iommu());
        IommuDomainMappings table = IommuDomainMappings.empty(spec.pageSizeBitmap(), spec.addressWidth());
        switch (domain.use()) {
            case DomainUse.KernelCaller caller -> table = caller.mappings();
            case DomainUse.Type1Paging type1 -> {
                OpenFile.VfioContainer container = state.fileAs(type1.container(), OpenFile.VfioContainer.class);
                for (DmaMapping entry : container.iommu().orElseThrow().entries()) {
                    table = mapped(
                            table, entry.iova(), PseudoPhysical.ofUserAddress(entry.vaddr()), entry.size(), entry);
                }
            }
            case DomainUse.HwptPaging hwpt -> {
                OpenFile.IommufdFile ctx = state.fileAs(hwpt.iommufd(), OpenFile.IommufdFile.class);
                IommufdObject.Hwpt object = (IommufdObject.Hwpt) ctx.objects().get(hwpt.hwpt());
                IommufdObject.Ioas ioas = (IommufdObject.Ioas) ctx.objects().get(object.ioas());
                for (IoasArea area : ioas.space().areas()) {
                    table = mapped(table, area.iova(), PseudoPhysical.ofIoasIova(area.iova()), area.length(), area);
                }
            }
            default -> {
                return Optional.empty();
            }
        }
        return Optional.of(table.leaves().toList());
    }

    private static IommuDomainMappings mapped(
            IommuDomainMappings table, long iova, long paddr, long size, Object what) {
        var step = DomainMapRules.map(
                table, iova, paddr, size, what instanceof DmaMapping e ? e.prot() : ((IoasArea) what).prot());
        assertTrue(step.outcome().isOk(), what + " does not map: " + step.outcome());
        return step.state();
    }

    /** iova_to_phys through the engine (answered by the table) at the first, a middle and the last byte of each leaf. */
    private static void assertTranslationsAgree(EngineAdmin engine, DomainId domain, List<Mapping> leaves) {
        for (Mapping leaf : leaves.subList(0, Math.min(leaves.size(), 16))) {
            for (long offset : new long[] {0, leaf.size() / 2 + 0x123, leaf.size() - 1}) {
                Outcome<Reply.Amount> answer = engine.execute(
                                new Command.IovaToPhys(new Handle.Domain(domain), leaf.iova() + offset))
                        .toCompletableFuture()
                        .join();
                assertEquals(
                        Outcome.ok(new Reply.Amount("paddr", leaf.paddr() + offset)),
                        answer,
                        "iova_to_phys in domain " + domain + " at " + Long.toHexString(leaf.iova() + offset));
            }
        }
    }

    private static IoMapping ioMapping(Mapping leaf) {
        return new IoMapping(
                leaf.iova(),
                leaf.paddr(),
                leaf.size(),
                (leaf.prot().read() ? IoMapping.READ : 0) | (leaf.prot().write() ? IoMapping.WRITE : 0));
    }

    /** The checksum a fresh native table holding these leaves reports. */
    private static long checksumOf(IommuSpec spec, List<IoMapping> leaves) {
        try (IoPageTable fresh = new IoPageTable(
                new PageSizeBitmap(spec.pageSizeBitmap() & PageSizeBitmap.SUPPORTED), spec.addressWidth())) {
            List<IoMapping> copy = new ArrayList<>(leaves);
            for (IoMapping leaf : copy) {
                fresh.map(
                        leaf.iova(),
                        leaf.paddr(),
                        leaf.size(),
                        (leaf.prot() & IoMapping.READ) != 0,
                        (leaf.prot() & IoMapping.WRITE) != 0);
            }
            return fresh.checksum();
        }
    }
}
