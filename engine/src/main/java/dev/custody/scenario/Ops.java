package dev.custody.scenario;

import static dev.custody.scenario.ArgKind.*;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/** Every op of scenario-format.md with its arguments: the format's vocabulary in one place. */
final class Ops {
    private Ops() {}

    record Arg(String name, ArgKind kind, boolean required) {}

    record Op(String name, SequencedMap<String, Arg> args) {}

    private static final Map<String, Op> OPS = new LinkedHashMap<>();

    static {
        op("device.add", req("device", DEVICE));
        op("device.remove", req("device", DEVICE));
        op("driver.bind", req("device", DEVICE), req("driver", DRIVER));
        op("driver.unbind", req("device", DEVICE));
        op("driver.override", req("device", DEVICE), req("driver", OVERRIDE));
        op("driver.probe", req("device", DEVICE));
        op("driver.fail_next_probe", req("device", DEVICE), req("errno", ERRNO));

        op("iommu.use_default_domain", req("device", DEVICE));
        op("iommu.unuse_default_domain", req("device", DEVICE));
        op("iommu.group_claim", req("group", GROUP), req("owner", NULLABLE_TEXT));
        op("iommu.group_release", req("group", GROUP));
        op("iommu.device_claim", req("device", DEVICE), req("owner", NULLABLE_TEXT));
        op("iommu.device_release", req("device", DEVICE));
        op("iommu.domain_alloc", req("device", DEVICE));
        op("iommu.domain_free", req("domain", REF));
        op("iommu.attach_device", req("domain", REF), req("device", DEVICE));
        op("iommu.detach_device", req("domain", REF), req("device", DEVICE));
        op("iommu.attach_group", req("domain", REF), req("group", GROUP));
        op("iommu.detach_group", opt("domain", NULLABLE_REF), req("group", GROUP));
        op("iommu.replace_domain", req("group", GROUP), req("domain", NULLABLE_REF));
        op("iommu.attach_shared", req("domain", REF), req("device", DEVICE));
        op("iommu.detach_shared", req("domain", REF), req("device", DEVICE));
        op("iommu.map", req("domain", REF), req("iova", NUMBER), req("paddr", NUMBER), req("size", NUMBER), opt("prot", PROT));
        op("iommu.unmap", req("domain", REF), req("iova", NUMBER), req("size", NUMBER));
        op("iommu.iova_to_phys", req("domain", REF), req("iova", NUMBER));

        op("vfio.container.open");
        op("vfio.container.set_iommu", req("fd", REF), req("type", TEXT));
        op("vfio.container.close", req("fd", REF));
        op("vfio.group.open", req("group", GROUP));
        op("vfio.group.status", req("fd", REF));
        op("vfio.group.set_container", req("fd", REF), req("container", REF));
        op("vfio.group.unset_container", req("fd", REF), opt("container", NULLABLE_REF));
        op("vfio.group.get_device_fd", req("fd", REF), req("device", DEVICE));
        op("vfio.group.close", req("fd", REF));
        op("vfio.device.close", req("fd", REF));
        op("vfio.map_dma", req("container", REF), req("iova", NUMBER), req("vaddr", NUMBER), req("size", NUMBER),
                opt("flags", FLAGS));
        op("vfio.unmap_dma", req("container", REF), opt("iova", NUMBER), opt("size", NUMBER), opt("all", BOOL));

        op("iommufd.open");
        op("iommufd.close", req("fd", REF));
        op("cdev.open", req("device", DEVICE));
        op("cdev.bind", req("fd", REF), req("iommufd", REF));
        op("cdev.attach", req("fd", REF), req("pt", REF));
        op("cdev.detach", req("fd", REF));
        op("cdev.close", req("fd", REF));
        op("iommufd.ioas_alloc", req("iommufd", REF));
        op("iommufd.hwpt_alloc", req("iommufd", REF), req("device", REF), req("pt", REF));
        op("iommufd.destroy", req("iommufd", REF), req("id", REF));
        op("iommufd.ioas_map", req("ioas", REF), opt("iova", NUMBER), req("length", NUMBER), opt("flags", FLAGS));
        op("iommufd.ioas_unmap", req("ioas", REF), req("iova", NUMBER), req("length", NUMBER));
        op("iommufd.iova_ranges", req("ioas", REF), opt("num", NUMBER));
        op("iommufd.allow_iovas", req("ioas", REF), req("ranges", RANGES));

        op("sysfs.group_type", req("group", GROUP), req("value", TEXT), opt("caps", FLAGS));
        op("state", req("group", GROUP));
    }

    /** Fields every step may carry besides its arguments. */
    static final java.util.Set<String> COMMON_FIELDS =
            java.util.Set.of("op", "as", "expect", "expectValue", "expectState", "completes", "comment", "description");

    static Optional<Op> find(String name) {
        return Optional.ofNullable(OPS.get(name));
    }

    static java.util.Set<String> names() {
        return OPS.keySet();
    }

    private static void op(String name, Arg... args) {
        SequencedMap<String, Arg> map = new LinkedHashMap<>();
        for (Arg arg : args) {
            map.put(arg.name(), arg);
        }
        OPS.put(name, new Op(name, map));
    }

    private static Arg req(String name, ArgKind kind) {
        return new Arg(name, kind, true);
    }

    private static Arg opt(String name, ArgKind kind) {
        return new Arg(name, kind, false);
    }
}
