package dev.custody.oracle;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.ops.AgentContext;
import dev.custody.ops.NotRealisable;
import dev.custody.ops.Operation;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.Step;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A scenario's steps as the guest agent's script (the module resource
 * dev/custody/oracle/agent/custody-agent.c): one line per step with the step's number, after set-up
 * lines that give the guest the scenario's starting drivers. Each line is the operation catalogue's
 * agent line for the step; this class only says where the scenario's devices and objects are in the
 * guest. What only kernel code can do (the iommu.* calls, probe fault injection) makes the scenario
 * not realisable, named by its step.
 */
public final class GuestScript implements AgentContext {
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.:+@#-]+");

    private final GuestLayout layout;
    /** Which iommufd an IOAS or HWPT name was allocated from: the agent needs the fd for its ioctls. */
    private final Map<String, String> objectContext = new HashMap<>();

    private final List<String> lines = new ArrayList<>();
    private Step step;

    private GuestScript(GuestLayout layout) {
        this.layout = layout;
    }

    /** The whole script: set-up, then every step. */
    public static String of(Scenario scenario, GuestLayout layout) throws NotRealisable {
        return of(scenario, layout, false);
    }

    /** The whole script; with {@code testModule} the agent first loads the oracle's test module. */
    public static String of(Scenario scenario, GuestLayout layout, boolean testModule) throws NotRealisable {
        GuestScript script = new GuestScript(layout);
        script.setUp(testModule);
        for (Step step : scenario.steps()) {
            script.lines.add(step.number() + " " + script.translate(step));
        }
        return String.join("\n", script.lines) + "\n";
    }

    private void setUp(boolean testModule) {
        lines.add("- modules");
        if (testModule) {
            lines.add("-kmod load-kmod /" + dev.custody.oracle.vm.TestModule.GUEST_PATH);
        }
        lines.add("-kernel kernel");
        lines.add("- groups");
        layout.dynamicIds().forEach(id -> lines.add("- new-id " + id));
        for (GuestDevice device : layout.devices().values()) {
            DeviceSpec spec = layout.topology().device(device.scenarioName());
            if (!device.isEndpoint()) {
                // a port keeps the pcieport the guest bound at boot unless the file has it otherwise
                Optional<String> wanted = spec.bootDriver().map(d -> layout.guestDriver(spec.id(), d));
                if (device.kind() != GuestDevice.Kind.HOST_BRIDGE
                        && !wanted.equals(device.kind().nativeDriver())) {
                    lines.add("- unbind " + device.address());
                    wanted.ifPresent(driver -> lines.add("- bind " + device.address() + " " + driver + " "
                            + (layout.bindsThroughOverride(
                                            spec.id(), spec.bootDriver().get())
                                    ? 1
                                    : 0)));
                }
                continue;
            }
            lines.add("- unbind " + device.address());
            spec.bootDriver()
                    .ifPresent(driver -> lines.add("- bind " + device.address() + " "
                            + layout.guestDriver(spec.id(), driver) + " "
                            + (layout.bindsThroughOverride(spec.id(), driver) ? 1 : 0)));
        }
        for (GuestDevice device : layout.devices().values()) {
            if (!layout.topology().device(device.scenarioName()).present()) {
                lines.add("- remove " + device.address());
            }
        }
        lines.add("- state "
                + String.join(
                        " ",
                        layout.devices().values().stream()
                                .map(GuestDevice::address)
                                .toList()));
    }

    /** The step read as a command, names left as names, and turned into the catalogue's agent line. */
    private String translate(Step step) throws NotRealisable {
        this.step = step;
        Operation<?> operation = dev.custody.ops.Operations.find(step.op()).orElseThrow();
        Command<?> command = operation.read(step.number(), step.node(), Map.of());
        try {
            return operation.agentLine(command, this);
        } catch (NotRealisable why) {
            throw new NotRealisable(where() + why.getMessage());
        }
    }

    @Override
    public String address(DeviceId device) throws NotRealisable {
        if (!layout.devices().containsKey(device)) {
            throw new NotRealisable("device " + device + " is not in the topology");
        }
        return layout.device(device).address();
    }

    @Override
    public String rescanPath(DeviceId device) throws NotRealisable {
        address(device);
        return layout.device(device).rescanPath();
    }

    /** A group is reached through any of its devices' sysfs links; the first present one is taken. */
    @Override
    public String groupAddress(GroupId group) throws NotRealisable {
        List<GuestDevice> members = members(group);
        return members.stream()
                .filter(d -> layout.topology().device(d.scenarioName()).present())
                .findFirst()
                .orElse(members.get(0))
                .address();
    }

    @Override
    public List<String> groupAddresses(GroupId group) throws NotRealisable {
        return members(group).stream()
                .sorted(Comparator.comparing(d -> d.scenarioName().toString()))
                .map(GuestDevice::address)
                .toList();
    }

    @Override
    public String guestDriver(DeviceId device, String driver) throws NotRealisable {
        address(device);
        return layout.guestDriver(device, driver);
    }

    @Override
    public String dynamicIdWrite(String driver, String file, String id) throws NotRealisable {
        return GuestDynamicIds.line(layout, driver, file, id);
    }

    /** vfio-pci, pci-stub and custody-managed match no ids: an explicit bind of them goes through driver_override. */
    @Override
    public boolean bindsThroughOverride(DeviceId device, String driver) {
        return layout.bindsThroughOverride(device, driver);
    }

    @Override
    public String name(Handle handle) throws NotRealisable {
        return switch (handle) {
            case Handle.Unbound named -> token("name", named.name());
            case Handle.Number number -> Long.toString(number.value());
            default -> throw new IllegalStateException("a scenario step names objects, not " + handle);
        };
    }

    @Override
    public String created(String label) throws NotRealisable {
        return token("as", label);
    }

    @Override
    public String unnamed() {
        return "@step" + step.number();
    }

    @Override
    public String token(String field, String value) throws NotRealisable {
        if (!TOKEN.matcher(value).matches() || value.equals("-")) {
            throw new NotRealisable(field + " \"" + value + "\" cannot be passed to the guest agent");
        }
        return value;
    }

    @Override
    public void allocatedFrom(String label, Handle iommufd) throws NotRealisable {
        objectContext.put(created(label), name(iommufd));
    }

    /** The iommufd an IOAS was allocated from; a name never allocated gets a name never opened (EBADF). */
    @Override
    public String iommufdOf(Handle object) throws NotRealisable {
        return objectContext.getOrDefault(name(object), "@no-iommufd");
    }

    private List<GuestDevice> members(GroupId group) throws NotRealisable {
        List<GuestDevice> members = layout.devices().values().stream()
                .filter(d -> layout.topology().device(d.scenarioName()).group().equals(Optional.of(group)))
                .toList();
        if (members.isEmpty()) {
            throw new NotRealisable("group " + group.number() + " has no device in the topology");
        }
        return members;
    }

    private String where() {
        return "step " + step.number() + " (" + step.op() + "): ";
    }
}
