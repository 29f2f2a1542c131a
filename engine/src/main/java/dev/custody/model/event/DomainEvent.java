package dev.custody.model.event;

import dev.custody.model.DomainId;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import java.util.List;

/** A fact about one IOMMU domain, named by {@link #subject()}. */
public sealed interface DomainEvent extends KernelEvent {

    @Override
    DomainId subject();

    /** A new domain, whole: its id is the subject. */
    record DomainAllocated(DomainState domain) implements DomainEvent {
        @Override
        public DomainId subject() {
            return domain.id();
        }
    }

    record DomainFreed(DomainId domain) implements DomainEvent {
        @Override
        public DomainId subject() {
            return domain;
        }
    }

    record DomainKindSet(DomainId domain, DomainKind kind) implements DomainEvent {
        @Override
        public DomainId subject() {
            return domain;
        }
    }

    /**
     * iommu_map() put these leaves into the domain's page table: the split into supported pages the
     * rules computed, applied as it is. Runs of equal leaves ({@link Mapping#count()}) are what
     * iommu_map() and iommu_unmap() decide: the split of one call into pages, grown and shrunk around
     * the largest page, is a few runs however many leaves it has.
     */
    record DomainRunsMapped(DomainId domain, List<Mapping> runs) implements DomainEvent {
        public DomainRunsMapped {
            runs = List.copyOf(runs);
        }

        @Override
        public DomainId subject() {
            return domain;
        }
    }

    /** iommu_unmap() took these whole leaves, as runs, out of the domain's page table. */
    record DomainRunsUnmapped(DomainId domain, List<Mapping> runs) implements DomainEvent {
        public DomainRunsUnmapped {
            runs = List.copyOf(runs);
        }

        @Override
        public DomainId subject() {
            return domain;
        }
    }

    /**
     * A map as journals before {@link DomainRunsMapped} recorded it: one leaf per element (builds of
     * that time skip a field they do not know, so a run there would read as its first leaf; runs went
     * into a class of their own, which those builds refuse instead). Still applied as it is.
     */
    record DomainLeavesMapped(DomainId domain, List<Mapping> leaves) implements DomainEvent {
        public DomainLeavesMapped {
            leaves = List.copyOf(leaves);
        }

        @Override
        public DomainId subject() {
            return domain;
        }
    }

    /** An unmap as journals before {@link DomainRunsUnmapped} recorded it: one leaf per element. */
    record DomainLeavesUnmapped(DomainId domain, List<Mapping> leaves) implements DomainEvent {
        public DomainLeavesUnmapped {
            leaves = List.copyOf(leaves);
        }

        @Override
        public DomainId subject() {
            return domain;
        }
    }

    /**
     * A map as journals before {@link DomainLeavesMapped} recorded it: the request, not the leaves.
     * Only read back, and turned into the leaves before it is applied ({@link LegacyEvent}).
     */
    record LegacyDomainMapped(DomainId domain, long iova, long paddr, long size, boolean read, boolean write)
            implements DomainEvent, LegacyEvent {
        @Override
        public DomainId subject() {
            return domain;
        }
    }

    /** An unmap request as older journals recorded it; see {@link LegacyDomainMapped}. */
    record LegacyDomainUnmapped(DomainId domain, long iova, long size) implements DomainEvent, LegacyEvent {
        @Override
        public DomainId subject() {
            return domain;
        }
    }
}
