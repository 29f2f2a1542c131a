package dev.custody.rules;

import static dev.custody.rules.Results.fail;

import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IovaSpan;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Type1MapFlag;
import dev.custody.model.event.DomainEvent.DomainRunsMapped;
import dev.custody.model.event.DomainEvent.DomainRunsUnmapped;
import dev.custody.model.event.FileEvent.IoasAllowed;
import dev.custody.model.event.FileEvent.IoasAreasUnmapped;
import dev.custody.model.event.FileEvent.IoasMapped;
import dev.custody.model.event.FileEvent.Type1EntriesUnmapped;
import dev.custody.model.event.FileEvent.Type1Mapped;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.model.state.OpenFile.VfioDeviceFile;
import dev.custody.rules.mapping.DomainMapRules;
import dev.custody.rules.mapping.IoasCopyRules;
import dev.custody.rules.mapping.IoasSpaceRules;
import dev.custody.rules.mapping.IovaRangesAnswer;
import dev.custody.rules.mapping.MappingStep;
import dev.custody.rules.mapping.RequestedRange;
import dev.custody.rules.mapping.Type1DmaRules;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * map/unmap through the three user-visible paths: the in-kernel iommu_map API, VFIO type1
 * and the iommufd IOAS. The arithmetic lives in {@code rules.mapping}; this class
 * picks the address space, turns accepted changes into events and answers lookups.
 */
public final class MappingRules {
    private MappingRules() {}

    /** iommu_map on a caller's paging domain. */
    public static Outcome<Reply> iommuMap(Tx tx, DomainId id, long iova, long paddr, long size, Prot prot) {
        Optional<IommuDomainMappings> mappings = kernelMappings(tx, id);
        if (mappings.isEmpty()) {
            return notCallerMapped(tx, id);
        }
        MappingStep<IommuDomainMappings, Mapping, Long> step =
                DomainMapRules.map(mappings.get(), iova, paddr, size, prot);
        if (step.outcome().isOk() && step.value() > 0) {
            tx.emit(new DomainRunsMapped(id, step.added()));
        }
        return amount("mapped", step.outcome());
    }

    /** iommu_unmap: returns the bytes removed, never an error (__iommu_unmap: misaligned -> 0). */
    public static Outcome<Reply> iommuUnmap(Tx tx, DomainId id, long iova, long size) {
        Optional<IommuDomainMappings> mappings = kernelMappings(tx, id);
        if (mappings.isEmpty()) {
            return notCallerMapped(tx, id);
        }
        MappingStep<IommuDomainMappings, Mapping, Long> step = DomainMapRules.unmap(mappings.get(), iova, size);
        if (step.outcome().isOk() && step.value() > 0) {
            tx.emit(new DomainRunsUnmapped(id, step.removed()));
        }
        return amount("unmapped", step.outcome());
    }

    /** iommu_iova_to_phys through whatever owns the domain's translations; 0 when nothing is mapped. */
    public static Outcome<Reply> iovaToPhys(Tx tx, DomainId id, long iova) {
        DomainState domain = tx.state().domain(id);
        long paddr = switch (domain.use()) {
            // the domain's own page table, as iommu_iova_to_phys walks it
            case DomainUse.KernelCaller caller -> caller.mappings().iovaToPhys(iova);
            case DomainUse.Type1Paging type1 -> type1.table().iovaToPhys(iova);
            case DomainUse.HwptPaging hwpt -> hwpt.table().iovaToPhys(iova);
            // journals written before domains held tables: derived from the owner's bookkeeping
            case DomainUse.Container c ->
                tx.state()
                        .file(c.container())
                        .flatMap(f -> ((VfioContainer) f).iommu())
                        .map(dma -> dma.translate(iova).orElse(0))
                        .orElse(0L);
            case DomainUse.Hwpt h ->
                tx.state()
                        .file(h.iommufd())
                        .map(f -> ((IommufdFile) f).objects().get(h.hwpt()))
                        .map(hwpt -> ((IommufdObject.Hwpt) hwpt).ioas())
                        .flatMap(ioas -> ioasSpace(tx, h.iommufd(), ioas))
                        .map(space -> space.translate(iova).orElse(0))
                        .orElse(0L);
            case DomainUse.GroupCore core -> domain.kind() == DomainKind.IDENTITY ? iova : 0L;
        };
        return Results.ok(new Reply.Amount("paddr", paddr));
    }

    /** VFIO_IOMMU_MAP_DMA on a container, or on an iommufd's VFIO compat layer. */
    public static Outcome<Reply> type1Map(Tx tx, Handle fd, long iova, long vaddr, long size, Set<Type1MapFlag> flags) {
        Fd<OpenFile> file = Fd.open(tx.state(), fd);
        if (!file.found()) {
            return file.error();
        }
        boolean read = flags.contains(Type1MapFlag.READ);
        boolean write = flags.contains(Type1MapFlag.WRITE);
        return switch (file.get()) {
            case VfioContainer container -> {
                if (container.iommu().isEmpty()) {
                    yield fail(
                            Errno.EINVAL, "container " + container.label() + " has no IOMMU driver (VFIO_SET_IOMMU)");
                }
                MappingStep<Type1DmaSpace, DmaMapping, Long> step =
                        Type1DmaRules.map(container.iommu().get(), iova, vaddr, size, read, write);
                if (!step.outcome().isOk()) {
                    yield step.outcome().castFailure();
                }
                Tx.Mark before = tx.mark();
                tx.emit(new Type1Mapped(container.id(), iova, vaddr, size, read, write));
                // vfio_iommu_map: into every domain of the container; a refusal unwinds the whole map
                Outcome<Reply> domains = DomainTables.followType1(tx, container.id(), step);
                if (!domains.isOk()) {
                    tx.rollback(before);
                    yield domains;
                }
                yield Results.OK;
            }
            case IommufdFile ctx -> {
                if (!read && !write) {
                    yield fail(Errno.EINVAL, "MAP_DMA needs READ or WRITE");
                }
                yield compat(tx, ctx)
                        .map(ioas -> ioasMapAt(tx, ctx.id(), ioas, OptionalLong.of(iova), size, read, write, false))
                        .orElseGet(() -> noCompatIoas(ctx));
            }
            default -> fail(mapOnAnotherFile(file.get()), "fd " + file.get().label() + " is not a VFIO container");
        };
    }

    /** VFIO_IOMMU_UNMAP_DMA; answers {"size": bytes}. */
    public static Outcome<Reply> type1Unmap(Tx tx, Handle fd, long iova, long size, boolean all) {
        Fd<OpenFile> file = Fd.open(tx.state(), fd);
        if (!file.found()) {
            return file.error();
        }
        return switch (file.get()) {
            case VfioContainer container -> {
                if (container.iommu().isEmpty()) {
                    yield fail(
                            Errno.EINVAL, "container " + container.label() + " has no IOMMU driver (VFIO_SET_IOMMU)");
                }
                MappingStep<Type1DmaSpace, DmaMapping, Long> step =
                        Type1DmaRules.unmap(container.iommu().get(), iova, size, all);
                if (step.outcome().isOk() && step.value() > 0) {
                    tx.emit(new Type1EntriesUnmapped(container.id(), step.removed()));
                    DomainTables.followType1(tx, container.id(), step); // unmaps never fail
                }
                yield amount("size", step.outcome());
            }
            case IommufdFile ctx ->
                compat(tx, ctx)
                        .map(ioas -> {
                            IoasSpace space = ioasSpace(tx, ctx.id(), ioas).orElseThrow();
                            int flags = all ? IoasSpaceRules.COMPAT_UNMAP_FLAG_ALL : 0;
                            MappingStep<IoasSpace, IoasArea, Long> step =
                                    IoasSpaceRules.unmapCompat(space, flags, iova, size);
                            if (step.changedElements()) {
                                tx.emit(new IoasAreasUnmapped(ctx.id(), ioas, step.removed()));
                                DomainTables.followIoas(tx, ctx.id(), ioas, step); // unmaps never fail
                            }
                            return amount("size", step.outcome());
                        })
                        .orElseGet(() -> noCompatIoas(ctx));
            default -> fail(Fd.unknownIoctl(file.get()), "fd " + file.get().label() + " is not a VFIO container");
        };
    }

    /**
     * MAP_DMA on a file other than a container or an iommufd. Its number is VFIO_DEVICE_PCI_HOT_RESET's
     * (_IO: no size in the number), so a VFIO PCI device fd with access runs the hot reset, whose check
     * of flags refuses the DMA struct (EINVAL), as a device fd without access does before any; other
     * files answer as for an unknown command. (UNMAP_DMA's number is VFIO_DEVICE_QUERY_GFX_PLANE's,
     * which VFIO PCI does not handle: an unknown command there.)
     */
    private static Errno mapOnAnotherFile(OpenFile file) {
        return file instanceof VfioDeviceFile || file instanceof CdevFile ? Errno.EINVAL : Fd.unknownIoctl(file);
    }

    /**
     * IOMMU_IOAS_MAP (iommufd_ioas_map); answers {"iova": n}, the IOVA used. With {@code flagWord} the
     * call is the uapi one (see {@code Command.IoasMap}): the word as is, the iova field read always.
     */
    public static Outcome<Reply> ioasMap(
            Tx tx, Handle ioasHandle, OptionalLong iova, long length, Set<IoasMapFlag> flags, OptionalInt flagWord) {
        int word = flagWord.orElse(IoasMapFlag.word(flags));
        Optional<ObjectId> ioas = resolveIoas(tx, ioasHandle);
        if (ioas.isEmpty()) {
            Optional<Outcome<Reply>> badFd = notAnOpenIommufd(tx, ioasHandle);
            if (badFd.isPresent()) {
                return badFd.get();
            }
            // iommufd_ioas_map checks its arguments before it looks the IOAS up
            Outcome<Long> arguments = IoasSpaceRules.checkMapArguments(word, iova.orElse(0), length);
            return arguments.isOk() ? notAnIoas(tx, ioasHandle) : arguments.castFailure();
        }
        FileId ctx = ((Handle.IommufdObject) ioasHandle).iommufd();
        if (flagWord.isPresent()) {
            IoasSpace space = ioasSpace(tx, ctx, ioas.get()).orElseThrow();
            return ioasMapped(
                    tx,
                    ctx,
                    ioas.get(),
                    IoasSpaceRules.mapRaw(space, word, iova.orElse(0), length),
                    length,
                    flags.contains(IoasMapFlag.READABLE),
                    flags.contains(IoasMapFlag.WRITEABLE),
                    true);
        }
        OptionalLong fixed = iova.isPresent()
                ? iova
                : flags.contains(IoasMapFlag.FIXED_IOVA) ? OptionalLong.of(0) : OptionalLong.empty();
        return ioasMapAt(
                tx,
                ctx,
                ioas.get(),
                fixed,
                length,
                flags.contains(IoasMapFlag.READABLE),
                flags.contains(IoasMapFlag.WRITEABLE),
                true);
    }

    /**
     * IOMMU_IOAS_COPY (iommufd_ioas_copy); answers {"iova": n}, the destination IOVA. Both IOAS ids are
     * looked up in the source's iommufd, the ioctl's file.
     */
    public static Outcome<Reply> ioasCopy(
            Tx tx, Handle src, long srcIova, Handle dst, OptionalLong dstIova, long length, Set<IoasMapFlag> flags) {
        long rawDst = dstIova.orElse(0);
        if (length == Addresses.ULONG_MAX || srcIova == Addresses.ULONG_MAX || rawDst == Addresses.ULONG_MAX) {
            // ioas.c iommufd_ioas_copy: length, src_iova or dst_iova >= ULONG_MAX -> EOVERFLOW
            return fail(Errno.EOVERFLOW, "length, src_iova or dst_iova is ULONG_MAX");
        }
        boolean read = flags.contains(IoasMapFlag.READABLE);
        boolean write = flags.contains(IoasMapFlag.WRITEABLE);
        if (!read && !write) {
            // ioas.c iommufd_ioas_copy: neither READABLE nor WRITEABLE -> EINVAL
            return fail(Errno.EINVAL, "a copy must be READABLE or WRITEABLE");
        }
        Optional<ObjectId> from = resolveIoas(tx, src);
        if (from.isEmpty()) {
            return ioasMissing(tx, src);
        }
        FileId ctx = ((Handle.IommufdObject) src).iommufd();
        Outcome<IoasCopyRules.Source> taken =
                IoasCopyRules.source(ioasSpace(tx, ctx, from.get()).orElseThrow(), srcIova, length);
        if (!(taken instanceof Outcome.Ok<IoasCopyRules.Source> source)) {
            return taken.castFailure();
        }
        // the destination id is a number in the source's iommufd; a device, a HWPT or nothing there is ENOENT
        Optional<ObjectId> to = dst instanceof Handle.IommufdObject object
                ? ioasSpace(tx, ctx, object.id()).map(space -> object.id())
                : Optional.empty();
        if (to.isEmpty()) {
            return fail(Errno.ENOENT, Fd.describe(tx.state(), dst) + " is not an IOAS of the source's iommufd");
        }
        OptionalLong fixed = dstIova.isPresent()
                ? dstIova
                : flags.contains(IoasMapFlag.FIXED_IOVA) ? OptionalLong.of(0) : OptionalLong.empty();
        IoasSpace space = ioasSpace(tx, ctx, to.get()).orElseThrow();
        MappingStep<IoasSpace, IoasArea, Long> step =
                IoasCopyRules.into(space, source.value(), fixed, length, read, write);
        if (!(step.outcome() instanceof Outcome.Ok<Long> ok)) {
            return step.outcome().castFailure();
        }
        Tx.Mark before = tx.mark();
        for (IoasArea area : step.added()) {
            tx.emit(new IoasMapped(ctx, to.get(), area.iova(), area.length(), read, write));
        }
        // iopt_map_pages -> iopt_fill_domains_pages: into every domain on the destination, or not at all
        Outcome<Reply> domains = DomainTables.followIoas(tx, ctx, to.get(), step);
        if (!domains.isOk()) {
            tx.rollback(before);
            return domains;
        }
        return Results.ok(new Reply.Amount("iova", ok.value()));
    }

    /** IOMMU_IOAS_UNMAP; answers {"length": bytes}. */
    public static Outcome<Reply> ioasUnmap(Tx tx, Handle ioasHandle, long iova, long length) {
        Optional<ObjectId> ioas = resolveIoas(tx, ioasHandle);
        if (ioas.isEmpty()) {
            return ioasMissing(tx, ioasHandle);
        }
        FileId ctx = ((Handle.IommufdObject) ioasHandle).iommufd();
        IoasSpace space = ioasSpace(tx, ctx, ioas.get()).orElseThrow();
        MappingStep<IoasSpace, IoasArea, Long> step = IoasSpaceRules.unmap(space, iova, length);
        if (step.changedElements()) {
            tx.emit(new IoasAreasUnmapped(ctx, ioas.get(), step.removed())); // also the areas removed before an ENOENT
            DomainTables.followIoas(tx, ctx, ioas.get(), step); // unmaps never fail
        }
        return amount("length", step.outcome());
    }

    /** IOMMU_IOAS_IOVA_RANGES with room for {@code capacity} ranges. */
    public static Outcome<Reply> iovaRanges(Tx tx, Handle ioasHandle, long capacity) {
        Optional<ObjectId> ioas = resolveIoas(tx, ioasHandle);
        if (ioas.isEmpty()) {
            return ioasMissing(tx, ioasHandle);
        }
        IoasSpace space = ioasSpace(tx, ((Handle.IommufdObject) ioasHandle).iommufd(), ioas.get())
                .orElseThrow();
        Outcome<IovaRangesAnswer> answer = IoasSpaceRules.queryIovaRanges(space, capacity);
        if (!(answer instanceof Outcome.Ok<IovaRangesAnswer> ok)) {
            return answer.castFailure();
        }
        List<IovaSpan> ranges = ok.value().ranges().stream()
                .map(r -> new IovaSpan(r.start(), r.last()))
                .toList();
        return Results.ok(new Reply.IovaRanges(ranges, ok.value().alignment()));
    }

    /** IOMMU_IOAS_ALLOW_IOVAS: replaces the allowed list atomically. */
    public static Outcome<Reply> allowIovas(Tx tx, Handle ioasHandle, List<IovaSpan> ranges) {
        Optional<ObjectId> ioas = resolveIoas(tx, ioasHandle);
        if (ioas.isEmpty()) {
            return ioasMissing(tx, ioasHandle);
        }
        FileId ctx = ((Handle.IommufdObject) ioasHandle).iommufd();
        IoasSpace space = ioasSpace(tx, ctx, ioas.get()).orElseThrow();
        List<RequestedRange> requested = ranges.stream()
                .map(r -> new RequestedRange(r.start(), r.last()))
                .toList();
        MappingStep<IoasSpace, IoasArea, Integer> step = IoasSpaceRules.allowIovas(space, requested);
        if (!step.outcome().isOk()) {
            return step.outcome().castFailure();
        }
        tx.emit(new IoasAllowed(ctx, ioas.get(), step.state().allowed()));
        return Results.OK;
    }

    private static Outcome<Reply> ioasMapAt(
            Tx tx,
            FileId ctx,
            ObjectId ioas,
            OptionalLong iova,
            long length,
            boolean read,
            boolean write,
            boolean reportIova) {
        IoasSpace space = ioasSpace(tx, ctx, ioas).orElseThrow();
        return ioasMapped(
                tx, ctx, ioas, IoasSpaceRules.map(space, iova, length, read, write), length, read, write, reportIova);
    }

    /** A decided IOAS map, journaled and followed into the IOAS's domains. */
    private static Outcome<Reply> ioasMapped(
            Tx tx,
            FileId ctx,
            ObjectId ioas,
            MappingStep<IoasSpace, IoasArea, Long> step,
            long length,
            boolean read,
            boolean write,
            boolean reportIova) {
        if (!(step.outcome() instanceof Outcome.Ok<Long> ok)) {
            return step.outcome().castFailure();
        }
        Tx.Mark before = tx.mark();
        tx.emit(new IoasMapped(ctx, ioas, ok.value(), length, read, write));
        // iopt_map_pages -> iopt_area_fill_domains: into every domain on the IOAS, or not at all
        Outcome<Reply> domains = DomainTables.followIoas(tx, ctx, ioas, step);
        if (!domains.isOk()) {
            tx.rollback(before);
            return domains;
        }
        return reportIova ? Results.ok(new Reply.Amount("iova", ok.value())) : Results.OK;
    }

    static Optional<IoasSpace> ioasSpace(Tx tx, FileId ctx, ObjectId ioas) {
        return tx.state()
                .file(ctx)
                .filter(f -> f instanceof IommufdFile)
                .map(f -> ((IommufdFile) f).objects().get(ioas))
                .filter(o -> o instanceof IommufdObject.Ioas)
                .map(o -> ((IommufdObject.Ioas) o).space());
    }

    /** An IOAS id of an open iommufd; a HWPT or device id, or a gone object, is ENOENT (iommufd_get_ioas). */
    private static Optional<ObjectId> resolveIoas(Tx tx, Handle handle) {
        if (!(handle instanceof Handle.IommufdObject object)) {
            return Optional.empty();
        }
        return tx.state()
                .file(object.iommufd())
                .filter(OpenFile::fdOpen)
                .filter(f -> f instanceof IommufdFile)
                .map(f -> ((IommufdFile) f).objects().get(object.id()))
                .filter(o -> o instanceof IommufdObject.Ioas)
                .map(IommufdObject::id);
    }

    private static Outcome<Reply> ioasMissing(Tx tx, Handle handle) {
        return notAnOpenIommufd(tx, handle).orElseGet(() -> notAnIoas(tx, handle));
    }

    /** The ioctl's fd is closed, or not an iommufd: the call fails before iommufd reads its arguments. */
    private static Optional<Outcome<Reply>> notAnOpenIommufd(Tx tx, Handle handle) {
        if (handle instanceof Handle.IommufdObject object
                && tx.state().file(object.iommufd()).filter(OpenFile::fdOpen).isEmpty()) {
            return Optional.of(fail(Errno.EBADF, "the iommufd of " + Fd.describe(tx.state(), handle) + " is closed"));
        }
        if (handle instanceof Handle.IommufdObject object
                && !(tx.state().file(object.iommufd()).orElseThrow() instanceof IommufdFile)) {
            // the ioctl reaches another kind of file (a VFIO device fd), whose handler knows no IOMMU_* command
            return Optional.of(fail(Errno.ENOTTY, "fd " + object.iommufd().number() + " is not an iommufd"));
        }
        return Optional.empty();
    }

    private static Outcome<Reply> notAnIoas(Tx tx, Handle handle) {
        return fail(Errno.ENOENT, Fd.describe(tx.state(), handle) + " is not an IOAS");
    }

    private static Optional<ObjectId> compat(Tx tx, IommufdFile ctx) {
        return ctx.compatIoas();
    }

    private static Outcome<Reply> noCompatIoas(IommufdFile ctx) {
        return fail(Errno.ENODEV, ctx.label() + " has no compat IOAS");
    }

    private static Optional<IommuDomainMappings> kernelMappings(Tx tx, DomainId id) {
        return tx.state().domain(id).use() instanceof DomainUse.KernelCaller caller
                ? Optional.of(caller.mappings())
                : Optional.empty();
    }

    /** Only a caller-allocated paging domain is the caller's to map; others are mapped by their owner. */
    private static Outcome<Reply> notCallerMapped(Tx tx, DomainId id) {
        DomainState domain = tx.state().domain(id);
        String owner = switch (domain.use()) {
            case DomainUse.Container c -> "its VFIO container";
            case DomainUse.Type1Paging c -> "its VFIO container";
            case DomainUse.Hwpt h -> "its iommufd IOAS";
            case DomainUse.HwptPaging h -> "its iommufd IOAS";
            case DomainUse.GroupCore g ->
                domain.kind() == DomainKind.BLOCKED ? "nobody (it blocks all DMA)" : "the DMA API";
            case DomainUse.KernelCaller k -> "its caller";
        };
        return fail(
                Errno.EINVAL,
                "domain " + domain.label() + " is not a caller's paging domain; it is mapped by " + owner);
    }

    private static Outcome<Reply> amount(String field, Outcome<Long> outcome) {
        if (outcome instanceof Outcome.Ok<Long> ok) {
            return Results.ok(new Reply.Amount(field, ok.value()));
        }
        return outcome.castFailure();
    }
}
