package dev.custody.rules;

import dev.custody.scenario.RefusalsChangeNothing;
import org.junit.jupiter.api.Test;

/**
 * Edges of the ownership rules that no corpus scenario reaches: a device with no IOMMU, a kernel
 * user joining a group on a private domain, a removal that waits for VFIO fds, autoprobe falling
 * through to the next driver, a replace across IOMMU instances, a double free. Each was a surviving
 * PIT mutant of GroupRules, DriverCore or DomainRules (docs/BENCHMARKS.md, Mutation score). They are
 * here rather than in the scenario corpus because the oracle's q35 guest has one IOMMU and no device
 * outside it.
 */
class OwnershipEdgesTest {

    private static void holds(String json) {
        RefusalsChangeNothing.holds("edge.json", json);
    }

    /** iommu_device_use_default_domain checks the domain only when owner_cnt is already non-zero. */
    @Test
    void aFirstKernelUserJoinsAGroupOnAPrivateDomain() {
        holds("""
                {"name": "use-on-private-domain",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:05.0", "iommu": "dmar0", "group": 2}]},
                 "steps": [
                   {"op": "iommu.domain_alloc", "device": "0000:00:05.0", "as": "D", "expect": "ok"},
                   {"op": "iommu.attach_device", "domain": "D", "device": "0000:00:05.0", "expect": "ok",
                    "expectState": {"group": 2, "ownerCnt": 0, "owner": null, "domain": "D"}},
                   {"op": "iommu.use_default_domain", "device": "0000:00:05.0", "expect": "ok",
                    "expectState": {"group": 2, "ownerCnt": 1, "owner": null, "domain": "D"}}
                 ]}
                """);
    }

    /**
     * A device outside any IOMMU: a kernel driver binds with nothing counted, vfio-pci cannot register
     * it (vfio_group_find_or_alloc, EINVAL), the in-kernel attach, shared attach and detach find no group.
     */
    @Test
    void aDeviceWithoutAnIommuGroup() {
        holds("""
                {"name": "no-iommu-group",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:05.0", "iommu": "dmar0", "group": 2},
                               {"name": "0000:00:07.0"}]},
                 "steps": [
                   {"op": "driver.bind", "device": "0000:00:07.0", "driver": "e1000e", "expect": "ok"},
                   {"op": "driver.unbind", "device": "0000:00:07.0", "expect": "ok"},
                   {"op": "driver.bind", "device": "0000:00:07.0", "driver": "vfio-pci", "expect": "EINVAL"},
                   {"op": "iommu.domain_alloc", "device": "0000:00:05.0", "as": "D", "expect": "ok"},
                   {"op": "iommu.attach_device", "domain": "D", "device": "0000:00:07.0", "expect": "ENODEV"},
                   {"op": "iommu.detach_device", "domain": "D", "device": "0000:00:07.0", "expect": "WARN"},
                   {"op": "iommu.attach_shared", "domain": "D", "device": "0000:00:07.0", "expect": "ENODEV"},
                   {"op": "iommu.detach_shared", "domain": "D", "device": "0000:00:07.0", "expect": "WARN"}
                 ]}
                """);
    }

    /** Hot-remove of a vfio-pci device waits for its fd; closing it completes the removal. */
    @Test
    void aRemovalThatWaitsCompletesWhenTheFdCloses() {
        holds("""
                {"name": "remove-waits-for-fd",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1}]},
                 "steps": [
                   {"op": "driver.bind", "device": "0000:00:03.0", "driver": "vfio-pci", "expect": "ok"},
                   {"op": "vfio.container.open", "as": "c1", "expect": "ok"},
                   {"op": "vfio.group.open", "group": 1, "as": "g1", "expect": "ok"},
                   {"op": "vfio.group.set_container", "fd": "g1", "container": "c1", "expect": "ok"},
                   {"op": "vfio.container.set_iommu", "fd": "c1", "type": "type1v2", "expect": "ok"},
                   {"op": "vfio.group.get_device_fd", "fd": "g1", "device": "0000:00:03.0", "as": "d1",
                    "expect": "ok"},
                   {"op": "device.remove", "device": "0000:00:03.0", "expect": "PENDING"},
                   {"op": "vfio.device.close", "fd": "d1", "expect": "ok"},
                   {"op": "device.add", "device": "0000:00:03.0", "expect": "ok"}
                 ]}
                """);
    }

    /** bus_probe_device tries the next matching driver when probe() fails, and stops at the first bound. */
    @Test
    void autoprobeFallsThroughAFailedProbe() {
        holds("""
                {"name": "autoprobe-next-driver",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1,
                                "matches": ["e1000e", "e1000"]}]},
                 "steps": [
                   {"op": "driver.fail_next_probe", "device": "0000:00:03.0", "errno": "ENOMEM", "expect": "ok"},
                   {"op": "device.remove", "device": "0000:00:03.0", "expect": "ok"},
                   {"op": "device.add", "device": "0000:00:03.0", "expect": "ok",
                    "expectState": {"group": 1, "ownerCnt": 1, "owner": null, "domain": "default"}},
                   {"op": "driver.bind", "device": "0000:00:03.0", "driver": "e1000e", "expect": "EBUSY"}
                 ]}
                """);
    }

    /** iommu_group_replace_domain with a domain of another IOMMU instance fails and changes nothing. */
    @Test
    void aReplaceAcrossIommuInstancesIsRefused() {
        holds("""
                {"name": "replace-other-iommu",
                 "topology": {"iommus": [{"name": "dmar0"}, {"name": "dmar1"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1},
                               {"name": "0000:00:05.0", "iommu": "dmar1", "group": 2}]},
                 "steps": [
                   {"op": "iommu.device_claim", "device": "0000:00:03.0", "owner": "X", "expect": "ok"},
                   {"op": "iommu.domain_alloc", "device": "0000:00:05.0", "as": "D", "expect": "ok"},
                   {"op": "iommu.replace_domain", "group": 1, "domain": "D", "expect": "EINVAL",
                    "expectState": {"group": 1, "ownerCnt": 1, "owner": "X", "domain": "blocking"}}
                 ]}
                """);
    }

    /** A second iommu_domain_free of one domain finds nothing to free. */
    @Test
    void aDomainIsFreedOnce() {
        holds("""
                {"name": "double-free",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:05.0", "iommu": "dmar0", "group": 2}]},
                 "steps": [
                   {"op": "iommu.domain_alloc", "device": "0000:00:05.0", "as": "D", "expect": "ok"},
                   {"op": "iommu.domain_free", "domain": "D", "expect": "ok"},
                   {"op": "iommu.domain_free", "domain": "D", "expect": "ENOENT"}
                 ]}
                """);
    }
}
