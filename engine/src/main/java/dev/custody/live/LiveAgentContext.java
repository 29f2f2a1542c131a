package dev.custody.live;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.ops.AgentContext;
import dev.custody.ops.NotRealisable;
import dev.custody.rules.Decision;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where one command's objects are on the live host, for the operation catalogue's agent line: a device
 * is its own PCI address (the topology was imported from this host's sysfs), a driver is itself, and an
 * object is named after the model's handle for it ({@code f7} for file 7, {@code o7-2} for object 2 of
 * iommufd 7, {@code d3} for domain 3), which the host agent maps to the real descriptor or object id it
 * got when the object was created. An object the command creates takes the name of the handle the model
 * decided for it, so later commands that name the handle reach what the kernel created.
 */
final class LiveAgentContext implements AgentContext {
    /** Drivers that match no device ids: binding them goes through driver_override, as the oracle does. */
    private static final Set<String> MATCH_NO_IDS = Set.of("vfio-pci", "pci-stub");

    private final Topology topology;
    private final Decision model;

    LiveAgentContext(Topology topology, Decision model) {
        this.topology = topology;
        this.model = model;
    }

    @Override
    public String address(DeviceId device) throws NotRealisable {
        if (!topology.devices().containsKey(device)) {
            throw new NotRealisable("device " + device + " is not on this host");
        }
        return device.name();
    }

    /** The bus the device sits on is rescanned: the root bus through the PCI core, another through its bus. */
    @Override
    public String rescanPath(DeviceId device) throws NotRealisable {
        String address = address(device);
        String bus = address.substring(0, address.lastIndexOf(':'));
        return bus.endsWith(":00") ? "/sys/bus/pci/rescan" : "/sys/class/pci_bus/" + bus + "/rescan";
    }

    @Override
    public String groupAddress(GroupId group) throws NotRealisable {
        return members(group).getFirst();
    }

    @Override
    public List<String> groupAddresses(GroupId group) throws NotRealisable {
        return members(group);
    }

    @Override
    public String guestDriver(DeviceId device, String driver) throws NotRealisable {
        address(device);
        return driver;
    }

    /** The host's drivers and devices are themselves: the text goes to the driver's file as written. */
    @Override
    public String dynamicIdWrite(String driver, String file, String id) throws NotRealisable {
        if (id.isBlank()) {
            throw new NotRealisable("an empty " + file + " write is not carried out");
        }
        return "id-write " + driver + " " + file + " "
                + String.join(" ", id.strip().split("\\s+"));
    }

    @Override
    public boolean bindsThroughOverride(DeviceId device, String driver) {
        return MATCH_NO_IDS.contains(driver);
    }

    @Override
    public String name(Handle handle) throws NotRealisable {
        return handleName(handle);
    }

    /** The agent's name for what a handle stands for, whatever the command. */
    static String handleName(Handle handle) throws NotRealisable {
        return switch (handle) {
            case Handle.File file -> fileName(file.id());
            case Handle.Domain domain -> "d" + domain.id().number();
            case Handle.IommufdObject object ->
                "o" + object.iommufd().number() + "-" + object.id().number();
            case Handle.Number number -> Long.toString(number.value());
            case Handle.Unbound unbound -> throw new NotRealisable("\"" + unbound.name() + "\" names nothing");
        };
    }

    /** The agent's name for a file: {@code f7} for file 7. */
    static String fileName(dev.custody.model.FileId file) {
        return "f" + file.number();
    }

    /** The name of what the model decided the command creates. */
    @Override
    public String created(String label) throws NotRealisable {
        Optional<Handle> made = model.outcome() instanceof Outcome.Ok<Reply> ok
                ? switch (ok.value()) {
                    case Reply.Created created -> Optional.of(created.handle());
                    case Reply.Attached attached -> Optional.of(attached.hwpt());
                    default -> Optional.empty();
                }
                : Optional.empty();
        if (made.isEmpty()) {
            throw new NotRealisable("the model created nothing for \"" + label + "\"");
        }
        return name(made.get());
    }

    @Override
    public String unnamed() {
        try {
            return created("(unnamed)");
        } catch (NotRealisable nothing) {
            return "@unnamed";
        }
    }

    @Override
    public String token(String field, String text) throws NotRealisable {
        if (text.isEmpty() || text.equals("-") || !text.chars().allMatch(LiveAgentContext::tokenCharacter)) {
            throw new NotRealisable(field + " \"" + text + "\" cannot be written to the host");
        }
        return text;
    }

    /** The handle of an IOAS or HWPT names its iommufd itself. */
    @Override
    public void allocatedFrom(String label, Handle iommufd) {}

    @Override
    public String iommufdOf(Handle object) throws NotRealisable {
        if (object instanceof Handle.IommufdObject inside) {
            return name(new Handle.File(inside.iommufd()));
        }
        throw new NotRealisable(object + " is not an iommufd object");
    }

    private List<String> members(GroupId group) throws NotRealisable {
        List<String> members = topology.devices().values().stream()
                .filter(d -> d.group().equals(Optional.of(group)))
                .map(d -> d.id().name())
                .sorted()
                .toList();
        if (members.isEmpty()) {
            throw new NotRealisable("group " + group.number() + " has no device on this host");
        }
        return members;
    }

    private static boolean tokenCharacter(int c) {
        return Character.isLetterOrDigit(c) || "_.:+@#-".indexOf(c) >= 0;
    }
}
