package dev.custody.oracle.live;

import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.live.HostSysfs;
import dev.custody.live.LiveHost;
import dev.custody.live.LiveMode;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.Topology;
import dev.custody.nativeio.host.GuestModules;
import dev.custody.nativeio.host.HostPaths;
import dev.custody.nativeio.host.MappedMemory;
import dev.custody.nativeio.libc.Libc;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Live mode's IOAS maps read back through a device's own DMA, run inside the oracle's VM as its only
 * program. The engine binds QEMU's edu device to vfio-pci, opens its cdev and an iommufd, binds them,
 * allocates an IOAS, attaches the device and maps two pages at fixed IOVAs below edu's 28-bit DMA mask:
 * every call carried out on the kernel as {@code custody serve --host} carries it out, the memory of
 * each map allocated and owned by the agent for its IOAS, and the kernel's allowed ranges checked after
 * each map. Then, through the device file the engine holds, edu copies the first page into its buffer
 * and from there into the second; the second page must then hold what was written into the first. The
 * second map is then unmapped through the engine, and a further copy must not reach its memory (kept
 * readable by a view), while a third map, made after, receives it.
 *
 * <p>Prints {@code PASS name detail} or {@code FAIL name detail} per check, then
 * {@code EDU-CHECK <passed> passed <failed> failed}. Usage: {@code EduReadBackCheck EDU}: edu's PCI address.
 */
public final class EduReadBackCheck {
    public static final String SUMMARY_PREFIX = "EDU-CHECK ";

    static final long SOURCE_IOVA = 0x100000;
    static final long DESTINATION_IOVA = 0x200000;
    static final long LATER_IOVA = 0x300000;
    private static final long PAGE = 4096;
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** edu runs a transfer 100 ms of the VM's clock after its command; TCG on a loaded host is slower. */
    private static final Duration TRANSFER_PATIENCE = Duration.ofSeconds(20);

    private final GuestChecks checks;

    private EduReadBackCheck(PrintStream out) {
        this.checks = new GuestChecks(out);
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        EduReadBackCheck check = new EduReadBackCheck(out);
        int status;
        try {
            check.run(new DeviceId(args[0]));
        } catch (Exception | Error broken) {
            check.checks.check("run", false, "stopped: " + broken);
            broken.printStackTrace();
        } finally {
            check.checks.summary(SUMMARY_PREFIX);
            status = check.checks.allPassed() ? 0 : 1;
        }
        Runtime.getRuntime().halt(status);
    }

    private void run(DeviceId edu) throws Exception {
        GuestModules.load(Path.of("/modules/order")).forEach(checks::note);
        GuestModules.settle(HostPaths.standard());
        Topology machine = LiveSelfCheck.imported(new HostSysfs(HostSysfs.DEFAULT_ROOT));
        checks.check(
                "topology",
                machine.devices().containsKey(edu)
                        && machine.device(edu).bootDriver().isEmpty(),
                machine.devices().size() + " functions from /sys, edu without a driver");
        try (CustodyRuntime runtime = CustodyRuntime.start(CustodyRuntime.inMemoryJournal());
                LiveMode.Running live =
                        LiveMode.check(edu.name(), false, false).start(runtime, "edu-check", machine, TIMEOUT)) {
            checks.note(live.describe());
            EngineAdmin engine = live.engine();
            LiveHost host = live.host();
            checks.agreed(engine, "bind vfio-pci", new Command.DriverBind(edu, "vfio-pci"));
            Handle iommufd = GuestChecks.created(checks.agreed(engine, "open iommufd", new Command.IommufdOpen("i")));
            Handle cdev = GuestChecks.created(checks.agreed(engine, "open cdev", new Command.CdevOpen(edu, "d")));
            checks.agreed(engine, "bind cdev", new Command.CdevBind(cdev, iommufd));
            Handle ioas = GuestChecks.created(checks.agreed(engine, "alloc ioas", new Command.IoasAlloc(iommufd, "a")));
            checks.agreed(engine, "attach", new Command.CdevAttach(cdev, ioas, Optional.of("h")));
            checks.agreed(engine, "map source", map(ioas, SOURCE_IOVA));
            checks.agreed(engine, "map destination", map(ioas, DESTINATION_IOVA));
            checks.check(
                    "ranges checked, no drift",
                    host.drifts() == 0,
                    host.drifts() + " drifts in " + host.carriedOut() + " calls carried out");

            Optional<MappedMemory> source = host.mappedMemory(ioas, SOURCE_IOVA, PAGE);
            Optional<MappedMemory> destination = host.mappedMemory(ioas, DESTINATION_IOVA, PAGE);
            checks.check(
                    "the agent owns both maps' memory",
                    source.isPresent() && destination.isPresent(),
                    source.map(m -> address(m.bytes())).orElse("none") + ", "
                            + destination.map(m -> address(m.bytes())).orElse("none"));
            if (source.isEmpty() || destination.isEmpty()) {
                return;
            }
            int deviceFd = host.duplicate(((Handle.File) cdev).id());
            checks.check("the device file", deviceFd >= 0, "fd " + deviceFd);
            if (deviceFd < 0) {
                return;
            }
            try (MappedMemory from = source.get();
                    MappedMemory to = destination.get()) {
                readBack(engine, host, ioas, new Pages(from.bytes(), to.bytes()), deviceFd);
            } finally {
                Libc.close(deviceFd);
            }
            checks.agreed(engine, "close cdev", new Command.Close(cdev));
            checks.agreed(engine, "close iommufd", new Command.Close(iommufd));
            checks.check(
                    "no drift",
                    host.drifts() == 0,
                    host.drifts() + " drifts in " + host.carriedOut() + " calls carried out");
        }
    }

    private record Pages(MemorySegment source, MemorySegment destination) {}

    private void readBack(EngineAdmin engine, LiveHost host, Handle ioas, Pages pages, int deviceFd)
            throws InterruptedException {
        EduDevice edu = EduDevice.open(deviceFd);
        checks.check(
                "edu answers through its BAR",
                edu.identification() == EduDevice.IDENTIFICATION,
                "identification 0x" + Integer.toHexString(edu.identification()) + ", PCI_COMMAND 0x"
                        + Integer.toHexString(edu.command() & 0xffff));

        int moved = EduDevice.TRANSFER;
        fill(pages.source(), 1);
        pages.destination().fill((byte) 0);
        boolean copied = edu.fromMemory(SOURCE_IOVA, moved, TRANSFER_PATIENCE)
                && edu.toMemory(DESTINATION_IOVA, moved, TRANSFER_PATIENCE);
        long differ =
                pages.source().asSlice(0, moved).mismatch(pages.destination().asSlice(0, moved));
        boolean restUntouched = isZero(pages.destination().asSlice(moved));
        checks.check(
                "read back through the IOMMU",
                copied && differ == -1 && restUntouched,
                copied
                        ? "edu copied " + moved + " bytes from IOVA 0x" + Long.toHexString(SOURCE_IOVA) + " to 0x"
                                + Long.toHexString(DESTINATION_IOVA) + ": "
                                + (differ == -1 ? "they match" : "first difference at byte " + differ)
                                + (restUntouched
                                        ? ", the rest of the page untouched"
                                        : ", the rest of the page changed")
                        : "edu did not finish its transfer in " + TRANSFER_PATIENCE);

        checks.agreed(engine, "unmap destination", new Command.IoasUnmap(ioas, DESTINATION_IOVA, PAGE));
        checks.check(
                "its memory is gone from the IOAS",
                host.mappedMemory(ioas, DESTINATION_IOVA, PAGE).isEmpty(),
                "no map of it left (the view held here keeps it readable)");
        MemorySegment before = MemorySegment.ofArray(pages.destination().toArray(ValueLayout.JAVA_BYTE));
        fill(pages.source(), 2);
        boolean ran = edu.fromMemory(SOURCE_IOVA, moved, TRANSFER_PATIENCE)
                && edu.toMemory(DESTINATION_IOVA, moved, TRANSFER_PATIENCE);
        checks.check(
                "a DMA to the unmapped IOVA does not reach its memory",
                ran && pages.destination().mismatch(before) == -1,
                ran ? "the destination page still holds the first copy" : "edu did not finish its transfer");

        checks.agreed(engine, "map later", map(ioas, LATER_IOVA));
        Optional<MappedMemory> later = host.mappedMemory(ioas, LATER_IOVA, PAGE);
        if (later.isEmpty()) {
            checks.check("the later map's memory", false, "none");
            return;
        }
        try (MappedMemory third = later.get()) {
            third.bytes().fill((byte) 0);
            boolean delivered = edu.toMemory(LATER_IOVA, moved, TRANSFER_PATIENCE);
            checks.check(
                    "the refused copy was the IOMMU's doing",
                    delivered
                            && third.bytes()
                                            .asSlice(0, moved)
                                            .mismatch(pages.source().asSlice(0, moved))
                                    == -1,
                    "edu's buffer held the second pattern: written to a page mapped since, it arrives");
        }
        checks.agreed(engine, "unmap later", new Command.IoasUnmap(ioas, LATER_IOVA, PAGE));
        checks.agreed(engine, "unmap source", new Command.IoasUnmap(ioas, SOURCE_IOVA, PAGE));
    }

    private static boolean isZero(MemorySegment bytes) {
        for (long i = 0; i < bytes.byteSize(); i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static Command.IoasMap map(Handle ioas, long iova) {
        return new Command.IoasMap(
                ioas,
                OptionalLong.of(iova),
                PAGE,
                EnumSet.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE),
                OptionalInt.empty());
    }

    /** A pattern that differs per byte and per {@code round}, so a stale page or a shifted copy shows. */
    private static void fill(MemorySegment page, int round) {
        for (long i = 0; i < page.byteSize(); i++) {
            page.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + round * 31 + (i >> 8)));
        }
    }

    private static String address(MemorySegment bytes) {
        return "0x" + Long.toHexString(bytes.address());
    }
}
