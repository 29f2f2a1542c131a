package dev.custody.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.rules.Mutant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The operation catalogue: every operation Custody knows, each described once ({@link Operation}).
 * It is the vocabulary of scenario files, of the simulator and random walks, of the oracle's guest
 * agent and of the control socket, and the one place that says which rule decides which command.
 */
public final class Operations {
    private Operations() {}

    private static final List<Operation<?>> ALL = Stream.of(
                    DriverCoreOperations.ALL,
                    IommuOperations.ALL,
                    VfioOperations.ALL,
                    IommufdOperations.ALL,
                    IommufdCopyOperations.ALL,
                    IommufdOptionOperations.ALL,
                    IommufdHwInfoOperations.ALL,
                    IommufdDirtyOperations.ALL,
                    HotResetOperations.ALL,
                    SysfsOperations.ALL)
            .flatMap(List::stream)
            .toList();

    private static final Map<String, Operation<?>> BY_NAME = byName();
    /** The first operation listed for a command is how the command is written when nothing says otherwise. */
    private static final Map<Class<?>, List<Operation<?>>> BY_COMMAND = byCommand();

    /** Every operation, in catalogue order. */
    public static List<Operation<?>> all() {
        return ALL;
    }

    public static Optional<Operation<?>> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    /** The operations that make {@code type} (close(2) has one per kind of file). */
    public static List<Operation<?>> forCommand(Class<?> type) {
        return BY_COMMAND.getOrDefault(type, List.of());
    }

    /** The operation a command is written as by default. */
    public static Operation<?> of(Command<?> command) {
        return PRIMARY.get(command.getClass());
    }

    /** The first operation of each command class, looked up once per class: every decision asks for it. */
    private static final ClassValue<Operation<?>> PRIMARY = new ClassValue<>() {
        @Override
        protected Operation<?> computeValue(Class<?> type) {
            List<Operation<?>> operations = forCommand(type);
            if (operations.isEmpty()) {
                throw new IllegalStateException(type.getSimpleName() + " has no operation in the catalogue");
            }
            return operations.getFirst();
        }
    };

    /** The pure model's decision of {@code command} from {@code state}. */
    public static Decision decide(KernelState state, Command<?> command) {
        return decide(state, command, Set.of());
    }

    /** As {@link #decide(KernelState, Command)}, with deliberately wrong rules on (see {@link Mutant}). */
    public static Decision decide(KernelState state, Command<?> command, Set<Mutant> mutants) {
        Operation<?> operation = of(command);
        return Kernel.decide(state, command, operation::decide, mutants);
    }

    /** Reads a validated step of operation {@code name}, resolving names through {@code names}. */
    public static Command<?> read(String name, int stepNumber, ObjectNode step, Map<String, Handle> names) {
        Operation<?> operation = find(name).orElseThrow(() -> new IllegalArgumentException("unknown op " + name));
        return operation.read(stepNumber, step, names);
    }

    /** The command as a step of its default operation. */
    public static ObjectNode write(Command<?> command, Function<Handle, JsonNode> namer) {
        return of(command).write(command, namer);
    }

    /**
     * The command with what it creates named {@code label}: how a tool that writes a trace as a file
     * gives each created object the name the file uses. Commands that create nothing come back as they are.
     */
    public static Command<?> relabel(Command<?> command, String label) {
        Operation<?> operation = of(command);
        if (operation.reply() != Reply.Created.class && operation.reply() != Reply.Attached.class) {
            return command;
        }
        Map<String, Handle> placeholders = new LinkedHashMap<>();
        ObjectNode step = operation.write(command, handle -> {
            String placeholder = "#" + placeholders.size();
            placeholders.put(placeholder, handle);
            return TextNode.valueOf(placeholder);
        });
        step.put("as", label);
        return operation.read(0, step, placeholders);
    }

    /** The objects a command refers to, in argument order. */
    public static List<Handle> handles(Command<?> command) {
        List<Handle> handles = new ArrayList<>();
        write(command, handle -> {
            handles.add(handle);
            return StepWriter.rawName(handle);
        });
        return handles;
    }

    /** The devices a command names. */
    public static List<DeviceId> devices(Command<?> command) {
        return arguments(command, ArgKind.DEVICE)
                .map(v -> new DeviceId(v.textValue()))
                .toList();
    }

    /** The groups a command names. */
    public static List<GroupId> groups(Command<?> command) {
        return arguments(command, ArgKind.GROUP)
                .map(v -> new GroupId(v.intValue()))
                .toList();
    }

    private static Stream<JsonNode> arguments(Command<?> command, ArgKind kind) {
        Operation<?> operation = of(command);
        ObjectNode step = operation.write(command, StepWriter::rawName);
        return operation.args().stream()
                .filter(a -> a.kind() == kind)
                .map(a -> step.get(a.name()))
                .filter(v -> v != null && !v.isNull());
    }

    /**
     * The outcome typed by the command's reply. A rule answering with another reply type is a bug in
     * the catalogue or the rule, and is reported as one.
     */
    public static <R extends Reply> Outcome<R> typed(Command<R> command, Outcome<Reply> outcome) {
        if (outcome instanceof Outcome.Ok<Reply> ok) {
            Class<? extends Reply> expected = of(command).reply();
            if (!expected.isInstance(ok.value())) {
                throw new IllegalStateException(
                        of(command).name() + " answered " + ok.value() + ", not a " + expected.getSimpleName());
            }
            @SuppressWarnings("unchecked") // checked just above against the catalogue's reply type of C
            Outcome<R> typed = (Outcome<R>) outcome;
            return typed;
        }
        return outcome.castFailure();
    }

    private static Map<String, Operation<?>> byName() {
        Map<String, Operation<?>> map = new LinkedHashMap<>();
        for (Operation<?> operation : ALL) {
            if (map.put(operation.name(), operation) != null) {
                throw new IllegalStateException("operation " + operation.name() + " is defined twice");
            }
        }
        return Collections.unmodifiableMap(map);
    }

    private static Map<Class<?>, List<Operation<?>>> byCommand() {
        Map<Class<?>, List<Operation<?>>> map = new LinkedHashMap<>();
        for (Operation<?> operation : ALL) {
            map.computeIfAbsent(operation.command(), c -> new ArrayList<>()).add(operation);
        }
        map.replaceAll((type, operations) -> List.copyOf(operations));
        return Collections.unmodifiableMap(map);
    }
}
