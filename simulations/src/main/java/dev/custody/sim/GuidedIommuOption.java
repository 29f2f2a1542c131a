package dev.custody.sim;

import static dev.custody.sim.GuidedRanges.PAGE;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import dev.custody.model.ProcessCapability;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import dev.custody.rules.OptionRules;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * IOMMU_OPTION as the guided iommufd VMM makes it. A VMM sets an option once, while it sets up: the
 * accounting mode (RLIMIT_MODE) of a fresh iommufd, the large pages (HUGE_PAGES) of an IOAS, and reads
 * either back. Those calls are rare calls ({@link GuidedAction#rare}), one for each option. What the
 * kernel refuses of them (EBUSY once the iommufd holds objects, EINVAL for a value neither 0 nor 1 or
 * for disabling large pages under a domain with mappings, EADDRINUSE for an area a page cuts, ENOENT for
 * an object that is no IOAS, EOPNOTSUPP for an object id on the global option, an unknown op or option
 * or a reserved word, EPERM without CAP_SYS_RESOURCE) is spread over several kinds that a rare call's
 * few refusals would leave mostly unmet, so they are also a refusal-only kind of call of the role, with
 * its own share of the refusals, as the mapping calls of {@link GuidedMappingStrays} are.
 */
final class GuidedIommuOption {
    private GuidedIommuOption() {}

    /** A VMM that runs as root holds every capability; one that dropped them holds none. */
    private static final Set<ProcessCapability> ROOT = EnumSet.allOf(ProcessCapability.class);

    private static final Handle NO_OBJECT = new Handle.Number(0);

    /** RLIMIT_MODE read on any iommufd of the role, and set on one that holds no object yet. */
    static GuidedAction rlimitMode() {
        return GuidedAction.rare("IommuOption", GuidedIommuOption::rlimitAimed, GuidedIommuOption::rlimitRefused);
    }

    /** HUGE_PAGES read, enabled, or disabled on an IOAS where the kernel allows it. */
    static GuidedAction hugePages() {
        return GuidedAction.rare("IommuOption", GuidedIommuOption::hugeAimed, GuidedIommuOption::hugeRefused);
    }

    /** Both options' refusals as a kind of refused call of its own. */
    static GuidedAction refusals() {
        return new GuidedAction(
                "IommuOption",
                p -> Optional.empty(),
                p -> p.random.nextBoolean() ? rlimitRefused(p) : hugeRefused(p),
                false);
    }

    private static Optional<Command<?>> rlimitAimed(Pick p) {
        Optional<OpenFile.IommufdFile> fresh =
                p.myFile(OpenFile.IommufdFile.class, f -> f.objects().isEmpty());
        if (fresh.isPresent() && p.random.nextBoolean()) {
            return GuidedCast.some(rlimit(fresh.get(), OptionRules.OP_SET, p.random.nextInt(2)));
        }
        // half the reads go to an iommufd that was set to charge the process, when there is one
        return p.myFile(OpenFile.IommufdFile.class, f -> f.accountPerProcess() || p.random.nextBoolean())
                .or(() -> p.myFile(OpenFile.IommufdFile.class, f -> true))
                .map(x -> rlimit(x, OptionRules.OP_GET, 0));
    }

    private static Optional<Command<?>> rlimitRefused(Pick p) {
        Optional<OpenFile.IommufdFile> any = p.myFile(OpenFile.IommufdFile.class, f -> true);
        if (any.isEmpty()) {
            return Optional.empty();
        }
        OpenFile.IommufdFile x = any.get();
        Handle fd = Pick.file(x);
        return GuidedCast.some(
                switch (p.random.nextInt(8)) {
                    // the mode may change only while nothing is pinned: EBUSY once the iommufd holds objects
                    case 0 ->
                        rlimit(
                                p.myFile(
                                                OpenFile.IommufdFile.class,
                                                f -> !f.objects().isEmpty())
                                        .orElse(x),
                                OptionRules.OP_SET,
                                1);
                    case 1 ->
                        rlimit(
                                p.myFile(
                                                OpenFile.IommufdFile.class,
                                                f -> f.objects().isEmpty())
                                        .orElse(x),
                                OptionRules.OP_SET,
                                p.random.nextBoolean() ? 2 : 1L << 32);
                    // RLIMIT_MODE is global: any object id, even a device's, is refused
                    case 2 ->
                        new Command.IommuOption(
                                fd, OptionRules.RLIMIT_MODE, OptionRules.OP_GET, someObject(p, x), 0, 0, ROOT);
                    case 3 -> new Command.IommuOption(fd, OptionRules.RLIMIT_MODE, 2, NO_OBJECT, 0, 0, ROOT);
                    // a VMM that dropped its capabilities before setting the mode
                    case 4 ->
                        new Command.IommuOption(
                                fd, OptionRules.RLIMIT_MODE, OptionRules.OP_SET, NO_OBJECT, 1, 0, Set.of());
                    case 5 ->
                        new Command.IommuOption(fd, OptionRules.RLIMIT_MODE, OptionRules.OP_GET, NO_OBJECT, 0, 1, ROOT);
                    case 6 ->
                        new Command.IommuOption(fd, 2 + p.random.nextInt(3), OptionRules.OP_GET, NO_OBJECT, 0, 0, ROOT);
                    // IOMMU_OPTION on a VFIO cdev, not /dev/iommu
                    default ->
                        new Command.IommuOption(
                                p.myFile(OpenFile.CdevFile.class, c -> true)
                                        .map(Pick::file)
                                        .orElse(new Handle.Number(-1)),
                                OptionRules.RLIMIT_MODE,
                                OptionRules.OP_GET,
                                NO_OBJECT,
                                0,
                                0,
                                ROOT);
                });
    }

    private static Command<?> rlimit(OpenFile.IommufdFile x, long op, long val64) {
        return new Command.IommuOption(Pick.file(x), OptionRules.RLIMIT_MODE, op, NO_OBJECT, val64, 0, ROOT);
    }

    /**
     * An object id that is not 0: one of the context's objects, a cdev bound to it (its devid), or a
     * number no object has.
     */
    private static Handle someObject(Pick p, OpenFile.IommufdFile x) {
        List<Handle> named = new ArrayList<>();
        x.objects().values().forEach(o -> named.add(Pick.object(x.id(), o.id())));
        p.mine(
                        OpenFile.CdevFile.class,
                        c -> c.binding().map(b -> b.iommufd().equals(x.id())).orElse(false))
                .forEach(c -> named.add(Pick.file(c)));
        named.add(new Handle.Number(1 + p.random.nextInt(16)));
        named.add(p.wrongHandle());
        return p.one(named).orElseThrow();
    }

    private static Optional<Command<?>> hugeAimed(Pick p) {
        List<Pick.Owned<IommufdObject.Ioas>> ioases = p.myObjects(IommufdObject.Ioas.class, i -> true);
        // reads and enables go half the time to an IOAS whose large pages are off, when there is one
        List<Pick.Owned<IommufdObject.Ioas>> disabled =
                ioases.stream().filter(i -> i.object().largePagesDisabled()).toList();
        List<Pick.Owned<IommufdObject.Ioas>> either = !disabled.isEmpty() && p.random.nextBoolean() ? disabled : ioases;
        return switch (p.random.nextInt(3)) {
            case 0 -> p.one(either).map(i -> huge(i, OptionRules.OP_GET, 0));
            case 1 -> p.one(either).map(i -> huge(i, OptionRules.OP_SET, 1));
            default ->
                p.one(ioases.stream()
                                .filter(i ->
                                        i.object().largePagesDisabled() || (mayDisable(i) && pageAligned(i.object())))
                                .toList())
                        .or(() -> p.one(ioases))
                        .map(i -> huge(i, OptionRules.OP_SET, 0));
        };
    }

    private static Optional<Command<?>> hugeRefused(Pick p) {
        List<Pick.Owned<IommufdObject.Ioas>> ioases = p.myObjects(IommufdObject.Ioas.class, i -> true);
        Optional<Command<?>> special = switch (p.random.nextInt(6)) {
            // a domain already holds mappings, some of them maybe large: EINVAL
            case 0 ->
                p.one(ioases.stream()
                                .filter(i -> !mayDisable(i) && !i.object().largePagesDisabled())
                                .toList())
                        .map(i -> huge(i, OptionRules.OP_SET, 0));
            // an area PAGE_SIZE does not divide, on an IOAS no domain aligns yet: EADDRINUSE
            case 1 ->
                p.one(ioases.stream()
                                .filter(i ->
                                        mayDisable(i) && !i.object().largePagesDisabled() && !pageAligned(i.object()))
                                .toList())
                        .map(i -> huge(i, OptionRules.OP_SET, 0));
            case 2 -> p.one(ioases).map(i -> huge(i, 2, 0));
            case 3 -> p.one(ioases).map(i -> huge(i, OptionRules.OP_SET, 2 + p.random.nextInt(3)));
            case 4 ->
                p.one(ioases)
                        .map(i -> new Command.IommuOption(
                                Pick.file(i.ctx()),
                                OptionRules.HUGE_PAGES,
                                OptionRules.OP_GET,
                                i.handle(),
                                0,
                                0x10,
                                ROOT));
            default -> Optional.empty();
        };
        return special.or(() -> notAnIoas(p));
    }

    /** HUGE_PAGES on an object id that is no IOAS of the context: a HWPT, a device, 0, a free id. */
    private static Optional<Command<?>> notAnIoas(Pick p) {
        return p.myFile(OpenFile.IommufdFile.class, f -> true).map(x -> {
            List<Handle> objects = new ArrayList<>();
            x.objects().values().stream()
                    .filter(o -> !(o instanceof IommufdObject.Ioas))
                    .forEach(o -> objects.add(Pick.object(x.id(), o.id())));
            objects.add(NO_OBJECT);
            objects.add(new Handle.Number(-1));
            objects.add(new Handle.Number(1L << 32));
            // a raw id: no object, or one of another kind, or now and then the IOAS itself (accepted)
            objects.add(new Handle.Number(1 + p.random.nextInt(8)));
            objects.add(Pick.object(x.id(), freeId(x)));
            return new Command.IommuOption(
                    Pick.file(x),
                    OptionRules.HUGE_PAGES,
                    p.random.nextBoolean() ? OptionRules.OP_GET : OptionRules.OP_SET,
                    p.one(objects).orElseThrow(),
                    1,
                    0,
                    ROOT);
        });
    }

    /** The lowest id no object of the context has (the kernel gives ids from 1). */
    private static ObjectId freeId(OpenFile.IommufdFile x) {
        int id = 1;
        while (x.objects().containsKey(new ObjectId(id))) {
            id++;
        }
        return new ObjectId(id);
    }

    private static Command.IommuOption huge(Pick.Owned<IommufdObject.Ioas> ioas, long op, long val64) {
        return new Command.IommuOption(
                Pick.file(ioas.ctx()), OptionRules.HUGE_PAGES, op, ioas.handle(), val64, 0, ROOT);
    }

    /** No HWPT of the context is built on the IOAS, or it maps nothing: disabling is allowed. */
    private static boolean mayDisable(Pick.Owned<IommufdObject.Ioas> ioas) {
        return ioas.object().space().areas().isEmpty()
                || ioas.ctx().objects().values().stream()
                        .noneMatch(o -> o instanceof IommufdObject.Hwpt h
                                && h.ioas().equals(ioas.object().id()));
    }

    private static boolean pageAligned(IommufdObject.Ioas ioas) {
        return ioas.space().areas().stream().allMatch(GuidedIommuOption::pageAligned);
    }

    private static boolean pageAligned(IoasArea area) {
        return area.iova() % PAGE == 0 && area.length() % PAGE == 0;
    }
}
