package dev.custody.sim;

import static dev.custody.sim.GuidedRanges.GIGA;
import static dev.custody.sim.GuidedRanges.PAGE;
import static dev.custody.sim.GuidedRanges.TOP_PAGE;

import dev.custody.model.Command;
import dev.custody.model.DomainId;
import dev.custody.model.Handle;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The in-kernel user's iommu_map/iommu_unmap and the prober's iommu_iova_to_phys, with the arguments
 * a stress tester draws: addresses on and off the large-page grids, physical addresses aligned like
 * the IOVA or not, lengths up to 1 GiB, iova and paddr 0, size 0, each permission alone; unmaps of a
 * whole run or of one small page inside a large one. Refusals: no permission, a range wrapping past
 * 2^64 or past the domain's address width, an IOVA already mapped, and a domain that is not the
 * caller's to map (a DMA-API default, identity, blocked, VFIO or iommufd domain, as
 * iommu_get_domain_for_dev hands out).
 */
final class GuidedIommuMap {
    private GuidedIommuMap() {}

    private static Optional<IommuDomainMappings> table(DomainState domain) {
        return domain.use().pageTable();
    }

    /**
     * A domain of the host that no in-kernel caller allocated: the core refuses to let a caller map it.
     * Its kind is drawn first (a group's DMA-API, identity or blocking domain, a VFIO container's, an
     * iommufd HWPT's), then a domain of that kind, so the few user-owned domains are met as often as
     * the many defaults.
     */
    static Optional<DomainState> notMine(Pick p) {
        Map<String, List<DomainState>> byKind = p.state.domains().values().stream()
                .filter(d -> !(d.use() instanceof DomainUse.KernelCaller))
                .collect(Collectors.groupingBy(
                        d -> d.use().getClass().getSimpleName() + " " + d.kind(), TreeMap::new, Collectors.toList()));
        return p.one(List.copyOf(byKind.values())).flatMap(p::one);
    }

    private static boolean free(IommuDomainMappings table, long iova, long size) {
        return size == 0
                || table.firstLeafIntersecting(IovaRange.ofLength(iova, size)).isEmpty();
    }

    static GuidedAction map() {
        return new GuidedAction(
                "IommuMap",
                p -> p.one(p.myDomains(d -> true)).map(d -> mapAimed(p, d)),
                p -> p.one(p.myDomains(d -> true)).map(d -> mapRefused(p, d)));
    }

    private static Command<?> mapAimed(Pick p, DomainState domain) {
        Handle h = new Handle.Domain(domain.id());
        IommuDomainMappings table = table(domain).orElseThrow();
        boolean read = p.random.nextInt(4) != 0;
        boolean write = !read || p.random.nextBoolean();
        switch (p.random.nextInt(10)) {
            case 0 -> {
                if (free(table, 0, GIGA)) {
                    // iova and paddr 0: aligned to every page size
                    return new Command.IommuMap(h, 0, 0, p.random.nextBoolean() ? GIGA : PAGE, read, write);
                }
            }
            case 1 -> {
                // size 0 with aligned addresses: maps nothing and succeeds
                return new Command.IommuMap(h, p.iova(), 0x8000_0000L, 0, true, true);
            }
            case 2 -> {
                // a 1 GiB-aligned range longer than 1 GiB: the largest page, then smaller ones
                long iova = 0x40_0000_0000L + GIGA * p.random.nextInt(32);
                long size = GIGA + GuidedRanges.length(p);
                if (free(table, iova, size)) {
                    return new Command.IommuMap(h, iova, 0x80_0000_0000L + iova, size, read, write);
                }
            }
            default -> {}
        }
        long size = GuidedRanges.length(p) + (p.random.nextInt(4) == 0 ? GuidedRanges.HUGE : 0);
        long iova = GuidedRanges.freeIova(p, a -> free(table, a, size));
        // paddr keeps the IOVA's offset in a 1 GiB page (large pages possible) or shifts it by a page
        long paddr = 0x8000_0000L + iova + (p.random.nextInt(4) == 0 ? PAGE : 0);
        return new Command.IommuMap(h, iova, paddr, size, read, write);
    }

    private static Command<?> mapRefused(Pick p, DomainState domain) {
        Handle h = new Handle.Domain(domain.id());
        IommuDomainMappings table = table(domain).orElseThrow();
        switch (p.random.nextInt(7)) {
            case 0 -> {
                return new Command.IommuMap(h, p.iova(), 0x8000_0000L, PAGE, false, false);
            }
            case 1 -> {
                return p.random.nextBoolean()
                        ? new Command.IommuMap(h, TOP_PAGE, 0, 2 * PAGE, true, true)
                        : new Command.IommuMap(h, p.iova(), TOP_PAGE, 2 * PAGE, true, true);
            }
            case 2 -> {
                // past the domain's address width, or straddling its end
                long end = 1L << table.addressWidth();
                return p.random.nextBoolean()
                        ? new Command.IommuMap(h, end, 0, PAGE, true, true)
                        : new Command.IommuMap(h, end - PAGE, 0, 2 * PAGE, true, true);
            }
            case 3 -> {
                Optional<Mapping> run = p.one(table.runs());
                if (run.isPresent()) {
                    return new Command.IommuMap(
                            h, run.get().iova(), 0, run.get().size(), true, true);
                }
            }
            case 4 -> {
                Optional<DomainState> other = notMine(p);
                if (other.isPresent()) {
                    return new Command.IommuMap(
                            new Handle.Domain(other.get().id()), p.iova(), 0x8000_0000L, PAGE, true, true);
                }
            }
            default -> {}
        }
        return new Command.IommuMap(h, p.misaligned(), 0, p.misaligned(), false, p.random.nextBoolean());
    }

    static GuidedAction unmap() {
        return new GuidedAction("IommuUnmap", p -> p.one(p.myDomains(d -> true)).map(d -> unmapAimed(p, d)), p -> {
            Optional<DomainState> other = notMine(p);
            return switch (p.random.nextInt(3)) {
                case 0 -> other.map(d -> new Command.IommuUnmap(new Handle.Domain(d.id()), p.iova(), 0x20_0000L));
                // misaligned: iommu_unmap answers 0 rather than an error
                case 1 ->
                    p.one(p.myDomains(d -> true))
                            .map(d -> new Command.IommuUnmap(new Handle.Domain(d.id()), p.misaligned(), 0x1000));
                default -> GuidedCast.some(new Command.IommuUnmap(p.wrongHandle(), p.misaligned(), 0x1000));
            };
        });
    }

    /** A whole run, one small page inside a large leaf (the leaf goes whole), or where nothing is mapped. */
    private static Command<?> unmapAimed(Pick p, DomainState domain) {
        Handle h = new Handle.Domain(domain.id());
        List<Mapping> runs = table(domain).orElseThrow().runs();
        Optional<Mapping> run = p.random.nextInt(4) == 0 ? Optional.empty() : p.one(runs);
        if (run.isEmpty()) {
            return new Command.IommuUnmap(h, p.iova(), 0x20_0000L);
        }
        Mapping r = run.get();
        return p.random.nextBoolean()
                ? new Command.IommuUnmap(h, r.iova(), r.length())
                : new Command.IommuUnmap(
                        h, r.iova() + PAGE * p.random.nextInt((int) Math.min(512, r.size() / PAGE)), PAGE);
    }

    /** iommu_iova_to_phys on any domain of the host: a mapped IOVA of it half the time, else any. */
    static GuidedAction iovaToPhys() {
        return new GuidedAction(
                "IovaToPhys",
                p -> p.one(List.copyOf(p.state.domains().keySet())).map(id -> {
                    DomainState domain = p.state.domain(id);
                    Optional<Mapping> run =
                            p.random.nextBoolean() ? table(domain).flatMap(t -> p.one(t.runs())) : Optional.empty();
                    long iova = run.map(r -> r.iova() + PAGE * p.random.nextInt((int) Math.min(64, r.count())))
                            .orElseGet(() -> p.iova() + 0x1000L * p.random.nextInt(4));
                    return new Command.IovaToPhys(new Handle.Domain(id), iova);
                }),
                p -> GuidedCast.some(new Command.IovaToPhys(freedOrNone(p), p.iova())));
    }

    private static Handle freedOrNone(Pick p) {
        for (int attempt = 0; attempt < 4; attempt++) {
            DomainId id = new DomainId(1 + p.random.nextInt(Math.max(1, p.state.nextDomain())));
            if (!p.state.domains().containsKey(id)) {
                return new Handle.Domain(id);
            }
        }
        return new Handle.Number(-1);
    }
}
