package dev.custody.live;

import dev.custody.model.DeviceId;
import dev.custody.topology.PciAddress;
import dev.custody.topology.host.HostInputException;
import dev.custody.topology.sysfs.SysfsCapture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Reads, under a sysfs root ({@code /sys} on a host, a temporary tree in tests), each PCI function's
 * presence, driver, {@code driver_override} and IOMMU group; and the PCI topology itself, through the
 * same reader as a capture ({@link SysfsCapture}). Only reads.
 *
 * <p>A function may vanish while it is read (a hot-unplug between two files): it is then absent, as
 * its directory is gone when the reading ends. A missing {@code driver} or {@code iommu_group} link
 * is no driver or no group. Anything else that cannot be read is a {@link HostInputException}
 * naming the file.
 */
public final class HostSysfs {

    public static final Path DEFAULT_ROOT = Path.of("/sys");
    public static final String DEVICES = "bus/pci/devices";
    public static final String DRIVER = "driver";
    public static final String DRIVER_OVERRIDE = "driver_override";
    public static final String IOMMU_GROUP = "iommu_group";
    public static final String MODALIAS = "modalias";
    public static final String DRIVERS = "bus/pci/drivers";

    /** What driver_override shows when it holds nothing (driver_override_show prints a NULL as "(null)"). */
    private static final String NO_OVERRIDE = "(null)";

    private static final Pattern DRIVER_NAME = Pattern.compile("[A-Za-z0-9_.+-]{1,64}");
    private static final Pattern MODALIAS_FORM = Pattern.compile("pci:[A-Za-z0-9]{1,80}");
    private static final Pattern GROUP_NUMBER = Pattern.compile("[0-9]{1,9}");
    private static final int MAX_ATTRIBUTE_BYTES = 4096;

    private final Path root;
    private final Path devices;

    public HostSysfs(Path root) {
        this.root = root;
        this.devices = root.resolve(DEVICES);
    }

    public Path root() {
        return root;
    }

    /** {@code ROOT/bus/pci/devices}, one entry (a link to its directory) per present function. */
    public Path devicesDirectory() {
        return devices;
    }

    /** The topology as {@code topology import} reads a capture; the live tree has the capture's shape. */
    public SysfsCapture topology() {
        return SysfsCapture.read(devices);
    }

    /** Every present function: a complete view. */
    public HostView read() {
        var seen = new ArrayList<HostDevice>();
        for (DeviceId id : presentIds()) {
            seen.add(device(id));
        }
        // a function listed but gone before it was read is absent, which a complete view says by omission
        return HostView.complete(seen.stream().filter(HostDevice::present).toList());
    }

    /** The given functions only, present or not: a partial view. */
    public HostView read(Collection<DeviceId> ids) {
        return HostView.partial(ids.stream().distinct().map(this::device).toList());
    }

    /** One function, present or not. */
    public HostDevice device(DeviceId id) {
        Path dir = devices.resolve(id.name());
        if (!Files.isDirectory(dir)) return HostDevice.absent(id);
        Optional<String> driver = linkName(dir.resolve(DRIVER), "driver", DRIVER_NAME);
        Optional<String> override = override(dir.resolve(DRIVER_OVERRIDE));
        OptionalInt group = linkName(dir.resolve(IOMMU_GROUP), "IOMMU group", GROUP_NUMBER)
                .map(n -> OptionalInt.of(Integer.parseInt(n)))
                .orElse(OptionalInt.empty());
        // removed while read: its files went missing one by one, so what was read means nothing
        if (!Files.isDirectory(dir)) return HostDevice.absent(id);
        return new HostDevice(id, true, driver, override, group);
    }

    /** The function's {@code modalias} (what its id-table matching goes by), empty when it has none or is gone. */
    public Optional<String> modalias(DeviceId id) {
        Path file = devices.resolve(id.name()).resolve(MODALIAS);
        Optional<String> text = attribute(file, "modalias");
        if (text.isPresent() && !MODALIAS_FORM.matcher(text.get()).matches()) {
            throw new HostInputException(file.toString(), "modalias", "not a PCI modalias");
        }
        return text;
    }

    /** The PCI drivers registered on the host now ({@code ROOT/bus/pci/drivers}), by name, sorted. */
    public List<String> registeredDrivers() {
        Path drivers = root.resolve(DRIVERS);
        try (var entries = Files.list(drivers)) {
            return entries.map(e -> e.getFileName().toString())
                    .filter(name -> DRIVER_NAME.matcher(name).matches())
                    .sorted()
                    .toList();
        } catch (NoSuchFileException absent) {
            return List.of();
        } catch (IOException e) {
            throw new HostInputException(drivers.toString(), "PCI drivers", "cannot list: " + e.getMessage());
        }
    }

    private List<DeviceId> presentIds() {
        try (var entries = Files.list(devices)) {
            var ids = new ArrayList<DeviceId>();
            for (Path entry : entries.sorted().toList()) {
                address(entry.getFileName().toString()).ifPresent(a -> ids.add(new DeviceId(a.toString())));
            }
            return ids;
        } catch (NoSuchFileException e) {
            throw new HostInputException(
                    devices.toString(), "PCI devices", "not there (no PCI bus, or not a sysfs root)");
        } catch (IOException e) {
            throw new HostInputException(devices.toString(), "PCI devices", "cannot list: " + e.getMessage());
        }
    }

    /** Entries of bus/pci/devices are named by address; anything else is not a function. */
    private static Optional<PciAddress> address(String name) {
        try {
            return Optional.of(PciAddress.parse(name));
        } catch (IllegalArgumentException notAnAddress) {
            return Optional.empty();
        }
    }

    /** The name a sysfs link points to (never followed); empty when there is no link. */
    private static Optional<String> linkName(Path link, String field, Pattern form) {
        Path target;
        try {
            target = Files.readSymbolicLink(link);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (NotLinkException e) {
            throw new HostInputException(link.toString(), field, "not a symbolic link, as sysfs shows it");
        } catch (IOException e) {
            throw new HostInputException(link.toString(), field, "unreadable link: " + e.getMessage());
        }
        Path name = target.getFileName();
        if (name == null || !form.matcher(name.toString()).matches()) {
            throw new HostInputException(link.toString(), field, "the link's target does not end in a " + field);
        }
        return Optional.of(name.toString());
    }

    /** Empty when it shows {@code (null)}, or when there is no such file (a device being removed). */
    private static Optional<String> override(Path file) {
        Optional<String> text = attribute(file, "driver_override");
        if (text.isEmpty() || text.get().isEmpty() || text.get().equals(NO_OVERRIDE)) return Optional.empty();
        if (!DRIVER_NAME.matcher(text.get()).matches()) {
            throw new HostInputException(file.toString(), "driver_override", "not a driver name");
        }
        return text;
    }

    /** A sysfs attribute's text, stripped; empty when there is no such file. Never more than an attribute holds. */
    private static Optional<String> attribute(Path file, String field) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_ATTRIBUTE_BYTES + 1);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException e) {
            throw new HostInputException(file.toString(), field, "unreadable: " + e.getMessage());
        }
        if (bytes.length > MAX_ATTRIBUTE_BYTES) {
            throw new HostInputException(file.toString(), field, "longer than a sysfs attribute");
        }
        return Optional.of(new String(bytes, StandardCharsets.US_ASCII).strip());
    }
}
