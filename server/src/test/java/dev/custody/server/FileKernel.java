package dev.custody.server;

import dev.custody.live.HostCalls;
import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.LibcIo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for the kernel that holds real descriptors: every {@code open NAME ...} line opens a
 * file of its own in a temporary directory, holding the line's text, and keeps the descriptor behind
 * the name as the native agent does; {@code close NAME} closes it. Every other line answers ok.
 */
final class FileKernel implements HostCalls, AutoCloseable {
    private static final int O_CREAT = 0x40;

    private final Path directory;
    private final Map<String, Integer> descriptors = new ConcurrentHashMap<>();
    final List<String> performed = new ArrayList<>();

    FileKernel(Path directory) {
        this.directory = directory;
    }

    @Override
    public synchronized Answer perform(String step, String line) {
        performed.add(line);
        String[] words = line.split(" ");
        if (words[0].equals("open")) {
            int fd = Libc.open(directory.resolve(words[1]).toString(), Libc.O_RDWR | Libc.O_CLOEXEC | O_CREAT);
            if (fd < 0) {
                return new Answer("EIO", Map.of());
            }
            LibcIo.write(fd, line);
            descriptors.put(words[1], fd);
        } else if (words[0].equals("close")) {
            Integer fd = descriptors.remove(words[1]);
            if (fd == null) {
                return new Answer("EBADF", Map.of());
            }
            Libc.close(fd);
        }
        return new Answer("ok", Map.of());
    }

    @Override
    public synchronized int duplicate(String name) {
        Integer fd = descriptors.get(name);
        return fd == null ? -EBADF : Libc.duplicate(fd);
    }

    @Override
    public synchronized int adopt(String name, int fd) {
        if (descriptors.containsKey(name)) {
            return -17; // EEXIST
        }
        descriptors.put(name, fd);
        return 0;
    }

    /** Whether the stand-in holds a descriptor behind the name. */
    synchronized boolean holds(String name) {
        return descriptors.containsKey(name);
    }

    /** The name the last {@code open NAME KIND} line gave a file of that kind. */
    synchronized String opened(String kind) {
        return performed.reversed().stream()
                .map(line -> line.split(" "))
                .filter(words -> words[0].equals("open") && words.length > 2 && words[2].equals(kind))
                .map(words -> words[1])
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " was opened: " + performed));
    }

    /** Forgets a descriptor behind the engine's back, as a kernel that closed it would. */
    synchronized void lose(String name) {
        Integer fd = descriptors.remove(name);
        if (fd != null) {
            Libc.close(fd);
        }
    }

    @Override
    public synchronized void close() {
        descriptors.values().forEach(Libc::close);
        descriptors.clear();
    }
}
