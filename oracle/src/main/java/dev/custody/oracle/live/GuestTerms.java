package dev.custody.oracle.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import dev.custody.ops.U64;
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
        return node;
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

    /** The scenario's devices by guest address, comma-separated: live mode's allow-list. */
    String allowList() {
        return String.join(
                ",", layout.devices().values().stream().map(d -> d.address()).toList());
    }
}
