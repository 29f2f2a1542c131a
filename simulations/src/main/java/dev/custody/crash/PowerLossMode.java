package dev.custody.crash;

import com.typesafe.config.Config;
import dev.custody.oracle.vm.DiskImage;
import dev.custody.oracle.vm.GuestJvm;
import dev.custody.oracle.vm.IommufdKernel;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.persistence.Journals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The child is a JVM inside the oracle's VM, its H2 journal on an ext4 file system on a virtual disk,
 * and a kill is a SIGKILL of QEMU: the whole machine stops at once, and what the guest kernel had not
 * yet written to the disk (its page cache, an H2 commit that was never synced) is lost as in a power
 * cut. The next child boots the VM again on the same disk. After each kill the journal file is copied
 * out of the disk (its ext4 journal replayed, as the guest's next mount does) to the host's journal
 * directory, where the audit and {@code custody replay} read it.
 */
final class PowerLossMode implements CrashMode {
    /** Where the disk is mounted in the guest; the child's journal is {@code h2:} this. */
    static final String MOUNT_POINT = "/journal";

    /** The disk image, in the journal directory given to the crash test. */
    static final String DISK_FILE = "journal-disk.img";

    /** Sparse: it costs what H2 and ext4 write, and H2's file grows large before it compacts. */
    static final int DISK_MEBIBYTES = 2048;

    /**
     * The modules the workload loads classes from (found with -Xlog:class+load on a workload run:
     * jdeps lists more, e.g. java.desktop for two annotations Jackson probes for and does without).
     */
    static final List<String> MODULES = List.of(
            "java.base", "java.logging", "java.management", "java.naming", "java.sql", "java.xml", "jdk.unsupported");

    /**
     * The guest JVM on one emulated CPU in a 1 GiB VM whose root file system (runtime and class path,
     * about 130 MB) is in RAM: C1 only, the serial collector (no GC threads), no perf-data file. With
     * C2 as well, measured once each on the loaded machine, QEMU's start to the recovery beginning took
     * 124 s against 52 s, and the recovery then failed on Pekko's 30 s snapshot-recovery timeout; C1
     * alone recovered in 25 s and raced 200 operations in 30 s.
     */
    static final List<String> GUEST_JVM_OPTIONS =
            List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData");

    /** The hard bound of one boot; {@link Bounds#VM} bounds each of its steps well before that. */
    static final Duration VM_TIMEOUT = Duration.ofMinutes(60);

    private final CrashSettings settings;
    private final GuestJvm guest;
    private final DiskImage disk;
    private final Path journalCopy;

    PowerLossMode(CrashSettings settings, GuestJvm guest, DiskImage disk, Path journalCopy) {
        this.settings = settings;
        this.guest = guest;
        this.disk = disk;
        this.journalCopy = journalCopy;
    }

    /**
     * The iommufd kernel (built on first use, its progress to {@code progress}), the disk in the journal
     * directory (made when missing, reused when there, as the SIGKILL mode reuses an H2 directory).
     */
    static PowerLossMode create(CrashSettings settings, Consumer<String> progress) {
        Path directory = journalDirectory(settings);
        Path home = OracleFiles.unpacked();
        Kernel kernel = IommufdKernel.standard(home).build(progress);
        Path image = directory.resolve(DISK_FILE);
        DiskImage disk = Files.isRegularFile(image)
                ? DiskImage.at(image)
                : DiskImage.format(image, DISK_MEBIBYTES, "custody-journal");
        GuestJvm guest = GuestJvm.standard(home, kernel, MODULES);
        return new PowerLossMode(settings, guest, disk, directory.resolve(Journals.H2_FILE + ".mv.db"));
    }

    /** The power-loss test journals on H2 only: it is the journal that lives in a file on the VM's disk. */
    static Path journalDirectory(CrashSettings settings) {
        if (!settings.journalSpelling().startsWith("h2:")) {
            throw new IllegalArgumentException(
                    "--power-loss puts an H2 journal on the VM's disk; give --journal h2:DIR, not "
                            + settings.journalSpelling());
        }
        return Path.of(settings.journalSpelling().substring(3));
    }

    @Override
    public String killName() {
        return "power cut";
    }

    @Override
    public Bounds bounds() {
        return Bounds.VM;
    }

    @Override
    public String journalSpelling() {
        return "h2:" + MOUNT_POINT;
    }

    @Override
    public WorkloadChild start(List<String> workloadArguments, String name) {
        List<String> arguments = new ArrayList<>(List.of("crash-workload"));
        arguments.addAll(workloadArguments);
        // the VM is the child's parent: when it goes, so does the JVM
        arguments.add("--no-parent-watch");
        List<String> options = new ArrayList<>(ChildJvm.WORKLOAD_OPTIONS);
        options.addAll(GUEST_JVM_OPTIONS);
        return new VmChild(guest.start(disk, MOUNT_POINT, options, ChildJvm.MAIN_CLASS, arguments, VM_TIMEOUT));
    }

    @Override
    public Config journalAfterKill() {
        // the guest mounts the disk's root at MOUNT_POINT
        disk.copyOut(
                "/" + journalCopy.getFileName(),
                journalCopy,
                settings.workDirectory().resolve("disk-after-kill.img"));
        return settings.journal();
    }
}
