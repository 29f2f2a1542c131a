package dev.custody.live;

import dev.custody.model.DeviceId;
import dev.custody.nativeio.host.Uevent;
import dev.custody.nativeio.host.UeventAction;
import dev.custody.nativeio.host.UeventSource;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Uevents a test sends, in place of the kernel's socket. */
final class FakeUevents implements UeventSource {

    private final LinkedBlockingQueue<Uevent> queue = new LinkedBlockingQueue<>();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong seqnum = new AtomicLong(1000);
    private final AtomicBoolean failing = new AtomicBoolean();
    final CountDownLatch closed = new CountDownLatch(1);

    /** The kernel's uevent for a PCI function, as the parser would have made it. */
    void send(UeventAction action, DeviceId device, Optional<String> driver) {
        queue.add(new Uevent(
                action,
                "/devices/pci0000:00/" + device.name(),
                Uevent.PCI,
                driver,
                Optional.of(device.name()),
                seqnum.incrementAndGet(),
                new LinkedHashMap<>()));
    }

    /** What the socket does when its buffer overflowed: some events are gone, and it says so. */
    void loseSome() {
        lost.incrementAndGet();
        queue.add(new Uevent(
                UeventAction.CHANGE,
                "/devices/virtual/none",
                "none",
                Optional.empty(),
                Optional.empty(),
                0,
                new LinkedHashMap<>()));
    }

    /** The next receive fails as a broken socket would. */
    void fail() {
        failing.set(true);
        queue.add(new Uevent(
                UeventAction.CHANGE,
                "/devices/virtual/none",
                "none",
                Optional.empty(),
                Optional.empty(),
                0,
                new LinkedHashMap<>()));
    }

    @Override
    public Optional<Uevent> receive(Duration wait) throws IOException {
        Uevent next;
        try {
            next = queue.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        if (failing.get()) throw new IOException("the test broke the uevent source");
        return Optional.ofNullable(next);
    }

    @Override
    public long lost() {
        return lost.get();
    }

    @Override
    public void close() {
        closed.countDown();
    }
}
