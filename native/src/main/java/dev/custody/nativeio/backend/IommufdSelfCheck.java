package dev.custody.nativeio.backend;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.pagetable.PageSizeBitmap;
import dev.custody.nativeio.uapi.Iommufd;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Exercises the real iommufd backend end to end on the running kernel and prints one line per check,
 * {@code PASS <name> <detail>} or {@code FAIL <name> expected <x> got <y>}, then
 * {@code SELF-CHECK <passed> passed <failed> failed}. Exit status 0 when every check passed, 1 when
 * one failed, 2 when {@code /dev/iommu} is missing.
 *
 * <p>It ships in the main jar because it is how to find out whether the FFM bindings agree with a
 * given kernel: {@code custody oracle native-check} runs it inside the oracle's iommufd VM, and on a
 * host that has {@code /dev/iommu} it runs as is ({@code java --enable-native-access=ALL-UNNAMED -cp
 * custody.jar dev.custody.nativeio.backend.IommufdSelfCheck}).
 *
 * <p>The expected answers are those of Linux 6.12's drivers/iommu/iommufd for an IOAS with nothing
 * attached, which is all a process without a VFIO device has: no reserved ranges, so one allowed range
 * covering the whole 64-bit space; an iova alignment of 1; maps that record the user range without
 * pinning it yet. Each check says which kernel rule it relies on.
 */
public final class IommufdSelfCheck {
    /** Starts the last line: {@code SELF-CHECK <passed> passed <failed> failed}. */
    public static final String SUMMARY_PREFIX = "SELF-CHECK ";

    private static final long PAGE = 4096;
    private static final int ENOENT = Libc.ENOENT;
    private static final int EBADF = Libc.EBADF;
    private static final int EEXIST = 17;
    private static final int EINVAL = Libc.EINVAL;
    private static final int ENOTTY = Libc.ENOTTY;
    private static final int EOPNOTSUPP = 95;
    private static final long FIXED_IOVA = 0x10_0000;
    private static final long FIXED_LENGTH = 2 * PAGE;

    private final PrintStream out;
    private final Path device;
    private int passed;
    private int failed;

    IommufdSelfCheck(PrintStream out, Path device) {
        this.out = out;
        this.device = device;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path device = args.length > 0 ? Path.of(args[0]) : DmaBackend.DEV_IOMMU;
        if (!Files.exists(device)) {
            out.println("FAIL device expected " + device + " got nothing there (a kernel without CONFIG_IOMMUFD)");
            out.println(SUMMARY_PREFIX + "0 passed 1 failed");
            System.exit(2);
        }
        IommufdSelfCheck check = new IommufdSelfCheck(out, device);
        check.runAll();
        System.exit(check.failed == 0 ? 0 : 1);
    }

    /** Runs every check; a check that throws is a failure of that check, and the rest still run. */
    void runAll() {
        guarded("backend", this::backendChoice);
        guarded("mapper", this::mapperLifecycle);
        guarded("raw", this::rawUapi);
        out.println(SUMMARY_PREFIX + passed + " passed " + failed + " failed");
    }

    int failed() {
        return failed;
    }

    private void backendChoice() {
        if (device.equals(DmaBackend.DEV_IOMMU)) {
            check("preferred-backend", DmaBackend.IOMMUFD, DmaBackend.preferred(), "with /dev/iommu present");
        }
    }

    // reinterpret: the buffer is the 4 pages this method just mapped, so the size given is its own
    @SuppressWarnings("restricted")
    private void mapperLifecycle() {
        long buffer =
                Libc.mmap(4 * PAGE, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (!check("mmap-buffer", true, buffer > 0, "4 pages at 0x" + Long.toHexString(buffer))) {
            return;
        }
        try {
            // Touch the pages so they exist when the kernel pins them (on attach, not at map time here).
            MemorySegment.ofAddress(buffer).reinterpret(4 * PAGE).fill((byte) 0x5a);
            long fdsBefore = openDescriptorsOn(device);
            IommufdDmaMapper mapper = device.equals(DmaBackend.DEV_IOMMU)
                    ? (IommufdDmaMapper) DmaBackend.IOMMUFD.open(PageSizeBitmap.ALL, 48)
                    : IommufdDmaMapper.open(device);
            check("open", fdsBefore + 1, openDescriptorsOn(device), "descriptors on " + device + " after open");
            // The context's object ids start at 1 (XA_FLAGS_ALLOC1): 0 would mean the out field was not read.
            check("ioas-alloc", true, mapper.ioasId() >= 1, "ioas id " + mapper.ioasId());
            mapOperations(mapper, buffer);
            mapper.close();
            check("close", fdsBefore, openDescriptorsOn(device), "descriptors on " + device + " after close");
            mapper.close();
            pass("close-twice", "the second close does nothing");
            try {
                mapper.map(FIXED_IOVA, buffer, PAGE, true, true);
                fail("map-after-close", "IllegalStateException", "a map");
            } catch (IllegalStateException expected) {
                pass("map-after-close", expected.getMessage());
            }
        } finally {
            check("munmap-buffer", 0, Libc.munmap(buffer, 4 * PAGE), "");
        }
    }

    private void mapOperations(IommufdDmaMapper mapper, long buffer) {
        List<long[]> ranges = mapper.iovaRanges();
        // Nothing attached means no reserved regions: the one hole is [0, ULONG_MAX].
        check("iova-ranges", "[0x0-0xffffffffffffffff]", describe(ranges), "allowed ranges of an empty IOAS");
        check("iova-alignment", 1L, mapper.iovaAlignment(), "no domain attached, so byte granular");

        check(
                "map-fixed",
                0,
                mapper.map(FIXED_IOVA, buffer, FIXED_LENGTH, true, true),
                "2 pages at iova 0x" + Long.toHexString(FIXED_IOVA));
        check(
                "map-overlap",
                -EEXIST,
                mapper.map(FIXED_IOVA + PAGE, buffer, PAGE, true, false),
                "a page inside the first map");
        check(
                "map-no-access",
                -EINVAL,
                mapper.map(0x20_0000, buffer, PAGE, false, false),
                "neither readable nor writeable");
        check("map-zero-length", -EINVAL, mapper.map(0x20_0000, buffer, 0, true, true), "length 0");

        long chosen = mapper.mapAnywhere(buffer + PAGE, FIXED_LENGTH, true, false);
        boolean clear = chosen + FIXED_LENGTH <= FIXED_IOVA || chosen >= FIXED_IOVA + FIXED_LENGTH;
        // The allocator starts above page 0, keeps the address's page offset and avoids used ranges.
        check(
                "map-anywhere",
                true,
                chosen >= PAGE && chosen % PAGE == 0 && clear,
                "kernel chose iova 0x" + Long.toHexString(chosen));
        check("unmap-anywhere", FIXED_LENGTH, mapper.unmap(chosen, FIXED_LENGTH), "bytes back at the chosen iova");

        check("unmap-partial", (long) -ENOENT, mapper.unmap(FIXED_IOVA, PAGE), "half of an area: areas are not split");
        check("unmap-nothing", (long) -ENOENT, mapper.unmap(0x4000_0000L, PAGE), "a range with no area");
        check("unmap-zero-length", (long) -EINVAL, mapper.unmap(FIXED_IOVA, 0), "length 0");
        check("unmap-fixed", FIXED_LENGTH, mapper.unmap(FIXED_IOVA, FIXED_LENGTH), "bytes unmapped");
        check(
                "remap-after-unmap",
                0,
                mapper.map(FIXED_IOVA, buffer, FIXED_LENGTH, true, true),
                "the range is free again");

        // With alignment 1 the kernel takes an iova and length that are not page multiples.
        check(
                "map-unaligned",
                0,
                mapper.map(0x30_0001, buffer + 1, PAGE - 1, true, false),
                "iova 0x300001, 4095 bytes");
        check("map-second", 0, mapper.map(0x40_0000, buffer + 2 * PAGE, 2 * PAGE, false, true), "write-only");
        // iova 0 with length U64_MAX is IOMMU_IOAS_UNMAP's "everything" form.
        check("unmap-all", FIXED_LENGTH + (PAGE - 1) + 2 * PAGE, mapper.unmap(0, -1L), "bytes of all three areas");
        check("unmap-all-empty", 0L, mapper.unmap(0, -1L), "nothing left: success with 0 bytes");
    }

    /** The uapi layouts and request numbers straight through Libc, for what the mapper hides. */
    private void rawUapi() {
        check("open-missing", -ENOENT, Libc.open("/dev/no-such-iommu", Libc.O_RDWR), "");
        check("ioctl-bad-fd", -EBADF, ioasAlloc(-1, 0, (int) Iommufd.IoasAlloc.LAYOUT.byteSize()), "fd -1");
        int fd = Libc.open(device.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
        if (!check("raw-open", true, fd >= 0, "fd " + fd)) {
            return;
        }
        try {
            int id = ioasAlloc(fd, 0, (int) Iommufd.IoasAlloc.LAYOUT.byteSize());
            check("raw-ioas-alloc", true, id >= 1, "ioas id " + id);
            check(
                    "ioas-alloc-flags",
                    -EOPNOTSUPP,
                    ioasAlloc(fd, 1, (int) Iommufd.IoasAlloc.LAYOUT.byteSize()),
                    "flags must be 0");
            // The kernel refuses a size below the end of the struct's last required field.
            check("ioas-alloc-short", -EINVAL, ioasAlloc(fd, 0, 8), "size 8 of 12");
            check("destroy", 0, destroy(fd, id), "ioas " + id);
            check("destroy-again", -ENOENT, destroy(fd, id), "ioas " + id + " is gone");
            try (Arena call = Arena.ofConfined()) {
                MemorySegment unknown = call.allocate(Iommufd.Destroy.LAYOUT);
                Iommufd.Destroy.SIZE.set(unknown, (int) Iommufd.Destroy.LAYOUT.byteSize());
                // Number 0x7f is below iommufd's base (0x80) and not a VFIO compat request either.
                check(
                        "unknown-request",
                        -ENOTTY,
                        Libc.ioctl(fd, dev.custody.nativeio.uapi.Ioctl.io(Iommufd.TYPE, 0x7f), unknown),
                        "_IO(';', 0x7f)");
            }
        } finally {
            check("raw-close", 0, Libc.close(fd), "fd " + fd);
        }
        check("close-again", -EBADF, Libc.close(fd), "fd " + fd + " already closed");
    }

    private static int ioasAlloc(int fd, int flags, int size) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment alloc = call.allocate(Iommufd.IoasAlloc.LAYOUT);
            Iommufd.IoasAlloc.SIZE.set(alloc, size);
            Iommufd.IoasAlloc.FLAGS.set(alloc, flags);
            int result = Libc.ioctl(fd, Iommufd.IOMMU_IOAS_ALLOC, alloc);
            return result < 0 ? result : (int) Iommufd.IoasAlloc.OUT_IOAS_ID.get(alloc);
        }
    }

    private static int destroy(int fd, int id) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment destroy = call.allocate(Iommufd.Destroy.LAYOUT);
            Iommufd.Destroy.SIZE.set(destroy, (int) Iommufd.Destroy.LAYOUT.byteSize());
            Iommufd.Destroy.ID.set(destroy, id);
            return Libc.ioctl(fd, Iommufd.IOMMU_DESTROY, destroy);
        }
    }

    /** How many of this process's descriptors are open on {@code device}: shows open and close took effect. */
    private static long openDescriptorsOn(Path device) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(device);
                        } catch (IOException gone) {
                            return false; // the descriptor Files.list itself used, closed by now
                        }
                    })
                    .count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
    }

    private static String describe(List<long[]> ranges) {
        return ranges.stream()
                .map(r -> "0x" + Long.toHexString(r[0]) + "-0x" + Long.toHexString(r[1]))
                .toList()
                .toString();
    }

    private boolean check(String name, Object expected, Object actual, String detail) {
        if (Objects.equals(expected, actual)) {
            pass(name, detail);
            return true;
        }
        fail(name, String.valueOf(expected), actual + (detail.isEmpty() ? "" : " (" + detail + ")"));
        return false;
    }

    private void pass(String name, String detail) {
        passed++;
        out.println(("PASS " + name + " " + detail).strip());
    }

    private void fail(String name, String expected, String actual) {
        failed++;
        out.println("FAIL " + name + " expected " + expected + " got " + actual);
    }

    private void guarded(String group, Runnable checks) {
        try {
            checks.run();
        } catch (RuntimeException | Error e) {
            fail(group, "no exception", e.toString());
        }
    }
}
