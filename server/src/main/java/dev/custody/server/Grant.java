package dev.custody.server;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.ops.Caller;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

/**
 * What one connected user may do: query only, or also act on the listed IOMMU groups and devices
 * (all of them for {@code allGroups}), with operations of the listed kinds (user space by default;
 * in-kernel and harness operations only when a rule says so).
 */
record Grant(boolean act, boolean allGroups, Set<GroupId> groups, Set<DeviceId> devices, Set<Caller> callers) {

    static final Grant EVERYTHING = new Grant(true, true, Set.of(), Set.of(), EnumSet.allOf(Caller.class));
    static final Grant QUERY = new Grant(false, false, Set.of(), Set.of(), Set.of());

    Grant {
        groups = Set.copyOf(groups);
        devices = Set.copyOf(devices);
        callers = callers.isEmpty() ? Set.of() : EnumSet.copyOf(callers);
    }

    Grant union(Grant other) {
        Set<GroupId> g = new HashSet<>(groups);
        g.addAll(other.groups);
        Set<DeviceId> d = new HashSet<>(devices);
        d.addAll(other.devices);
        Set<Caller> c = callers.isEmpty() ? EnumSet.noneOf(Caller.class) : EnumSet.copyOf(callers);
        c.addAll(other.callers);
        return new Grant(act || other.act, allGroups || other.allGroups, g, d, c);
    }

    boolean mayUseGroup(GroupId group) {
        return allGroups || groups.contains(group);
    }

    String describe() {
        if (!act) {
            return "may only query";
        }
        if (allGroups) {
            return "may act on every group";
        }
        return "may act on groups "
                + groups.stream().map(GroupId::number).sorted().toList() + " and devices "
                + devices.stream().map(DeviceId::name).sorted().toList();
    }
}
