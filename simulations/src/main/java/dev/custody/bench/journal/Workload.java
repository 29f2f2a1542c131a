package dev.custody.bench.journal;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import dev.custody.sim.SimTopology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's machine and callers, generated from a seed so the pure model and every journal
 * see the same workload. Groups are dealt out round-robin, so callers never contend for a group
 * (contention would turn calls into refusals that persist nothing).
 */
record Workload(Topology topology, int callers, long seed) {

    static final long SEED = 0x5eed_c0deL;

    /** Two groups per caller at least, so a caller's next life can start on another group. */
    static Workload of(int callers) {
        return of(callers, defaultGroups(callers));
    }

    /** A host of {@code groups} IOMMU groups, dealt out to the callers (at least one each). */
    static Workload of(int callers, int groups) {
        if (groups < callers) {
            throw new IllegalArgumentException(
                    groups + " groups cannot be dealt out to " + callers + " callers: give each at least one");
        }
        return new Workload(SimTopology.generate(SEED, groups), callers, SEED);
    }

    static int defaultGroups(int callers) {
        return Math.max(16, callers * 2);
    }

    /** The host size: IOMMU groups in the topology. */
    int groups() {
        return (int) topology.devices().values().stream()
                .flatMap(d -> d.group().stream())
                .distinct()
                .count();
    }

    /** Fresh callers at the start of their scripts (each run of the workload needs its own). */
    List<OwnershipCaller> newCallers() {
        Map<GroupId, List<DeviceId>> present = new LinkedHashMap<>();
        for (DeviceSpec device : topology.devices().values()) {
            if (device.present() && device.group().isPresent()) {
                present.computeIfAbsent(device.group().get(), g -> new ArrayList<>())
                        .add(device.id());
            }
        }
        List<Map<GroupId, List<DeviceId>>> dealt = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            dealt.add(new LinkedHashMap<>());
        }
        int next = 0;
        for (Map.Entry<GroupId, List<DeviceId>> group : present.entrySet()) {
            dealt.get(next++ % callers).put(group.getKey(), group.getValue());
        }
        List<OwnershipCaller> result = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            result.add(new OwnershipCaller("caller" + i, seed + i, dealt.get(i)));
        }
        return result;
    }
}
