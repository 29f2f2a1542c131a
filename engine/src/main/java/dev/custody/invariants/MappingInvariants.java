package dev.custody.invariants;

import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.rules.mapping.IoasSpaceRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** V9 (IOAS) and V10 (type1): address-space bookkeeping that must never overlap. */
final class MappingInvariants {
    private MappingInvariants() {}

    static void check(KernelState state, List<Violation> out) {
        state.filesOf(IommufdFile.class)
                .forEach(ctx -> ctx.objects().values().stream()
                        .filter(o -> o instanceof IommufdObject.Ioas)
                        .map(o -> (IommufdObject.Ioas) o)
                        .forEach(ioas -> ioas(
                                        ctx.label() + "/" + ioas.label(),
                                        ioas.space().areas(),
                                        IoasSpaceRules.reserved(ioas.space()),
                                        ioas.space().allowed(),
                                        ioas.space().iovaAlignment())
                                .ifPresent(out::add)));
        state.filesOf(VfioContainer.class)
                .forEach(c -> c.iommu()
                        .flatMap(dma -> type1(c.label(), dma.entries(), dma.validRanges()))
                        .ifPresent(out::add));
    }

    /** V9: areas pairwise disjoint, clear of reserved ranges and aligned; allowed ranges clear of reserved. */
    static Optional<Violation> ioas(
            String name, List<IoasArea> areas, List<IovaRange> reserved, List<IovaRange> allowed, long alignment) {
        List<IovaRange> ranges = new ArrayList<>();
        for (IoasArea area : areas) {
            IovaRange range = IovaRange.ofLength(area.iova(), area.length());
            if (ranges.stream().anyMatch(range::intersects)) {
                return violation(Invariant.V9, name, "area " + range + " overlaps another area");
            }
            if (reserved.stream().anyMatch(range::intersects)) {
                return violation(Invariant.V9, name, "area " + range + " overlaps a reserved range");
            }
            if (Long.remainderUnsigned(area.iova(), alignment) != 0
                    || Long.remainderUnsigned(area.length(), alignment) != 0) {
                return violation(Invariant.V9, name, "area " + range + " is not aligned to " + alignment);
            }
            ranges.add(range);
        }
        for (IovaRange range : allowed) {
            if (reserved.stream().anyMatch(range::intersects)) {
                return violation(Invariant.V9, name, "allowed range " + range + " overlaps a reserved range");
            }
        }
        return Optional.empty();
    }

    /** V10: vfio_dma ranges pairwise disjoint and each inside one valid IOVA range. */
    static Optional<Violation> type1(String name, List<DmaMapping> entries, List<IovaRange> valid) {
        List<IovaRange> ranges = new ArrayList<>();
        for (DmaMapping entry : entries) {
            IovaRange range = IovaRange.ofLength(entry.iova(), entry.size());
            if (ranges.stream().anyMatch(range::intersects)) {
                return violation(Invariant.V10, name, "mapping " + range + " overlaps another mapping");
            }
            if (!valid.isEmpty() && valid.stream().noneMatch(v -> v.contains(range))) {
                return violation(Invariant.V10, name, "mapping " + range + " lies outside the valid IOVA ranges");
            }
            ranges.add(range);
        }
        return Optional.empty();
    }

    private static Optional<Violation> violation(Invariant broken, String object, String message) {
        return Optional.of(new Violation(broken, List.of(object), message));
    }
}
