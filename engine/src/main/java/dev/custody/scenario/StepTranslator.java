package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** Turns a validated step into a {@link Command}, resolving names to the objects they were bound to. */
final class StepTranslator {
    private final Map<String, Handle> names;

    StepTranslator(Map<String, Handle> names) {
        this.names = names;
    }

    Command translate(Step s) {
        String label = s.as().orElse(defaultLabel(s));
        return switch (s.op()) {
            case "device.add" -> new Command.DeviceAdd(device(s));
            case "device.remove" -> new Command.DeviceRemove(device(s));
            case "driver.bind" -> new Command.DriverBind(device(s), text(s, "driver"));
            case "driver.unbind" -> new Command.DriverUnbind(device(s));
            case "driver.override" -> new Command.DriverOverride(device(s), nullableText(s, "driver"));
            case "driver.probe" -> new Command.DriverProbe(device(s));
            case "driver.fail_next_probe" -> new Command.FailNextProbe(device(s),
                    ScenarioParser.errno(text(s, "errno")).orElseThrow());

            case "iommu.use_default_domain" -> new Command.UseDefaultDomain(device(s));
            case "iommu.unuse_default_domain" -> new Command.UnuseDefaultDomain(device(s));
            case "iommu.group_claim" -> new Command.GroupClaim(group(s), nullableText(s, "owner"));
            case "iommu.group_release" -> new Command.GroupRelease(group(s));
            case "iommu.device_claim" -> new Command.DeviceClaim(device(s), nullableText(s, "owner"));
            case "iommu.device_release" -> new Command.DeviceRelease(device(s));
            case "iommu.domain_alloc" -> new Command.DomainAlloc(device(s), label);
            case "iommu.domain_free" -> new Command.DomainFree(ref(s, "domain"));
            case "iommu.attach_device" -> new Command.AttachDevice(ref(s, "domain"), device(s));
            case "iommu.detach_device" -> new Command.DetachDevice(ref(s, "domain"), device(s));
            case "iommu.attach_group" -> new Command.AttachGroup(ref(s, "domain"), group(s));
            case "iommu.detach_group" -> new Command.DetachGroup(nullableRef(s, "domain").orElse(new Handle.Number(0)), group(s));
            case "iommu.replace_domain" -> new Command.ReplaceDomain(group(s), nullableRef(s, "domain"));
            case "iommu.attach_shared" -> new Command.AttachShared(ref(s, "domain"), device(s));
            case "iommu.detach_shared" -> new Command.DetachShared(ref(s, "domain"), device(s));
            case "iommu.map" -> {
                String prot = s.field("prot").map(JsonNode::asText).orElse("rw");
                yield new Command.IommuMap(ref(s, "domain"), number(s, "iova"), number(s, "paddr"), number(s, "size"),
                        prot.contains("r"), prot.contains("w"));
            }
            case "iommu.unmap" -> new Command.IommuUnmap(ref(s, "domain"), number(s, "iova"), number(s, "size"));
            case "iommu.iova_to_phys" -> new Command.IovaToPhys(ref(s, "domain"), number(s, "iova"));

            case "vfio.container.open" -> new Command.ContainerOpen(label);
            case "vfio.container.set_iommu" -> new Command.ContainerSetIommu(ref(s, "fd"), text(s, "type"));
            case "vfio.group.open" -> new Command.GroupOpen(group(s), label);
            case "vfio.group.status" -> new Command.GroupStatus(ref(s, "fd"));
            case "vfio.group.set_container" -> new Command.SetContainer(ref(s, "fd"), ref(s, "container"));
            case "vfio.group.unset_container" -> new Command.UnsetContainer(ref(s, "fd"));
            case "vfio.group.get_device_fd" -> new Command.GetDeviceFd(ref(s, "fd"), device(s), label);
            case "vfio.container.close", "vfio.group.close", "vfio.device.close", "iommufd.close", "cdev.close" ->
                    new Command.Close(ref(s, "fd"));
            case "vfio.map_dma" -> new Command.Type1MapDma(ref(s, "container"), number(s, "iova"), number(s, "vaddr"),
                    number(s, "size"), flags(s));
            case "vfio.unmap_dma" -> new Command.Type1UnmapDma(ref(s, "container"), optionalNumber(s, "iova").orElse(0),
                    optionalNumber(s, "size").orElse(0), s.field("all").map(JsonNode::asBoolean).orElse(false));

            case "iommufd.open" -> new Command.IommufdOpen(label);
            case "cdev.open" -> new Command.CdevOpen(device(s), label);
            case "cdev.bind" -> new Command.CdevBind(ref(s, "fd"), ref(s, "iommufd"));
            case "cdev.attach" -> new Command.CdevAttach(ref(s, "fd"), ref(s, "pt"), s.as());
            case "cdev.detach" -> new Command.CdevDetach(ref(s, "fd"));
            case "iommufd.ioas_alloc" -> new Command.IoasAlloc(ref(s, "iommufd"), label);
            case "iommufd.hwpt_alloc" -> new Command.HwptAlloc(ref(s, "iommufd"), ref(s, "device"), ref(s, "pt"), label);
            case "iommufd.destroy" -> new Command.Destroy(ref(s, "iommufd"), ref(s, "id"));
            case "iommufd.ioas_map" -> new Command.IoasMap(ref(s, "ioas"), optionalNumber(s, "iova"),
                    number(s, "length"), flags(s));
            case "iommufd.ioas_unmap" -> new Command.IoasUnmap(ref(s, "ioas"), number(s, "iova"), number(s, "length"));
            case "iommufd.iova_ranges" -> new Command.IoasIovaRanges(ref(s, "ioas"),
                    optionalNumber(s, "num").orElse(Integer.MAX_VALUE));
            case "iommufd.allow_iovas" -> new Command.IoasAllowIovas(ref(s, "ioas"), ranges(s));

            case "sysfs.group_type" -> new Command.SysfsGroupType(group(s), text(s, "value"),
                    s.has("caps") ? flags(s, "caps") : Set.of("SYS_ADMIN", "SYS_RAWIO"));
            case "state" -> new Command.QueryGroup(group(s));
            default -> throw new IllegalStateException("op " + s.op() + " is in the op table but not translated");
        };
    }

    /** Unnamed objects still get a readable label: the op's object and the step number. */
    private static String defaultLabel(Step s) {
        String op = s.op();
        String noun = op.substring(op.lastIndexOf('.') + 1).replace("_alloc", "").replace("get_device_fd", "device");
        return noun + "@step" + s.number();
    }

    private static DeviceId device(Step s) {
        return new DeviceId(text(s, "device"));
    }

    private static GroupId group(Step s) {
        return new GroupId(U64.exact(s.field("group").orElseThrow()).orElseThrow().intValue());
    }

    private static String text(Step s, String field) {
        return s.field(field).orElseThrow().textValue();
    }

    private static Optional<String> nullableText(Step s, String field) {
        return s.field(field).filter(v -> !v.isNull()).map(JsonNode::textValue);
    }

    private static long number(Step s, String field) {
        return U64.bits(s.field(field).orElseThrow()).orElseThrow();
    }

    private static OptionalLong optionalNumber(Step s, String field) {
        Optional<JsonNode> value = s.field(field);
        return value.isPresent() ? OptionalLong.of(U64.bits(value.get()).orElseThrow()) : OptionalLong.empty();
    }

    private Handle ref(Step s, String field) {
        return resolve(s.field(field).orElseThrow());
    }

    private Optional<Handle> nullableRef(Step s, String field) {
        return s.field(field).filter(v -> !v.isNull()).map(this::resolve);
    }

    private Handle resolve(JsonNode value) {
        if (value.isTextual()) {
            Handle bound = names.get(value.textValue());
            return bound != null ? bound : new Handle.Unbound(value.textValue());
        }
        return new Handle.Number(U64.bits(value).orElseThrow());
    }

    private static Set<String> flags(Step s) {
        return flags(s, "flags");
    }

    private static Set<String> flags(Step s, String field) {
        Set<String> flags = new LinkedHashSet<>();
        s.field(field).ifPresent(list -> list.forEach(f -> flags.add(f.textValue())));
        return flags;
    }

    private static List<long[]> ranges(Step s) {
        List<long[]> ranges = new ArrayList<>();
        s.field("ranges").orElseThrow().forEach(r ->
                ranges.add(new long[] {U64.bits(r.get(0)).orElseThrow(), U64.bits(r.get(1)).orElseThrow()}));
        return ranges;
    }
}
