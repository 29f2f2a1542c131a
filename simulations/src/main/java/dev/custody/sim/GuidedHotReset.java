package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The VMMs' hot reset of a device's bus (VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, VFIO_DEVICE_PCI_HOT_RESET)
 * and IOMMU_GET_HW_INFO, as QEMU calls them when a guest resets a device or a vIOMMU asks what the host
 * IOMMU can do. They are rare calls of a VMM, drawn apart from the others ({@link GuidedAction#rare}):
 * the other calls keep their order and their rare refusals.
 */
final class GuidedHotReset {
    private GuidedHotReset() {}

    /** What QEMU's first hot_reset_info asks for: room for every device (the count comes back). */
    private static final long ALL_DEVICES = Integer.MAX_VALUE;

    /**
     * The role's device fds of either path that a reset can be asked on: open and bound to an iommufd
     * or a group (a VMM's bound cdevs alone half the time); three times in four only those of a device below a bridge when there are some, as
     * the others' answer is always ENODEV.
     */
    private static List<OpenFile> deviceFds(Pick p) {
        List<OpenFile> fds =
                new ArrayList<>(p.mine(OpenFile.CdevFile.class, c -> c.binding().isPresent()));
        if (fds.isEmpty() || p.random.nextBoolean()) {
            fds.addAll(p.mine(OpenFile.VfioDeviceFile.class, d -> true));
        }
        List<OpenFile> belowBridge = fds.stream()
                .filter(f -> p.state.spec(deviceOf(f)).upstreamBridge().isPresent())
                .toList();
        return belowBridge.isEmpty() || p.random.nextInt(4) == 0 ? fds : belowBridge;
    }

    /**
     * An fd no reset can be asked on: a closed or foreign fd (a wrong handle), a cdev of the role not
     * bound to an iommufd yet, or a group fd.
     */
    private static Handle notADeviceFd(Pick p) {
        return switch (p.random.nextInt(3)) {
            case 0 ->
                p.myFile(OpenFile.CdevFile.class, c -> c.binding().isEmpty())
                        .map(Pick::file)
                        .orElseGet(p::wrongHandle);
            case 1 ->
                p.myFile(OpenFile.VfioGroupFile.class, g -> true)
                        .map(Pick::file)
                        .orElseGet(p::wrongHandle);
            default -> p.wrongHandle();
        };
    }

    /** A container or iommufd of the role: there the reset's ioctl numbers are type1's. */
    private static Optional<OpenFile> iommuFile(Pick p) {
        List<OpenFile> files = new ArrayList<>(p.mine(OpenFile.VfioContainer.class, c -> true));
        files.addAll(p.mine(OpenFile.IommufdFile.class, f -> true));
        return p.one(files);
    }

    private static DeviceId deviceOf(OpenFile file) {
        return file instanceof OpenFile.CdevFile cdev ? cdev.device() : ((OpenFile.VfioDeviceFile) file).device();
    }

    /** The groups of the devices a reset through {@code device} reaches (below the same bridge). */
    private static List<GroupId> groupsReached(Pick p, DeviceId device) {
        Optional<DeviceId> bridge = p.state.spec(device).upstreamBridge();
        List<GroupId> groups = new ArrayList<>();
        if (bridge.isEmpty()) {
            return groups;
        }
        for (DeviceId each : p.state.devices().keySet()) {
            if (p.state.device(each).present()
                    && p.state.spec(each).upstreamBridge().equals(bridge)) {
                p.state.spec(each).group().filter(g -> !groups.contains(g)).ifPresent(groups::add);
            }
        }
        return groups;
    }

    /** hot_reset_info with room for every device; refused: a buffer of 0 or 1 entries, or a non-device fd. */
    static GuidedAction info() {
        return GuidedAction.rare(
                "PciHotResetInfo",
                p -> p.one(deviceFds(p)).map(f -> new Command.PciHotResetInfo(Pick.file(f), ALL_DEVICES)),
                p -> switch (p.random.nextInt(4)) {
                    case 0, 1 ->
                        p.one(deviceFds(p)).map(f -> new Command.PciHotResetInfo(Pick.file(f), p.random.nextInt(2)));
                    case 2 -> GuidedCast.some(new Command.PciHotResetInfo(notADeviceFd(p), ALL_DEVICES));
                    default -> iommuFile(p).map(f -> new Command.PciHotResetInfo(Pick.file(f), p.random.nextInt(2)));
                });
    }

    /**
     * The reset: on a device fd with the role's group fds of every group the reset reaches (the legacy
     * form), on a bound cdev with none (the iommufd form); refused: a group fd missing or of a group
     * the reset does not reach, or a flag set.
     */
    static GuidedAction reset() {
        return GuidedAction.rare(
                "PciHotReset",
                p -> p.one(deviceFds(p))
                        .map(f -> f instanceof OpenFile.CdevFile
                                ? new Command.PciHotReset(Pick.file(f), List.of(), 0)
                                : new Command.PciHotReset(
                                        Pick.file(f), myGroupFds(p, groupsReached(p, deviceOf(f))), 0)),
                p -> p.random.nextInt(3) == 0
                        ? (p.random.nextBoolean()
                                ? iommuFile(p).map(f -> new Command.PciHotReset(Pick.file(f), List.of(), 0))
                                : GuidedCast.some(new Command.PciHotReset(notADeviceFd(p), List.of(), 0)))
                        : p.one(deviceFds(p)).map(f -> {
                            List<Handle> right = myGroupFds(p, groupsReached(p, deviceOf(f)));
                            return switch (p.random.nextInt(4)) {
                                case 0 -> new Command.PciHotReset(Pick.file(f), right, 1);
                                case 1 -> new Command.PciHotReset(Pick.file(f), tooMany(p, right), 0);
                                case 2 ->
                                    new Command.PciHotReset(
                                            Pick.file(f),
                                            right.isEmpty() ? right : right.subList(0, right.size() - 1),
                                            0);
                                default -> new Command.PciHotReset(Pick.file(f), wrongGroupFds(p, right), 0);
                            };
                        }));
    }

    /** This role's open group fds of {@code groups}. */
    private static List<Handle> myGroupFds(Pick p, List<GroupId> groups) {
        return p
                .mine(
                        OpenFile.VfioGroupFile.class,
                        g -> g.group().map(groups::contains).orElse(false))
                .stream()
                .map(Pick::file)
                .toList();
    }

    /** More group fds than there are devices on the host: the right ones over and again, else any fd. */
    private static List<Handle> tooMany(Pick p, List<Handle> right) {
        List<Handle> many = new ArrayList<>();
        Handle some = right.isEmpty() ? p.wrongHandle() : right.getFirst();
        for (int i = 0; i <= p.state.topology().devices().size(); i++) {
            many.add(right.isEmpty() ? some : right.get(i % right.size()));
        }
        return many;
    }

    /** The right group fds plus one of a group the reset does not reach, or another kind of fd. */
    private static List<Handle> wrongGroupFds(Pick p, List<Handle> right) {
        List<Handle> wrong = new ArrayList<>(right);
        List<OpenFile> others = p.state.files().values().stream()
                .filter(f -> f.fdOpen() && !right.contains(Pick.file(f)))
                .toList();
        wrong.add(
                p.random.nextBoolean()
                        ? p.wrongHandle()
                        : p.one(others).map(Pick::file).orElse(new Handle.Number(-1)));
        return wrong;
    }

    /** IOMMU_GET_HW_INFO of a bound cdev's device object; refused: a flag or reserved bit, or another object. */
    static GuidedAction hwInfo() {
        return GuidedAction.rare(
                "GetHwInfo",
                p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                        .map(c -> new Command.GetHwInfo(
                                Pick.file(c.binding().get().iommufd()),
                                Pick.object(
                                        c.binding().get().iommufd(),
                                        c.binding().get().idev()),
                                0,
                                0,
                                p.random.nextBoolean() ? 64 : 8L * p.random.nextInt(4))),
                p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                        .map(c -> {
                            Handle ctx = Pick.file(c.binding().get().iommufd());
                            Handle idev = Pick.object(
                                    c.binding().get().iommufd(),
                                    c.binding().get().idev());
                            return switch (p.random.nextInt(3)) {
                                case 0 -> new Command.GetHwInfo(ctx, idev, 1, 0, 64);
                                case 1 -> new Command.GetHwInfo(ctx, idev, 0, 0x100, 64);
                                default -> new Command.GetHwInfo(ctx, p.wrongHandle(), 0, 0, 64);
                            };
                        }));
    }
}
