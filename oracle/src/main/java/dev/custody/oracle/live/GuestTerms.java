package dev.custody.oracle.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import dev.custody.ops.U64;
import dev.custody.oracle.GuestDynamicIds;
import dev.custody.oracle.GuestLayout;
import dev.custody.scenario.Step;
import java.util.List;
import java.util.Optional;

/**
 * A scenario step in the live engine's terms. The engine imported its topology from the guest's
 * {@code /sys}, so it names devices by their PCI address, groups by the guest kernel's numbers and
 * drivers by the guest's; the scenario names them as its file does. The layout that realised the
 * scenario in the guest says which is which, as it does for the oracle's agent script.
 */
final class GuestTerms {
    /** A group number the scenario gives no device of: beyond every guest group, so it stays unknown. */
    static final int UNKNOWN_GROUP_BASE = 100_000;

    private final GuestLayout layout;
    private final Topology imported;

    GuestTerms(GuestLayout layout, Topology imported) {
        this.layout = layout;
        this.imported = imported;
    }

    /** The step's fields with its device, group and driver in the guest's terms; everything else as written. */
    ObjectNode translate(Step step) {
        ObjectNode node = step.node().deepCopy();
        Optional<DeviceId> device = step.field("device")
                .filter(JsonNode::isTextual)
                .map(d -> new DeviceId(d.textValue()))
                .filter(layout.devices()::containsKey);
        device.ifPresent(d -> node.put("device", address(d)));
        step.field("group").flatMap(U64::exact).ifPresent(n -> node.put("group", group(n.intValue())));
        step.field("driver")
                .filter(JsonNode::isTextual)
                .filter(d -> device.isPresent())
                .ifPresent(d -> node.put("driver", layout.guestDriver(device.get(), d.textValue())));
        if (step.op().equals("driver.new_id") || step.op().equals("driver.remove_id")) {
            node.put("driver", dynamicIdDriver(step));
        }
        return node;
    }

    /** A dynamic id's driver as the guest plays it, found as the oracle's agent script finds it. */
    private String dynamicIdDriver(Step step) {
        String driver = step.field("driver").map(JsonNode::asText).orElse("");
        try {
            return GuestDynamicIds.guestDriver(
                    layout,
                    driver,
                    step.op().substring("driver.".length()),
                    step.field("id").map(JsonNode::asText).orElse(""));
        } catch (dev.custody.ops.NotRealisable checkedBefore) {
            // the run checked every step realisable before it started; a write that is not was not run
            throw new IllegalStateException(step.op() + " of " + driver + ": " + checkedBefore.getMessage());
        }
    }

    String address(DeviceId scenarioDevice) {
        return layout.device(scenarioDevice).address();
    }

    /** The guest's number for the scenario's group: the group the guest kernel put its first device in. */
    int group(int scenarioGroup) {
        List<DeviceSpec> members = layout.topology().devices().values().stream()
                .filter(d -> d.group().equals(Optional.of(new GroupId(scenarioGroup))))
                .filter(d -> layout.devices().containsKey(d.id()))
                .toList();
        for (DeviceSpec member : members) {
            DeviceSpec guest = imported.devices().get(new DeviceId(address(member.id())));
            if (guest != null && guest.group().isPresent()) {
                return guest.group().get().number();
            }
        }
        return UNKNOWN_GROUP_BASE + scenarioGroup;
    }

    /**
     * Live mode's allow-list: the scenario's devices by guest address, and the guest groups they are in.
     * The groups are named too because the guest realises some of the scenario's groups with a device
     * the scenario does not name (the PCIe-to-PCI bridge its conventional devices sit behind shares
     * their group), and a group is inside the list only when every device of it is. A group number the
     * scenario names but gives no device is listed as the unknown number it becomes, so that the kernel,
     * not the list, answers for it.
     */
    String allowList(List<Step> steps) {
        java.util.Set<String> entries = new java.util.LinkedHashSet<>();
        for (var device : layout.devices().values()) {
            entries.add(device.address());
            DeviceSpec guest = imported.devices().get(new DeviceId(device.address()));
            if (guest != null) {
                guest.group().ifPresent(g -> entries.add("group:" + g.number()));
            }
        }
        steps.stream()
                .map(s -> s.field("group").flatMap(U64::exact))
                .flatMap(Optional::stream)
                .map(n -> group(n.intValue()))
                .filter(g -> g >= UNKNOWN_GROUP_BASE)
                .forEach(g -> entries.add("group:" + g));
        return String.join(",", entries);
    }
}
