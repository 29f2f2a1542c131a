package dev.custody.api;

import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Describe;
import java.util.List;
import java.util.Optional;

/**
 * What /sys/kernel/iommu_groups would show, plus the owner: every group with its devices and
 * drivers, owner, owner_cnt, current and default domain type.
 */
public record SystemView(List<Group> groups) {

    public record Group(
            int group,
            List<Device> devices,
            Optional<String> owner,
            int ownerCnt,
            String domain,
            String defaultType,
            boolean hasBlockingDomain) {}

    public record Device(String name, Optional<String> driver) {}

    public static SystemView of(KernelState state) {
        return new SystemView(
                state.groups().values().stream().map(g -> group(state, g)).toList());
    }

    private static Group group(KernelState state, GroupState g) {
        List<Device> devices = g.devices().stream()
                .map(d -> new Device(d.name(), state.device(d).driver()))
                .toList();
        return new Group(
                g.id().number(),
                devices,
                g.owner().map(o -> o.label()),
                g.ownerCnt(),
                Describe.domainOf(state, g, g.domain()),
                state.domain(g.defaultDomain()).kind().sysfsName(),
                g.blockingDomain().isPresent());
    }

    public Optional<Group> group(int number) {
        return groups.stream().filter(g -> g.group() == number).findFirst();
    }
}
