package dev.custody.persistence;

import dev.custody.entity.KernelJournal;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IommuSpec;
import dev.custody.model.IommuType;
import dev.custody.model.IovaSpan;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.Type1MapFlag;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SequencedMap;
import java.util.Set;

/**
 * A workload that maps and unmaps through every path whose journaled form changed when mapping events
 * began to carry their effect: iommu_map/iommu_unmap on a caller's domain (a range split into leaves, a
 * partial unmap of a large page), VFIO type1 v1 and v2 (a second domain filled from the list, unmap of a
 * range, unmap-all), an IOAS with two HWPTs (an unmap that stops at an area it would cut) and the VFIO
 * compat layer of an iommufd (its unmap with and without UNMAP_FLAG_ALL). Run through the pure rules it
 * gives the decisions the coordinator journals. Uses only what the engine offered before that change,
 * so the same class wrote {@code legacy/mapping-decisions.bin} with the earlier version.
 */
final class LegacyMappingWorkload {
    private LegacyMappingWorkload() {}

    static final DeviceId NIC = new DeviceId("0000:00:03.0");
    static final DeviceId GPU = new DeviceId("0000:00:05.0");
    static final DeviceId SSD = new DeviceId("0000:00:07.0");
    static final DeviceId FPGA = new DeviceId("0000:00:08.0");
    static final DeviceId DISK = new DeviceId("0000:00:09.0");
    static final DeviceId KDEV = new DeviceId("0000:00:0a.0");
    static final DeviceId VDEV = new DeviceId("0000:00:0b.0");

    /** Two IOMMUs of different page sizes and widths, one single-device group per device. */
    static Topology machine() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        iommus.put("dmar1", new IommuSpec("dmar1", IommuSpec.SIZE_4K | IommuSpec.SIZE_2M, 39));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        List<DeviceId> all = List.of(NIC, GPU, SSD, FPGA, DISK, KDEV, VDEV);
        for (int n = 0; n < all.size(); n++) {
            devices.put(
                    all.get(n),
                    new DeviceSpec(
                            all.get(n),
                            Optional.of(n % 2 == 0 ? "dmar0" : "dmar1"),
                            Optional.of(new GroupId(n + 1)),
                            List.of(),
                            false,
                            true,
                            Optional.empty()));
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    /** Every decision with events, as the coordinator journals them: the boot as decision 1, then in order. */
    static List<KernelJournal.DecisionTaken> decisions() {
        Run run = new Run(machine());
        for (DeviceId device : List.of(NIC, GPU, SSD, FPGA, DISK, VDEV)) {
            run.ok(new Command.DriverBind(device, "vfio-pci"));
        }
        // iommu_map on a caller's domain: 4K + 2M + 4K leaves, a 4K unmap inside the 2M leaf, a misaligned unmap
        Handle kd = run.created(new Command.DomainAlloc(KDEV, "kd"));
        run.ok(new Command.IommuMap(kd, 0x1f_f000L, 0x4_001f_f000L, 0x20_2000L, true, true));
        run.ok(new Command.IommuUnmap(kd, 0x20_0000L, 0x1000L));
        run.ok(new Command.IommuUnmap(kd, 0x800L, 0x1000L));
        run.ok(new Command.IommuMap(kd, 0x4000_0000L, 0x8000_0000L, 0x4000_0000L, true, false));

        // type1 v2 over both IOMMUs: the second domain is filled from the list; a range unmap, then unmap-all
        Set<Type1MapFlag> rw = Set.of(Type1MapFlag.READ, Type1MapFlag.WRITE);
        Handle c1 = run.created(new Command.ContainerOpen("c1"));
        Handle g1 = run.created(new Command.GroupOpen(new GroupId(1), "g1"));
        run.ok(new Command.SetContainer(g1, c1));
        run.ok(new Command.ContainerSetIommu(c1, IommuType.TYPE1V2));
        run.ok(new Command.Type1MapDma(c1, 0x20_0000L, 0x7f12_0020_0000L, 0x40_0000L, rw));
        run.ok(new Command.Type1MapDma(c1, 0x1000L, 0x7f12_3456_7000L, 0x3000L, Set.of(Type1MapFlag.READ)));
        Handle g2 = run.created(new Command.GroupOpen(new GroupId(2), "g2"));
        run.ok(new Command.SetContainer(g2, c1));
        run.ok(new Command.Type1MapDma(c1, 0x4000_0000L, 0x7f00_4000_0000L, 0x20_0000L, rw));
        run.ok(new Command.Type1UnmapDma(c1, 0x0L, 0x60_0000L, false));

        // type1 v1: an unmap starting inside an entry removes nothing, one covering its first byte removes it whole
        Handle c2 = run.created(new Command.ContainerOpen("c2"));
        Handle g5 = run.created(new Command.GroupOpen(new GroupId(5), "g5"));
        run.ok(new Command.SetContainer(g5, c2));
        run.ok(new Command.ContainerSetIommu(c2, IommuType.TYPE1));
        run.ok(new Command.Type1MapDma(c2, 0x1_0000L, 0x7f20_0001_0000L, 0x4000L, rw));
        run.ok(new Command.Type1MapDma(c2, 0x8_0000L, 0x7f20_0008_0000L, 0x1000L, rw));
        run.ok(new Command.Type1UnmapDma(c2, 0x1_1000L, 0x1000L, false));
        run.ok(new Command.Type1UnmapDma(c2, 0x1_0000L, 0x1000L, false));

        // an IOAS with an area before any HWPT, two HWPTs filled from it, an unmap cut short by an area (ENOENT)
        Set<IoasMapFlag> readWrite = Set.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE);
        Handle x = run.created(new Command.IommufdOpen("X"));
        Handle ioas = run.created(new Command.IoasAlloc(x, "I"));
        run.ok(new Command.IoasAllowIovas(
                ioas, List.of(new IovaSpan(0x8000_0000L, 0xbfff_ffffL), new IovaSpan(0x10_0000L, 0x7fff_ffffL))));
        run.ok(new Command.IoasMap(ioas, OptionalLong.of(0x10_0000L), 0x20_0000L, readWrite));
        Handle cA = run.created(new Command.CdevOpen(SSD, "cA"));
        run.ok(new Command.CdevBind(cA, x));
        run.ok(new Command.CdevAttach(cA, ioas, Optional.of("H1")));
        Handle cB = run.created(new Command.CdevOpen(FPGA, "cB"));
        run.ok(new Command.CdevBind(cB, x));
        run.ok(new Command.HwptAlloc(x, cB, ioas, "H2"));
        run.ok(new Command.IoasMap(ioas, OptionalLong.of(0x4000_0000L), 0x1000L, Set.of(IoasMapFlag.READABLE)));
        run.ok(new Command.IoasMap(ioas, OptionalLong.empty(), 0x3000L, readWrite));
        run.ok(new Command.IoasMap(ioas, OptionalLong.of(0x8000_0000L), 0x40_0000L, readWrite));
        run.ok(new Command.IoasUnmap(ioas, 0x10_0000L, 0x20_0000L));
        run.refused(
                new Command.IoasUnmap(ioas, 0x3000_0000L, 0x5000_1000L)); // removes 0x4000_0000, stops at 0x8000_0000

        // the VFIO compat layer of an iommufd: map, a range unmap, then UNMAP_FLAG_ALL
        Handle y = run.created(new Command.IommufdOpen("Y"));
        Handle g7 = run.created(new Command.GroupOpen(new GroupId(7), "g7"));
        run.ok(new Command.SetContainer(g7, y));
        run.ok(new Command.Type1MapDma(y, 0x10_0000L, 0x7f30_0010_0000L, 0x2000L, rw));
        run.ok(new Command.Type1MapDma(y, 0x20_0000L, 0x7f30_0020_0000L, 0x1000L, rw));
        run.ok(new Command.Type1UnmapDma(y, 0x10_0000L, 0x2000L, false));
        run.ok(new Command.Type1MapDma(y, 0x30_0000L, 0x7f30_0030_0000L, 0x1000L, rw));
        run.ok(new Command.Type1UnmapDma(y, 0, 0, true));

        // last, and left open by the recovery test: a caller's unmap and a type1 unmap
        run.ok(new Command.IommuUnmap(kd, 0x4000_0000L, 0x20_0000L)); // takes the whole 1G leaf
        run.ok(new Command.Type1UnmapDma(c1, 0, 0, true));
        return run.journaled;
    }

    /** The pure rules as the coordinator runs them: a decision with events is journaled under the next seq. */
    private static final class Run {
        private KernelState state;
        private final List<KernelJournal.DecisionTaken> journaled = new ArrayList<>();

        Run(Topology topology) {
            Decision boot = Kernel.boot(topology);
            journaled.add(new KernelJournal.DecisionTaken(1, "boot", boot.events()));
            state = boot.state();
        }

        Outcome<Reply> execute(Command<?> command) {
            Decision decision = Operations.decide(state, command);
            if (!decision.events().isEmpty()) {
                long seq = journaled.size() + 1;
                journaled.add(new KernelJournal.DecisionTaken(seq, "op-" + seq, decision.events()));
            }
            state = decision.state();
            return decision.outcome();
        }

        void ok(Command<?> command) {
            Outcome<Reply> answer = execute(command);
            if (!answer.isOk()) {
                throw new IllegalStateException(command + " -> " + answer);
            }
        }

        void refused(Command<?> command) {
            Outcome<Reply> answer = execute(command);
            if (answer.isOk()) {
                throw new IllegalStateException(command + " was expected to be refused");
            }
        }

        Handle created(Command<?> command) {
            Outcome<Reply> answer = execute(command);
            if (!(answer instanceof Outcome.Ok<Reply> ok) || !(ok.value() instanceof Reply.Created created)) {
                throw new IllegalStateException(command + " -> " + answer);
            }
            return created.handle();
        }
    }
}
