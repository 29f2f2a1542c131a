package dev.custody.ops;

import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.DEVICE;
import static dev.custody.ops.ArgKind.DRIVER;
import static dev.custody.ops.ArgKind.ERRNO;
import static dev.custody.ops.ArgKind.OVERRIDE;
import static dev.custody.ops.ArgKind.TEXT;
import static dev.custody.ops.Caller.HARNESS;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.DeviceAdd;
import dev.custody.model.Command.DeviceRemove;
import dev.custody.model.Command.DriverBind;
import dev.custody.model.Command.DriverNewId;
import dev.custody.model.Command.DriverOverride;
import dev.custody.model.Command.DriverProbe;
import dev.custody.model.Command.DriverRemoveId;
import dev.custody.model.Command.DriverUnbind;
import dev.custody.model.Command.FailNextProbe;
import dev.custody.model.Errno;
import dev.custody.model.Reply;
import dev.custody.rules.DriverCore;
import java.util.List;
import java.util.Optional;

/** The driver core as sysfs exposes it: bind, unbind, driver_override, new_id, remove_id, drivers_probe, hot-plug. */
final class DriverCoreOperations {
    private DriverCoreOperations() {}

    static final List<Operation<?>> ALL = List.of(
            Operation.define("device.add", USER_SPACE, DeviceAdd.class, Reply.None.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> DriverCore.add(tx, c.device()))
                    .read(s -> new DeviceAdd(s.device("device")))
                    .write((c, w) -> w.device("device", c.device()))
                    .agent((c, a) -> "add " + a.address(c.device()) + " " + a.rescanPath(c.device()))
                    .generate(d -> new DeviceAdd(d.device()))
                    .build(),
            Operation.define("device.remove", USER_SPACE, DeviceRemove.class, Reply.None.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> DriverCore.remove(tx, c.device()))
                    .read(s -> new DeviceRemove(s.device("device")))
                    .write((c, w) -> w.device("device", c.device()))
                    .agent((c, a) -> "remove " + a.address(c.device()))
                    .generate(d -> new DeviceRemove(d.device()))
                    .build(),
            Operation.define("driver.bind", USER_SPACE, DriverBind.class, Reply.None.class)
                    .args(required("device", DEVICE), required("driver", DRIVER))
                    .rule((tx, c) -> DriverCore.bind(tx, c.device(), c.driver()))
                    .read(s -> new DriverBind(s.device("device"), s.text("driver")))
                    .write((c, w) -> w.device("device", c.device()).text("driver", c.driver()))
                    // the agent reads the device's override when it binds: a scenario's override may have failed
                    .agent((c, a) -> "bind " + a.address(c.device()) + " " + a.guestDriver(c.device(), c.driver()) + " "
                            + (a.bindsThroughOverride(c.device(), c.driver()) ? 1 : 0))
                    .generate(d -> new DriverBind(d.device(), d.driver()))
                    .build(),
            Operation.define("driver.unbind", USER_SPACE, DriverUnbind.class, Reply.None.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> DriverCore.unbind(tx, c.device()))
                    .read(s -> new DriverUnbind(s.device("device")))
                    .write((c, w) -> w.device("device", c.device()))
                    .agent((c, a) -> "unbind " + a.address(c.device()))
                    .generate(d -> new DriverUnbind(d.device()))
                    .build(),
            Operation.define("driver.override", USER_SPACE, DriverOverride.class, Reply.None.class)
                    .args(required("device", DEVICE), required("driver", OVERRIDE))
                    .rule((tx, c) -> DriverCore.override(tx, c.device(), c.driver()))
                    .read(s -> new DriverOverride(s.device("device"), s.nullableText("driver")))
                    .write((c, w) -> w.device("device", c.device()).nullableText("driver", c.driver()))
                    .agent((c, a) -> "sysfs all /sys/bus/pci/devices/" + a.address(c.device()) + "/driver_override "
                            + (c.driver().isPresent()
                                    ? a.guestDriver(c.device(), c.driver().get())
                                    : "-"))
                    .generate(
                            d -> new DriverOverride(d.device(), d.coin() ? Optional.of("vfio-pci") : Optional.empty()))
                    .build(),
            Operation.define("driver.new_id", USER_SPACE, DriverNewId.class, Reply.None.class)
                    .args(required("driver", DRIVER), required("id", TEXT))
                    .rule((tx, c) -> DriverCore.newId(tx, c.driver(), c.id()))
                    .read(s -> new DriverNewId(s.text("driver"), s.text("id")))
                    .write((c, w) -> w.text("driver", c.driver()).text("id", c.id()))
                    .agent((c, a) -> a.dynamicIdWrite(c.driver(), "new_id", c.id()))
                    .generate(d -> new DriverNewId(d.driver(), d.coin() ? "8086 10d3" : "1af4 1000"))
                    .build(),
            Operation.define("driver.remove_id", USER_SPACE, DriverRemoveId.class, Reply.None.class)
                    .args(required("driver", DRIVER), required("id", TEXT))
                    .rule((tx, c) -> DriverCore.removeId(tx, c.driver(), c.id()))
                    .read(s -> new DriverRemoveId(s.text("driver"), s.text("id")))
                    .write((c, w) -> w.text("driver", c.driver()).text("id", c.id()))
                    .agent((c, a) -> a.dynamicIdWrite(c.driver(), "remove_id", c.id()))
                    .generate(d -> new DriverRemoveId(d.driver(), d.coin() ? "8086 10d3" : "1af4 1000"))
                    .build(),
            Operation.define("driver.probe", USER_SPACE, DriverProbe.class, Reply.Probed.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> DriverCore.probe(tx, c.device()))
                    .read(s -> new DriverProbe(s.device("device")))
                    .write((c, w) -> w.device("device", c.device()))
                    .agent((c, a) -> "probe " + a.address(c.device()))
                    .agentValue((c, r, v) -> v.put(
                            "driver",
                            r.scenarioDriver(c.device(), r.text("driver").orElse("none"))
                                    .orElse(null)))
                    .generate(d -> new DriverProbe(d.device()))
                    .build(),
            Operation.define("driver.fail_next_probe", HARNESS, FailNextProbe.class, Reply.None.class)
                    .args(required("device", DEVICE), required("errno", ERRNO))
                    .rule((tx, c) -> DriverCore.failNextProbe(tx, c.device(), c.errno()))
                    .read(s -> new FailNextProbe(s.device("device"), s.errno("errno")))
                    .write((c, w) -> w.device("device", c.device()).errno("errno", c.errno()))
                    // the oracle's test module fails the next probe of its stand-in drivers
                    .agent((c, a) -> KernelCall.of("fail-next-probe")
                            .device(a, c.device())
                            .errno(c.errno().number())
                            .line())
                    .generate(d -> new FailNextProbe(d.device(), Errno.ENODEV))
                    .build());
}
