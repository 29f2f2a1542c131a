package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IovaSpan;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A fuzzer's mutation of a call the rules should accept: one argument replaced by a value of the same
 * type that is likely wrong (a stale or wrong-kind fd, an absent device, a group that does not exist,
 * a size of 0, a misaligned or wrapping address, no permission flags, an unknown flag bit, reversed
 * ranges). The other arguments stay live, so the refusal comes from the check of that one argument,
 * deep in the rule, rather than from the first lookup.
 */
final class ArgumentMutator {
    private ArgumentMutator() {}

    private static final long[] BAD_NUMBERS = {
        0, 0x123, 0xfee0_0000L, 0xffff_ffff_ffff_f000L, -1L, 1L << 52, 0x7fff_ffff_ffff_f000L, 0x1000
    };

    private static final List<String> DRIVERS = List.of("ahci", "pci-stub", "e1000", "virtio-pci", "pcieport");

    static Command<?> mutate(Command<?> command, Pick p) {
        RecordComponent[] components = command.getClass().getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            try {
                values[i] = components[i].getAccessor().invoke(command);
            } catch (ReflectiveOperationException unreadable) {
                throw new IllegalStateException("cannot read " + components[i], unreadable);
            }
        }
        int which = p.random.nextInt(components.length);
        values[which] = wrong(components[which], values[which], p);
        try {
            Constructor<?> canonical = command.getClass().getDeclaredConstructor(types);
            return (Command<?>) canonical.newInstance(values);
        } catch (ReflectiveOperationException unbuildable) {
            throw new IllegalStateException("cannot build " + command.getClass().getSimpleName(), unbuildable);
        }
    }

    private static Object wrong(RecordComponent component, Object value, Pick p) {
        return switch (value) {
            case Handle h -> p.wrongHandle();
            case DeviceId d ->
                p.random.nextBoolean() ? p.device(s -> !s.present()).orElse(p.anyDevice()) : p.anyDevice();
            case GroupId g -> p.random.nextBoolean() ? new GroupId(100_000) : p.anyGroupId();
            case Long l -> BAD_NUMBERS[p.random.nextInt(BAD_NUMBERS.length)];
            case Boolean b -> !b;
            case OptionalLong o ->
                o.isPresent() && p.random.nextBoolean()
                        ? OptionalLong.empty()
                        : OptionalLong.of(BAD_NUMBERS[p.random.nextInt(BAD_NUMBERS.length)]);
            // a raw flag word (an ioctl's flags as the uapi spells them): a bit the kernel does not know, or none
            case OptionalInt o -> OptionalInt.of(p.random.nextBoolean() ? 1 << (3 + p.random.nextInt(29)) : 0);
            case Optional<?> o -> o.isPresent() ? Optional.empty() : Optional.of("pci-stub");
            // a driver of the catalogue the device does not match; a name of no driver at all is not
            // a refusal the model gives (bind_store's sysfs file would not exist): the engine rejects it
            case String s -> DRIVERS.get(p.random.nextInt(DRIVERS.size()));
            case Integer n -> p.random.nextBoolean() ? 0 : -1;
            case Enum<?> e -> {
                Object[] constants = e.getDeclaringClass().getEnumConstants();
                yield constants[p.random.nextInt(constants.length)];
            }
            case Set<?> s -> randomSubset(component.getGenericType(), p);
            case List<?> l -> listOfHandles(component) ? List.of(p.wrongHandle()) : badSpans(p);
            default -> value;
        };
    }

    /** A list of handles (a hot reset's group fds), not of spans. */
    private static boolean listOfHandles(RecordComponent component) {
        return component.getGenericType() instanceof ParameterizedType parameterized
                && parameterized.getActualTypeArguments()[0] == Handle.class;
    }

    /** Any subset of the set's enum type, often the empty one (no permission at all). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Set<?> randomSubset(Type type, Pick p) {
        if (type instanceof ParameterizedType parameterized
                && parameterized.getActualTypeArguments()[0] instanceof Class<?> element
                && element.isEnum()) {
            EnumSet subset = EnumSet.noneOf((Class) element);
            for (Object constant : element.getEnumConstants()) {
                if (p.random.nextInt(3) == 0) {
                    subset.add(constant);
                }
            }
            return Set.copyOf(subset);
        }
        return Set.of();
    }

    /** Allowed IOVA ranges that are reversed, unaligned, overlap each other or cover the MSI window. */
    private static List<IovaSpan> badSpans(Pick p) {
        List<IovaSpan> spans = new ArrayList<>();
        switch (p.random.nextInt(4)) {
            case 0 -> spans.add(new IovaSpan(0x2000, 0x1000));
            case 1 -> spans.add(new IovaSpan(0x1001, 0x2fff));
            case 2 -> {
                spans.add(new IovaSpan(0x10_0000, 0x2f_ffff));
                spans.add(new IovaSpan(0x20_0000, 0x3f_ffff));
            }
            default -> spans.add(new IovaSpan(0, -1L));
        }
        return spans;
    }
}
