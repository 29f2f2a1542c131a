package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.Step;
import dev.custody.scenario.U64;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A scenario's steps as the guest agent's script (the module resource dev/custody/oracle/agent/custody-agent.c): one line per step
 * with the step's number, after set-up lines that give the guest the scenario's starting drivers.
 * Only what user space can do is realised; an in-kernel call (the iommu.* ops, probe fault
 * injection) makes the scenario not realisable, named by its step.
 */
public final class GuestScript {
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.:+@#-]+");
    /** iova_ranges without num asks for every range; the agent's buffer holds this many. */
    private static final int ALL_RANGES = 64;

    private final GuestLayout layout;
    private final Scenario scenario;
    /** Which iommufd an IOAS or HWPT name was allocated from: the agent needs the fd for its ioctls. */
    private final Map<String, String> objectContext = new HashMap<>();
    private final List<String> lines = new ArrayList<>();

    private GuestScript(GuestLayout layout, Scenario scenario) {
        this.layout = layout;
        this.scenario = scenario;
    }

    /** The whole script: set-up, then every step. */
    public static String of(Scenario scenario, GuestLayout layout) throws NotRealisable {
        GuestScript script = new GuestScript(layout, scenario);
        script.setUp();
        for (Step step : scenario.steps()) {
            script.lines.add(step.number() + " " + script.translate(step));
        }
        return String.join("\n", script.lines) + "\n";
    }

    private void setUp() {
        lines.add("- modules");
        lines.add("- groups");
        for (GuestDevice device : layout.devices().values()) {
            DeviceSpec spec = layout.topology().device(device.scenarioName());
            if (!device.isEndpoint()) {
                continue;
            }
            lines.add("- unbind " + device.address());
            spec.bootDriver().ifPresent(driver -> lines.add("- bind " + device.address() + " "
                    + layout.guestDriver(spec.id(), driver) + " " + (needsOverride(driver) ? 1 : 0)));
        }
        for (GuestDevice device : layout.devices().values()) {
            if (!layout.topology().device(device.scenarioName()).present()) {
                lines.add("- remove " + device.address());
            }
        }
        lines.add("- state " + String.join(" ", layout.devices().values().stream().map(GuestDevice::address).toList()));
    }

    private String translate(Step step) throws NotRealisable {
        return switch (step.op()) {
            case "device.add" -> "add " + address(step) + " " + layout.device(device(step)).rescanPath();
            case "device.remove" -> "remove " + address(step);
            case "driver.bind" -> bind(step);
            case "driver.unbind" -> "unbind " + address(step);
            case "driver.override" -> override(step);
            case "driver.probe" -> "probe " + address(step);
            case "vfio.container.open" -> "open " + as(step) + " container";
            case "vfio.container.set_iommu" -> "set-iommu " + name(step, "fd") + " " + iommuType(step);
            case "vfio.container.close", "vfio.group.close", "vfio.device.close", "iommufd.close", "cdev.close" ->
                    "close " + name(step, "fd");
            case "vfio.group.open" -> "open " + as(step) + " vfio-group " + groupAddress(step);
            case "vfio.group.status" -> "group-status " + name(step, "fd");
            case "vfio.group.set_container" -> "set-container " + name(step, "fd") + " " + name(step, "container");
            case "vfio.group.unset_container" -> "unset-container " + name(step, "fd");
            case "vfio.group.get_device_fd" -> "get-device-fd " + name(step, "fd") + " " + address(step) + " " + as(step);
            case "vfio.map_dma" -> "map-dma " + name(step, "container") + " " + number(step, "iova") + " "
                    + number(step, "vaddr") + " " + number(step, "size") + " " + type1Flags(step);
            case "vfio.unmap_dma" -> "unmap-dma " + name(step, "container") + " " + optionalNumber(step, "iova") + " "
                    + optionalNumber(step, "size") + " " + (step.field("all").map(JsonNode::asBoolean).orElse(false) ? 1 : 0);
            case "iommufd.open" -> "open " + as(step) + " iommufd";
            case "cdev.open" -> "open " + as(step) + " cdev " + address(step);
            case "cdev.bind" -> "cdev-bind " + name(step, "fd") + " " + name(step, "iommufd");
            case "cdev.attach" -> "cdev-attach " + name(step, "fd") + " " + name(step, "pt") + " " + as(step);
            case "cdev.detach" -> "cdev-detach " + name(step, "fd");
            case "iommufd.ioas_alloc" -> allocate(step, "ioas-alloc " + name(step, "iommufd") + " " + as(step));
            case "iommufd.hwpt_alloc" -> allocate(step, "hwpt-alloc " + name(step, "iommufd") + " "
                    + name(step, "device") + " " + name(step, "pt") + " " + as(step));
            case "iommufd.destroy" -> "destroy " + name(step, "iommufd") + " " + name(step, "id");
            case "iommufd.ioas_map" -> "ioas-map " + context(step) + " " + name(step, "ioas") + " "
                    + (step.has("iova") ? number(step, "iova") : "-") + " " + number(step, "length") + " " + ioasFlags(step);
            case "iommufd.ioas_unmap" -> "ioas-unmap " + context(step) + " " + name(step, "ioas") + " "
                    + number(step, "iova") + " " + number(step, "length");
            case "iommufd.iova_ranges" -> "iova-ranges " + context(step) + " " + name(step, "ioas") + " "
                    + (step.has("num") ? number(step, "num") : String.valueOf(ALL_RANGES));
            case "iommufd.allow_iovas" -> "allow-iovas " + context(step) + " " + name(step, "ioas") + " " + ranges(step);
            case "sysfs.group_type" -> "sysfs " + capabilities(step) + " /sys/bus/pci/devices/" + groupAddress(step)
                    + "/iommu_group/type " + token(step, "value", text(step, "value"));
            case "state" -> "state " + String.join(" ", groupAddresses(step));
            default -> throw new NotRealisable(where(step) + step.op() + " is an in-kernel call; the guest agent "
                    + "does only what user space can do");
        };
    }

    /** The agent reads the device's override when it binds: a scenario's override may have failed. */
    private String bind(Step step) throws NotRealisable {
        DeviceId device = device(step);
        String driver = text(step, "driver");
        return "bind " + address(step) + " " + layout.guestDriver(device, driver) + " " + (needsOverride(driver) ? 1 : 0);
    }

    /** vfio-pci and pci-stub match no ids: an explicit bind of them goes through driver_override. */
    private static boolean needsOverride(String driver) {
        return GuestLayout.GUEST_MANAGED_DRIVERS.contains(driver);
    }

    private String override(Step step) throws NotRealisable {
        DeviceId device = device(step);
        Optional<String> driver = step.field("driver").filter(JsonNode::isTextual).map(JsonNode::textValue);
        return "sysfs all /sys/bus/pci/devices/" + address(step) + "/driver_override "
                + driver.map(d -> layout.guestDriver(device, d)).orElse("-");
    }

    private String allocate(Step step, String line) throws NotRealisable {
        objectContext.put(as(step), name(step, "iommufd"));
        return line;
    }

    /** The iommufd an IOAS was allocated from; a name never allocated gets a name never opened (EBADF). */
    private String context(Step step) throws NotRealisable {
        return objectContext.getOrDefault(name(step, "ioas"), "@no-iommufd");
    }

    private static String iommuType(Step step) throws NotRealisable {
        return switch (text(step, "type")) {
            case "type1" -> "1";
            case "type1v2" -> "3";
            default -> "255";
        };
    }

    private static String type1Flags(Step step) {
        StringBuilder flags = new StringBuilder();
        step.field("flags").ifPresent(list -> list.forEach(f -> {
            if (f.asText().equals("READ")) flags.append('r');
            if (f.asText().equals("WRITE")) flags.append('w');
        }));
        return flags.isEmpty() ? "-" : flags.toString();
    }

    private static String ioasFlags(Step step) {
        List<String> flags = new ArrayList<>();
        step.field("flags").ifPresent(list -> list.forEach(f -> flags.add(f.asText())));
        return flags.isEmpty() ? "-" : String.join(",", flags);
    }

    private static String ranges(Step step) throws NotRealisable {
        List<String> ranges = new ArrayList<>();
        JsonNode list = step.field("ranges").orElseThrow(() -> new NotRealisable(where(step) + "ranges is missing"));
        for (JsonNode range : list) {
            ranges.add(unsigned(range.get(0)) + "-" + unsigned(range.get(1)));
        }
        return ranges.isEmpty() ? "-" : String.join(",", ranges);
    }

    private static String capabilities(Step step) {
        Optional<JsonNode> caps = step.field("caps");
        if (caps.isEmpty()) {
            return "all";
        }
        List<String> names = new ArrayList<>();
        caps.get().forEach(c -> names.add(c.asText()));
        return names.isEmpty() ? "none" : String.join(",", names);
    }

    private DeviceId device(Step step) throws NotRealisable {
        DeviceId device = new DeviceId(text(step, "device"));
        if (!layout.devices().containsKey(device)) {
            throw new NotRealisable(where(step) + "device " + device + " is not in the topology");
        }
        return device;
    }

    private String address(Step step) throws NotRealisable {
        return layout.device(device(step)).address();
    }

    private List<GuestDevice> groupMembers(Step step) throws NotRealisable {
        GroupId group = new GroupId(U64.exact(step.field("group").orElseThrow()).orElseThrow().intValue());
        List<GuestDevice> members = layout.devices().values().stream()
                .filter(d -> layout.topology().device(d.scenarioName()).group().equals(Optional.of(group))).toList();
        if (members.isEmpty()) {
            throw new NotRealisable(where(step) + "group " + group.number() + " has no device in the topology");
        }
        return members;
    }

    /** A group is reached through any of its devices' sysfs links; the first present one is taken. */
    private String groupAddress(Step step) throws NotRealisable {
        List<GuestDevice> members = groupMembers(step);
        return members.stream().filter(d -> layout.topology().device(d.scenarioName()).present()).findFirst()
                .orElse(members.get(0)).address();
    }

    private List<String> groupAddresses(Step step) throws NotRealisable {
        return groupMembers(step).stream().sorted(java.util.Comparator.comparing(d -> d.scenarioName().toString()))
                .map(GuestDevice::address).toList();
    }

    private String name(Step step, String field) throws NotRealisable {
        return token(step, field, text(step, field));
    }

    private String as(Step step) throws NotRealisable {
        String name = step.as().orElse("@step" + step.number());
        return token(step, "as", name);
    }

    private static String token(Step step, String field, String value) throws NotRealisable {
        if (!TOKEN.matcher(value).matches() || value.equals("-")) {
            throw new NotRealisable(where(step) + field + " \"" + value + "\" cannot be passed to the guest agent");
        }
        return value;
    }

    private static String text(Step step, String field) throws NotRealisable {
        return step.field(field).filter(n -> !n.isNull()).map(JsonNode::asText)
                .orElseThrow(() -> new NotRealisable(where(step) + field + " is missing"));
    }

    private static String number(Step step, String field) throws NotRealisable {
        return unsigned(step.field(field).orElseThrow(() -> new NotRealisable(where(step) + field + " is missing")));
    }

    private static String optionalNumber(Step step, String field) throws NotRealisable {
        return step.has(field) ? number(step, field) : "0";
    }

    private static String unsigned(JsonNode node) {
        BigInteger value = U64.exact(node).orElse(BigInteger.ZERO);
        return "0x" + U64.unsigned(value.longValue()).toString(16);
    }

    private static String where(Step step) {
        return "step " + step.number() + " (" + step.op() + "): ";
    }
}
