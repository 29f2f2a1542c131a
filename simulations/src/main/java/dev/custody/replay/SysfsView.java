package dev.custody.replay;

import dev.custody.model.DomainId;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.rules.Describe;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A state laid out the way /sys/kernel/iommu_groups reads, plus what sysfs does not show (owner,
 * owner_cnt, blocking domain, every domain with a summary of its mappings). One layout for
 * {@code custody inspect} and {@code custody replay --at}, as text and as JSON-ready maps.
 */
public final class SysfsView {
    private SysfsView() {}

    public static Map<String, Object> json(KernelState state) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put(
                "groups",
                state.groups().values().stream().map(g -> group(state, g)).toList());
        view.put(
                "devicesWithoutGroup",
                state.devices().values().stream()
                        .filter(d -> state.groupOf(d.id()).isEmpty())
                        .map(SysfsView::device)
                        .toList());
        view.put(
                "domains",
                state.domains().values().stream().map(d -> domain(state, d)).toList());
        return view;
    }

    public static String text(KernelState state) {
        StringBuilder out = new StringBuilder();
        for (GroupState g : state.groups().values()) {
            out.append("iommu_groups/").append(g.id().number()).append('\n');
            for (var d : g.devices()) {
                DeviceState device = state.device(d);
                out.append("  devices/")
                        .append(d.name())
                        .append("  driver=")
                        .append(device.driver().orElse("-"))
                        .append('\n');
            }
            out.append("  owner=")
                    .append(g.owner().map(o -> o.label()).orElse("-"))
                    .append("  owner_cnt=")
                    .append(g.ownerCnt())
                    .append("  domain=")
                    .append(Describe.domainOf(state, g, g.domain()))
                    .append("  type=")
                    .append(state.domain(g.defaultDomain()).kind().sysfsName())
                    .append("  blocking_domain=")
                    .append(g.blockingDomain().map(b -> "yes").orElse("no"))
                    .append('\n');
            if (g.ownerCnt() > 0) {
                out.append("  held by ").append(Describe.holders(state, g)).append('\n');
            }
        }
        state.devices().values().stream()
                .filter(d -> state.groupOf(d.id()).isEmpty())
                .forEach(d -> out.append("devices/")
                        .append(d.id().name())
                        .append(d.present() ? "" : " (absent)")
                        .append("  driver=")
                        .append(d.driver().orElse("-"))
                        .append('\n'));
        for (DomainState d : state.domains().values()) {
            out.append("domains/")
                    .append(d.id().number())
                    .append("  ")
                    .append(d.label())
                    .append("  kind=")
                    .append(d.kind().sysfsName())
                    .append("  iommu=")
                    .append(d.iommu())
                    .append("  ")
                    .append(mappings(state, d))
                    .append('\n');
        }
        return out.toString();
    }

    private static Map<String, Object> group(KernelState state, GroupState g) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("group", g.id().number());
        out.put(
                "devices",
                g.devices().stream().map(d -> device(state.device(d))).toList());
        out.put("owner", g.owner().map(o -> o.label()).orElse(null));
        out.put("ownerCnt", g.ownerCnt());
        out.put("heldBy", Describe.holders(state, g));
        out.put("domain", Describe.domainOf(state, g, g.domain()));
        out.put("defaultDomain", g.defaultDomain().number());
        out.put("defaultType", state.domain(g.defaultDomain()).kind().sysfsName());
        out.put("blockingDomain", g.blockingDomain().map(DomainId::number).orElse(null));
        return out;
    }

    private static Map<String, Object> device(DeviceState d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("device", d.id().name());
        out.put("present", d.present());
        out.put("driver", d.driver().orElse(null));
        return out;
    }

    private static Map<String, Object> domain(KernelState state, DomainState d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("domain", d.id().number());
        out.put("label", d.label());
        out.put("kind", d.kind().sysfsName());
        out.put("iommu", d.iommu());
        out.put("mappings", mappings(state, d));
        return out;
    }

    /** Who owns the domain's mappings and how many there are. */
    static String mappings(KernelState state, DomainState d) {
        return switch (d.use()) {
            case DomainUse.GroupCore core ->
                "core domain of group " + core.group().number();
            case DomainUse.KernelCaller caller ->
                count(caller.mappings().runs().size(), "mapping run") + " (in-kernel caller)";
            case DomainUse.Container container ->
                state.file(container.container())
                        .filter(f -> f instanceof OpenFile.VfioContainer)
                        .map(f -> ((OpenFile.VfioContainer) f)
                                .iommu()
                                .map(space -> count(space.entries().size(), "vfio_dma entry"))
                                .orElse("no type1 IOMMU set"))
                        .map(s ->
                                s + " (container file " + container.container().number() + ")")
                        .orElse("container file " + container.container().number() + " (closed)");
            case DomainUse.Hwpt hwpt ->
                "areas of the IOAS behind hwpt " + hwpt.hwpt() + " (iommufd file "
                        + hwpt.iommufd().number() + ")";
            case DomainUse.Type1Paging type1 ->
                count(type1.table().runs().size(), "mapping run") + " (container file "
                        + type1.container().number() + ")";
            case DomainUse.HwptPaging hwpt ->
                count(hwpt.table().runs().size(), "mapping run") + " (IOAS behind hwpt " + hwpt.hwpt()
                        + ", iommufd file " + hwpt.iommufd().number() + ")";
        };
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    /** Every group's one-line ownership status, for timelines and the report. */
    public static String ownership(KernelState state, GroupState g) {
        return (g.owner().isPresent() ? "owner " + g.owner().get().label() : "kernel") + ", owner_cnt " + g.ownerCnt()
                + ", domain " + Describe.domainOf(state, g, g.domain());
    }

    public static List<String> groupNumbers(KernelState state) {
        return state.groups().keySet().stream()
                .map(g -> Integer.toString(g.number()))
                .toList();
    }
}
