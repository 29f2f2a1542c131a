import dev.custody.api.Custody;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.api.SystemView;
import dev.custody.api.VfioContainerFd;
import dev.custody.api.VfioDeviceFd;
import dev.custody.api.VfioGroupFd;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Outcome;
import dev.custody.model.Topology;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A small hypervisor control process: it takes a two-function NIC (one IOMMU group) away from the
 * host's e1000e driver, assigns the whole group to a VM through VFIO, maps the guest's memory, and
 * gives everything back when the VM shuts down. Custody answers every step with the kernel's errno.
 *
 * Run it with the custody jar on the class path:
 *   java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *        -cp simulations/target/custody.jar examples/control-process/AssignGroupToVm.java
 */
public class AssignGroupToVm {
    static final List<String> NIC = List.of("0000:00:03.0", "0000:00:03.1");

    public static void main(String[] args) {
        try (CustodyRuntime runtime = CustodyRuntime.start(CustodyRuntime.inMemoryJournal())) {
            // The process that starts the engine keeps its admin; the VM's components get only the
            // capability API, and act through the files and domains it hands them.
            EngineAdmin admin = EngineAdmin.start(runtime, "host", host(), Duration.ofSeconds(10)).toCompletableFuture().join();
            Custody custody = admin.custody();

            // The VM starts: the host lets go of the NIC, vfio-pci takes both functions.
            for (String function : NIC) {
                must("unbind e1000e from " + function, custody.unbind(function));
                must("bind vfio-pci to " + function, custody.bind(function, "vfio-pci"));
            }
            VfioContainerFd container = must("open the container", custody.openContainer("vm1"));
            VfioGroupFd group = must("open group 1", custody.openGroup(1, "vm1-group1"));
            must("attach group 1 to the container", custody.setContainer(group, container));
            must("use type1v2", custody.setIommu(container, true));
            VfioDeviceFd nic = must("get the NIC's device fd", custody.deviceFd(group, NIC.get(0), "vm1-nic"));
            must("map 1 GiB of guest memory at IOVA 0", custody.mapDma(container, 0, 0x7f0000000000L, 1L << 30, true, true));
            print("VM running", custody);

            // While the VM owns the group, no host driver may bind to a function of it (dma_configure: EBUSY).
            must("unbind vfio-pci from the idle " + NIC.get(1), custody.unbind(NIC.get(1)));
            Outcome<Void> refused = custody.bind(NIC.get(1), "e1000e").toCompletableFuture().join();
            System.out.println("host binding e1000e to " + NIC.get(1) + " while the VM runs: " + refused.resultName()
                    + refused.explanation().map(r -> " (" + r + ")").orElse(""));
            must("give " + NIC.get(1) + " back to vfio-pci", custody.bind(NIC.get(1), "vfio-pci"));

            // The VM shuts down: its fds close, the group returns to the kernel, e1000e comes back.
            must("close the device fd", custody.close(nic));
            must("close the group fd", custody.close(group));
            must("close the container", custody.close(container));
            for (String function : NIC) {
                must("unbind vfio-pci from " + function, custody.unbind(function));
                must("bind e1000e to " + function, custody.bind(function, "e1000e"));
            }
            print("VM gone", custody);
            admin.stop().toCompletableFuture().join();
        }
    }

    /** Two functions of one card without ACS share IOMMU group 1; e1000e drives both at boot. */
    static Topology host() {
        LinkedHashMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        LinkedHashMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        for (String function : NIC) {
            DeviceId id = new DeviceId(function);
            devices.put(id, new DeviceSpec(id, Optional.of("dmar0"), Optional.of(new GroupId(1)), List.of("e1000e"),
                    false, true, Optional.of("e1000e")));
        }
        return new Topology(iommus, Topology.catalogueWith(List.of()), devices);
    }

    static <T> T must(String what, CompletionStage<Outcome<T>> step) {
        Outcome<T> outcome = step.toCompletableFuture().join();
        if (!(outcome instanceof Outcome.Ok<T> ok)) {
            throw new IllegalStateException(what + ": " + outcome.resultName() + " " + outcome.explanation().orElse(""));
        }
        System.out.println("ok: " + what);
        return ok.value();
    }

    static void print(String moment, Custody custody) {
        SystemView.Group group = custody.inspect().toCompletableFuture().join().group(1).orElseThrow();
        System.out.println(moment + ": group 1 owner=" + group.owner().orElse("(kernel)") + " owner_cnt="
                + group.ownerCnt() + " domain=" + group.domain() + " devices=" + group.devices());
    }
}
