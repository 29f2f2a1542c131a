package dev.custody.bench;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.custody.nativeio.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of one FFM downcall: to a libc function that does no system call ({@code labs}), to
 * one that does ({@code getpid}), and {@link Libc#ioctl} on /dev/null as the real backend issues
 * it (errno capture and a per-call confined arena included).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DowncallBenchmark {

    /** TCGETS: /dev/null is no terminal, so the kernel answers ENOTTY without side effects. */
    private static final long TCGETS = 0x5401;

    private static final MethodHandle LABS = downcall("labs", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    private static final MethodHandle GETPID = downcall("getpid", FunctionDescriptor.of(JAVA_INT));

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment termios = arena.allocate(64);
    private int devNull;
    private long value = -42;

    @Setup
    public void setUp() {
        devNull = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (devNull < 0) {
            throw new IllegalStateException("cannot open /dev/null: errno " + -devNull);
        }
    }

    @TearDown
    public void tearDown() {
        Libc.close(devNull);
        arena.close();
    }

    @Benchmark
    public long downcall_noop() throws Throwable {
        return (long) LABS.invokeExact(value);
    }

    @Benchmark
    public int downcall_getpid() throws Throwable {
        return (int) GETPID.invokeExact();
    }

    @Benchmark
    public int downcall_ioctl_devnull() {
        return Libc.ioctl(devNull, TCGETS, termios);
    }

    @SuppressWarnings("restricted") // the bench JVM runs with --enable-native-access
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor);
    }
}
