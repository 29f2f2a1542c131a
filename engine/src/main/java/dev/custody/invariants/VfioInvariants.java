package dev.custody.invariants;

import dev.custody.model.GroupId;
import dev.custody.model.OwnerId;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.model.state.OpenFile.VfioDeviceFile;
import dev.custody.model.state.OpenFile.VfioGroupFile;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The VFIO and iommufd invariants (V1-V4, V6-V8; docs/invariants.md). */
final class VfioInvariants {
    private VfioInvariants() {}

    static void check(KernelState state, List<Violation> out) {
        Map<GroupId, Long> filesPerGroup = state.filesOf(VfioGroupFile.class)
                .filter(f -> f.group().isPresent())
                .collect(Collectors.groupingBy(f -> f.group().get(), Collectors.counting()));
        filesPerGroup.forEach((group, count) -> {
            if (count > 1) {
                out.add(new Violation(Invariant.V1, List.of("group " + group), count + " open group files"));
            }
            if (state.cdevBoundCount(group) > 0) {
                out.add(new Violation(
                        Invariant.V2,
                        List.of("group " + group),
                        "group file open while " + state.cdevBoundCount(group) + " cdev(s) are bound"));
            }
        });
        state.filesOf(VfioGroupFile.class).forEach(file -> checkGroupFile(state, file, out));
        state.filesOf(VfioDeviceFile.class).forEach(device -> {
            // on the iommufd path the group file may be gone already: nothing pins it there
            Optional<VfioGroupFile> file = state.file(device.groupFile())
                    .filter(f -> f instanceof VfioGroupFile)
                    .map(f -> (VfioGroupFile) f);
            boolean hasIommu = file.flatMap(VfioGroupFile::container)
                            .map(c ->
                                    state.fileAs(c, VfioContainer.class).iommu().isPresent())
                            .orElse(false)
                    || file.flatMap(VfioGroupFile::iommufd).isPresent()
                    || device.binding().isPresent();
            if (!hasIommu) {
                out.add(new Violation(
                        Invariant.V6,
                        List.of(device.label(), file.map(VfioGroupFile::label).orElse("closed group file")),
                        "device fd without a container IOMMU driver or an iommufd"));
            }
        });
        state.filesOf(IommufdFile.class).forEach(ctx -> checkIommufd(state, ctx, out));
        state.filesOf(CdevFile.class).filter(c -> c.binding().isPresent()).forEach(cdev -> {
            Optional<IommufdFile> ctx =
                    state.file(cdev.binding().get().iommufd()).map(f -> (IommufdFile) f);
            if (ctx.isEmpty()
                    || !(ctx.get().objects().get(cdev.binding().get().idev()) instanceof IommufdObject.Device)) {
                out.add(new Violation(
                        Invariant.V7, List.of(cdev.label()), "bound cdev without its iommufd device object"));
            }
        });
    }

    /** V3/V4: a container-attached group is owned by its group file with exactly one claim. */
    private static void checkGroupFile(KernelState state, VfioGroupFile file, List<Violation> out) {
        if (file.container().isEmpty() || file.group().isEmpty()) {
            return;
        }
        if (state.file(file.container().get())
                .filter(f -> f instanceof VfioContainer)
                .isEmpty()) {
            out.add(new Violation(Invariant.V3, List.of(file.label()), "attached to a container that is gone"));
            return;
        }
        Optional<GroupState> group = state.group(file.group().get());
        OwnerId owner = OwnerId.vfioGroupFile(file.id(), file.label());
        if (group.isEmpty()
                || !group.get().owner().equals(Optional.of(owner))
                || group.get().ownerCnt() != 1) {
            out.add(new Violation(
                    Invariant.V4,
                    List.of(file.label(), "group " + file.group().get()),
                    "container set but the group is not owned by " + file.label() + " with owner_cnt 1"));
        }
    }

    /** V7/V8: each group's bound devices in a context hold its claims; attached ones share one HWPT. */
    private static void checkIommufd(KernelState state, IommufdFile ctx, List<Violation> out) {
        OwnerId owner = OwnerId.iommufd(ctx.id(), ctx.label());
        Map<Optional<GroupId>, List<IommufdObject.Device>> byGroup = ctx.objects().values().stream()
                .filter(o -> o instanceof IommufdObject.Device)
                .map(o -> (IommufdObject.Device) o)
                .collect(Collectors.groupingBy(d -> state.spec(d.device()).group()));
        byGroup.forEach((groupId, devices) -> {
            Optional<GroupState> group = groupId.flatMap(state::group);
            if (group.isEmpty()
                    || !group.get().owner().equals(Optional.of(owner))
                    || group.get().ownerCnt() != devices.size()) {
                out.add(new Violation(
                        Invariant.V7,
                        List.of(
                                ctx.label(),
                                "group " + groupId.map(String::valueOf).orElse("?")),
                        devices.size() + " bound device(s) but the group is not owned by " + ctx.label()
                                + " with that many claims"));
                return;
            }
            List<IommufdObject.Hwpt> hwpts = devices.stream()
                    .filter(d -> d.hwpt().isPresent())
                    .map(d -> ctx.objects().get(d.hwpt().get()))
                    .filter(o -> o instanceof IommufdObject.Hwpt)
                    .map(o -> (IommufdObject.Hwpt) o)
                    .distinct()
                    .toList();
            boolean attachedMissing = devices.stream()
                    .anyMatch(d ->
                            d.hwpt().isPresent() && !(ctx.objects().get(d.hwpt().get()) instanceof IommufdObject.Hwpt));
            if (attachedMissing
                    || hwpts.size() > 1
                    || (hwpts.size() == 1
                            && !group.get().domain().equals(hwpts.get(0).domain()))) {
                out.add(new Violation(
                        Invariant.V8,
                        List.of(ctx.label(), "group " + groupId.get()),
                        "attached devices do not share one HWPT that the group uses"));
            }
        });
    }
}
