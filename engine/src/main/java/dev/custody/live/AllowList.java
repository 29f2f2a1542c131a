package dev.custody.live;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import dev.custody.ops.Operations;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The devices live host mode may act on, so that a bug can never unbind the host's boot disk or network
 * card: each entry is a PCI address ({@code 0000:03:00.0}, or {@code 03:00.0} in segment 0) or an IOMMU
 * group ({@code group:7}, every device in it). A command naming any device or group outside is refused
 * with EACCES before the model decides it; a group is inside when every one of its devices is.
 */
public final class AllowList {
    private static final Pattern ADDRESS = Pattern.compile("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
    private static final Pattern SHORT_ADDRESS = Pattern.compile("[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
    private static final Pattern GROUP = Pattern.compile("group:([0-9]{1,9})");

    private final Set<String> devices;
    private final Set<Integer> groups;

    private AllowList(Set<String> devices, Set<Integer> groups) {
        this.devices = devices;
        this.groups = groups;
    }

    /**
     * Reads {@code --allow}: entries separated by commas. A malformed entry is an error naming it.
     *
     * @throws IllegalArgumentException naming the entry and what it should look like
     */
    public static AllowList parse(String text) {
        Set<String> devices = new TreeSet<>();
        Set<Integer> groups = new TreeSet<>();
        for (String raw : text.split(",", -1)) {
            String entry = raw.strip();
            var group = GROUP.matcher(entry);
            if (ADDRESS.matcher(entry).matches()) {
                devices.add(entry.toLowerCase(java.util.Locale.ROOT));
            } else if (SHORT_ADDRESS.matcher(entry).matches()) {
                devices.add("0000:" + entry.toLowerCase(java.util.Locale.ROOT));
            } else if (group.matches()) {
                groups.add(Integer.parseInt(group.group(1)));
            } else {
                throw new IllegalArgumentException("--allow: \"" + entry + "\" is neither a PCI address"
                        + " (0000:03:00.0) nor an IOMMU group (group:7)");
            }
        }
        return new AllowList(devices, groups);
    }

    /** Why the command may not act on this host, or empty when everything it names is allowed. */
    public Optional<String> refusal(Topology topology, Command<?> command) {
        List<String> outside = new ArrayList<>();
        for (DeviceId device : Operations.devices(command)) {
            if (!allows(topology, device)) {
                outside.add("device " + device);
            }
        }
        for (GroupId group : Operations.groups(command)) {
            List<DeviceSpec> members = topology.devices().values().stream()
                    .filter(d -> d.group().equals(Optional.of(group)))
                    .toList();
            if (!groups.contains(group.number())
                    && (members.isEmpty() || !members.stream().allMatch(d -> allows(topology, d.id())))) {
                outside.add("group " + group.number());
            }
        }
        return outside.isEmpty()
                ? Optional.empty()
                : Optional.of(String.join(", ", outside) + " outside the allow-list (" + this + ")");
    }

    /** Whether the device is listed, or its group is. */
    boolean allows(Topology topology, DeviceId device) {
        if (devices.contains(device.name().toLowerCase(java.util.Locale.ROOT))) {
            return true;
        }
        DeviceSpec spec = topology.devices().get(device);
        return spec != null
                && spec.group().map(g -> groups.contains(g.number())).orElse(false);
    }

    @Override
    public String toString() {
        List<String> entries = new ArrayList<>(devices);
        groups.forEach(g -> entries.add("group:" + g));
        return String.join(",", entries);
    }
}
