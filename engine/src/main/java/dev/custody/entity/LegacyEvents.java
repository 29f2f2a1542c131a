package dev.custody.entity;

import dev.custody.model.DomainId;
import dev.custody.model.event.DomainEvent.DomainRunsMapped;
import dev.custody.model.event.DomainEvent.DomainRunsUnmapped;
import dev.custody.model.event.DomainEvent.LegacyDomainMapped;
import dev.custody.model.event.DomainEvent.LegacyDomainUnmapped;
import dev.custody.model.event.FileEvent.IoasAreasUnmapped;
import dev.custody.model.event.FileEvent.LegacyIoasUnmapped;
import dev.custody.model.event.FileEvent.LegacyType1Unmapped;
import dev.custody.model.event.FileEvent.Type1EntriesUnmapped;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.event.LegacyEvent;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.rules.mapping.DomainMapRules;
import dev.custody.rules.mapping.IoasSpaceRules;
import dev.custody.rules.mapping.MappingStep;
import dev.custody.rules.mapping.Type1DmaRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Older journals recorded map and unmap requests, which the state used to work out again while
 * applying them ({@link LegacyEvent}). Reading such a journal, each is turned here into the facts it
 * stood for, with the same arithmetic and the state it applied to, then applied like any other fact.
 * An event that is not legacy passes through unchanged. A legacy request the state refuses stands for
 * nothing, as the state of that version ignored a request it refused. It lives beside the journal
 * folds that call it (coordinator and entity recovery, replay) rather than in the rules: it decides no
 * kernel call, it reads an old journal format back, with the rules' mapping arithmetic.
 */
public final class LegacyEvents {
    private LegacyEvents() {}

    /** The facts {@code event} stands for, when applied to {@code state} (a whole kernel or one entity's slice). */
    public static List<KernelEvent> upcast(KernelState state, KernelEvent event) {
        if (!(event instanceof LegacyEvent legacy)) {
            return List.of(event);
        }
        return switch (legacy) {
            case LegacyDomainMapped e -> {
                var step = DomainMapRules.map(
                        pageTable(state, e.domain()), e.iova(), e.paddr(), e.size(), new Prot(e.read(), e.write()));
                yield step.changedElements() ? List.of(new DomainRunsMapped(e.domain(), step.added())) : List.of();
            }
            case LegacyDomainUnmapped e -> {
                var step = DomainMapRules.unmap(pageTable(state, e.domain()), e.iova(), e.size());
                yield step.changedElements() ? List.of(new DomainRunsUnmapped(e.domain(), step.removed())) : List.of();
            }
            case LegacyType1Unmapped e -> {
                // a container without the type1 driver was left as it was
                Optional<Type1DmaSpace> space =
                        state.fileAs(e.container(), VfioContainer.class).iommu();
                var step = space.map(dma -> Type1DmaRules.unmap(dma, e.iova(), e.size(), e.all()));
                yield step
                        .filter(MappingStep::changedElements)
                        .<KernelEvent>map(s -> new Type1EntriesUnmapped(e.container(), s.removed()))
                        .stream()
                        .toList();
            }
            case LegacyIoasUnmapped e -> {
                IoasSpace space = ioasSpace(state, e);
                var step = e.compat()
                        ? IoasSpaceRules.unmapCompat(space, e.iova(), e.length())
                        : IoasSpaceRules.unmap(space, e.iova(), e.length());
                yield step.changedElements()
                        ? List.of(new IoasAreasUnmapped(e.iommufd(), e.ioas(), step.removed()))
                        : List.of();
            }
        };
    }

    /**
     * One decision's events as they are to be applied to {@code state}: each legacy event upcast with
     * the state the events before it led to. The list itself when it holds no legacy event.
     */
    public static List<KernelEvent> upcastAll(KernelState state, List<KernelEvent> events) {
        if (!anyLegacy(events)) {
            return events;
        }
        List<KernelEvent> current = new ArrayList<>(events.size());
        KernelState at = state;
        for (KernelEvent event : events) {
            List<KernelEvent> facts = upcast(at, event);
            at = at.applyAll(facts);
            current.addAll(facts);
        }
        return List.copyOf(current);
    }

    /** A plain loop: replay and recovery ask this for every decision of a journal. */
    private static boolean anyLegacy(List<KernelEvent> events) {
        for (KernelEvent event : events) {
            if (event instanceof LegacyEvent) {
                return true;
            }
        }
        return false;
    }

    private static IommuDomainMappings pageTable(KernelState state, DomainId id) {
        return state.domain(id)
                .use()
                .pageTable()
                .orElseThrow(() -> new IllegalStateException(id + " has no page table to map or unmap"));
    }

    private static IoasSpace ioasSpace(KernelState state, LegacyIoasUnmapped e) {
        if (!(state.fileAs(e.iommufd(), IommufdFile.class).objects().get(e.ioas())
                instanceof IommufdObject.Ioas ioas)) {
            throw new IllegalStateException("object " + e.ioas() + " of " + e.iommufd() + " is not an IOAS");
        }
        return ioas.space();
    }
}
