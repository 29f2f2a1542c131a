package dev.custody.oracle;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.ops.Draw;
import dev.custody.ops.HandleKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * How a random walk answers the catalogue's generators ({@link Draw}): the machine's endpoints and
 * groups, and for every object argument one of the kinds of argument the kernel tells apart: the right
 * object (mostly one of the newest, so groups and devices meet in one container or IOAS), an object of
 * the wrong kind, a stale name (closed or destroyed), an object of another iommufd context, or a raw
 * number that names nothing (fd -1).
 */
final class WalkDraw implements Draw {
    /** The kinds of argument a handle is drawn as. */
    enum Argument {
        RIGHT,
        WRONG_KIND,
        STALE,
        OTHER_CONTEXT,
        NOTHING
    }

    /** Thrown when the drawn call needs an object the walk has not made yet: another call is drawn. */
    static final class NoSuchObject extends RuntimeException {
        NoSuchObject() {
            super(null, null, false, false);
        }
    }

    // enum sets: their order is fixed, so the same seed draws the same walk in every JVM
    private static final Set<HandleKind> FILES = java.util.EnumSet.of(
            HandleKind.GROUP_FILE, HandleKind.CONTAINER, HandleKind.DEVICE_FILE, HandleKind.IOMMUFD, HandleKind.CDEV);
    private static final Set<HandleKind> OBJECTS = java.util.EnumSet.of(HandleKind.IOAS, HandleKind.HWPT);

    private final SplittableRandom random;
    private final WalkMachine machine;
    private final List<GroupId> groups;
    private final Map<HandleKind, List<String>> created = new EnumMap<>(HandleKind.class);
    private final Map<String, HandleKind> kinds = new HashMap<>();
    /** Names closed or destroyed by the walk. */
    private final Set<String> stale = new HashSet<>();
    /** Names whose call made them (a failed call leaves its name naming nothing). */
    private final Set<String> made = new HashSet<>();
    /** The iommufd each IOAS or HWPT name was allocated from. */
    private final Map<String, String> contexts = new HashMap<>();

    private final Map<String, String> cdevDevices = new HashMap<>();
    private final Map<Argument, Integer> drawn = new EnumMap<>(Argument.class);
    private int labels;
    /** Within one call: the last device and iommufd drawn, and the labels made. */
    private Optional<String> lastDevice = Optional.empty();

    private Optional<String> lastIommufd = Optional.empty();
    private final List<String> labelled = new ArrayList<>();

    WalkDraw(SplittableRandom random, WalkMachine machine, List<GroupId> groups) {
        this.random = random;
        this.machine = machine;
        this.groups = groups;
    }

    /** Forgets the previous call's draws; the next call starts afresh. */
    void beginCall() {
        lastDevice = Optional.empty();
        lastIommufd = Optional.empty();
        labelled.clear();
    }

    /** Records what a call that was kept made (the label its step names with "as") and unmade (a close or destroy makes a name stale). */
    void kept(Command<?> command, Optional<String> named) {
        Optional<HandleKind> kind = creates(command);
        for (String label : labelled) {
            if (!named.equals(Optional.of(label))) {
                continue; // drawn, but the call as kept names nothing by it
            }
            HandleKind k = kind.orElse(HandleKind.ANY);
            created.computeIfAbsent(k, x -> new ArrayList<>()).add(label);
            kinds.put(label, k);
            lastIommufd.filter(i -> OBJECTS.contains(k)).ifPresent(i -> contexts.put(label, i));
            if (command instanceof Command.CdevOpen open) {
                cdevDevices.put(label, open.device().name());
            }
        }
        switch (command) {
            case Command.Close close -> name(close.fd()).ifPresent(stale::add);
            case Command.Destroy destroy -> name(destroy.id()).ifPresent(stale::add);
            default -> {}
        }
    }

    /** The model says the call that named {@code label} made it. */
    void made(String label) {
        made.add(label);
    }

    /** The kind of file a name was opened as; empty for a raw number or a name never made. */
    Optional<HandleKind> kindOf(Handle handle) {
        return name(handle).map(kinds::get);
    }

    Optional<String> cdevDevice(Handle cdev) {
        return name(cdev).map(cdevDevices::get);
    }

    /** How many handles were drawn as each kind of argument, for the tests. */
    Map<Argument, Integer> drawn() {
        return drawn;
    }

    @Override
    public int below(int bound) {
        return random.nextInt(bound);
    }

    @Override
    public DeviceId device() {
        String device = pick(machine.endpoints());
        lastDevice = Optional.of(device);
        return new DeviceId(device);
    }

    @Override
    public GroupId group() {
        return pick(groups);
    }

    /** vfio-pci mostly, pci-stub, or the device's own kernel-DMA driver (vfio-pci where it has none). */
    @Override
    public String driver() {
        int pick = below(10);
        if (pick < 6) {
            return "vfio-pci";
        }
        if (pick < 8) {
            return "pci-stub";
        }
        return lastDevice.flatMap(machine::driverOf).orElse("vfio-pci");
    }

    @Override
    public Handle handle(HandleKind kind) {
        int roll = below(100);
        Argument argument = roll < 62
                ? Argument.RIGHT
                : roll < 74
                        ? Argument.WRONG_KIND
                        : roll < 86 ? Argument.STALE : roll < 94 ? Argument.OTHER_CONTEXT : Argument.NOTHING;
        Optional<String> name = switch (argument) {
            case RIGHT -> newest(live(kind));
            case WRONG_KIND -> any(wrongKind(kind));
            case STALE ->
                any(names(kind).stream()
                        .filter(n -> stale.contains(n) || !made.contains(n))
                        .toList());
            case OTHER_CONTEXT -> any(otherContext(kind));
            case NOTHING -> Optional.empty();
        };
        if (argument == Argument.NOTHING && FILES.contains(kind) || kind == HandleKind.ANY && name.isEmpty()) {
            count(Argument.NOTHING);
            return new Handle.Number(-1);
        }
        if (name.isEmpty() && argument != Argument.RIGHT) {
            argument = Argument.RIGHT;
            name = newest(live(kind));
        }
        if (name.isEmpty()) {
            // nothing of the kind is open any more: a stale name is all there is
            name = newest(names(kind));
            argument = name.isPresent() ? Argument.STALE : argument;
        }
        String chosen = name.orElseThrow(NoSuchObject::new);
        count(argument);
        if (kind == HandleKind.IOMMUFD) {
            lastIommufd = Optional.of(chosen);
        }
        return new Handle.Unbound(chosen);
    }

    @Override
    public String label() {
        String label = "o" + (++labels);
        labelled.add(label);
        return label;
    }

    private void count(Argument argument) {
        drawn.merge(argument, 1, Integer::sum);
    }

    /** Names made as the kind; a page table is an IOAS or a HWPT, and any is any file. */
    private List<String> names(HandleKind kind) {
        Set<HandleKind> wanted = switch (kind) {
            case PAGE_TABLE -> OBJECTS;
            case DOMAIN -> java.util.EnumSet.of(HandleKind.HWPT);
            case ANY -> FILES;
            default -> java.util.EnumSet.of(kind);
        };
        List<String> names = new ArrayList<>();
        // in creation order: labels count up
        kinds.forEach((name, k) -> {
            if (wanted.contains(k)) {
                names.add(name);
            }
        });
        names.sort(java.util.Comparator.comparingInt(n -> Integer.parseInt(n.substring(1))));
        return names;
    }

    /** Names of the kind made and not closed or destroyed since. */
    private List<String> live(HandleKind kind) {
        return names(kind).stream()
                .filter(n -> made.contains(n) && !stale.contains(n))
                .toList();
    }

    /** Files for a file, objects for an object: a name of the other family would not reach the kernel's check. */
    private List<String> wrongKind(HandleKind kind) {
        Set<HandleKind> family = OBJECTS.contains(kind) || kind == HandleKind.PAGE_TABLE ? OBJECTS : FILES;
        List<String> names = new ArrayList<>();
        for (HandleKind other : family) {
            // an IOAS and a HWPT are both right for a page table: it has no wrong kind of object
            if (other != kind && kind != HandleKind.PAGE_TABLE) {
                names.addAll(created.getOrDefault(other, List.of()));
            }
        }
        return names;
    }

    /** An IOAS or HWPT of another iommufd than the one this call names. */
    private List<String> otherContext(HandleKind kind) {
        if (!OBJECTS.contains(kind) && kind != HandleKind.PAGE_TABLE) {
            return List.of();
        }
        return names(kind).stream()
                .filter(n -> lastIommufd.isPresent() && !lastIommufd.equals(Optional.ofNullable(contexts.get(n))))
                .toList();
    }

    /** The newest name half the time, else one of the four newest: what was made together is used together. */
    private Optional<String> newest(List<String> names) {
        if (names.isEmpty()) {
            return Optional.empty();
        }
        int k = coin() ? 0 : below(Math.min(names.size(), 4));
        return Optional.of(names.get(names.size() - 1 - k));
    }

    private Optional<String> any(List<String> names) {
        return names.isEmpty() ? Optional.empty() : Optional.of(pick(names));
    }

    private static Optional<String> name(Handle handle) {
        return handle instanceof Handle.Unbound u ? Optional.of(u.name()) : Optional.empty();
    }

    /** The kind of what a call makes under its label. */
    private static Optional<HandleKind> creates(Command<?> command) {
        return Optional.ofNullable(
                switch (command) {
                    case Command.GroupOpen c -> HandleKind.GROUP_FILE;
                    case Command.ContainerOpen c -> HandleKind.CONTAINER;
                    case Command.GetDeviceFd c -> HandleKind.DEVICE_FILE;
                    case Command.IommufdOpen c -> HandleKind.IOMMUFD;
                    case Command.CdevOpen c -> HandleKind.CDEV;
                    case Command.IoasAlloc c -> HandleKind.IOAS;
                    case Command.HwptAlloc c -> HandleKind.HWPT;
                    case Command.CdevAttach c -> HandleKind.HWPT;
                    default -> null;
                });
    }
}
