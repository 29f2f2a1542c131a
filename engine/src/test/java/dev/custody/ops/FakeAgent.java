package dev.custody.ops;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import java.util.List;

/** An agent context that places every device at a fixed address and names objects by their scenario names. */
public final class FakeAgent implements AgentContext {
    @Override
    public String address(DeviceId device) {
        return "0000:00:0" + Math.abs(device.name().hashCode() % 8) + ".0";
    }

    @Override
    public String rescanPath(DeviceId device) {
        return "/sys/bus/pci/rescan";
    }

    @Override
    public String groupAddress(GroupId group) {
        return "0000:00:0" + group.number() + ".0";
    }

    @Override
    public List<String> groupAddresses(GroupId group) {
        return List.of(groupAddress(group));
    }

    @Override
    public String guestDriver(DeviceId device, String driver) {
        return driver;
    }

    @Override
    public String dynamicIdWrite(String driver, String file, String id) {
        return "id-write " + driver + " " + file + " " + id;
    }

    @Override
    public boolean bindsThroughOverride(DeviceId device, String driver) {
        return driver.equals("vfio-pci");
    }

    @Override
    public String name(Handle handle) {
        return switch (handle) {
            case Handle.Unbound u -> u.name();
            case Handle.Number n -> Long.toString(n.value());
            default -> throw new IllegalArgumentException(handle.toString());
        };
    }

    @Override
    public String created(String label) {
        return label;
    }

    @Override
    public String unnamed() {
        return "@step1";
    }

    @Override
    public String token(String field, String text) {
        return text;
    }

    @Override
    public void allocatedFrom(String label, Handle iommufd) {}

    @Override
    public String iommufdOf(Handle object) {
        return "@no-iommufd";
    }
}
