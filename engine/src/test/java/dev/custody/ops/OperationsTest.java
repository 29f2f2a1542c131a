package dev.custody.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OperationsTest {

    @Test
    void everyCommandHasAnOperationAndEveryOperationACommand() {
        List<String> missing = Arrays.stream(Command.class.getPermittedSubclasses())
                .filter(type -> Operations.forCommand(type).isEmpty())
                .map(Class::getSimpleName)
                .toList();
        assertTrue(missing.isEmpty(), "commands without an operation in the catalogue: " + missing);
        Set<Class<?>> commands = Set.of(Command.class.getPermittedSubclasses());
        for (Operation<?> operation : Operations.all()) {
            assertTrue(commands.contains(operation.command()), operation + " makes " + operation.command());
        }
    }

    @Test
    void everyOperationIsReachableByItsNameAndMadeBySomeGenerator() {
        for (Operation<?> operation : Operations.all()) {
            assertEquals(operation, Operations.find(operation.name()).orElseThrow());
        }
        Set<Class<?>> generated = Operations.all().stream()
                .filter(Operation::generates)
                .map(Operation::command)
                .collect(Collectors.toSet());
        List<String> never = Arrays.stream(Command.class.getPermittedSubclasses())
                .filter(t -> !generated.contains(t))
                .map(Class::getSimpleName)
                .toList();
        assertTrue(never.isEmpty(), "no generator makes " + never);
    }

    /** parse(emit(c)) == c for every operation, over many generated calls of each. */
    @Test
    void everyCommandReadsBackAsItWasWritten() {
        List<String> failures = new ArrayList<>();
        for (Operation<?> operation : Operations.all()) {
            Operation<?> generating = generatorOf(operation);
            for (long seed = 0; seed < 200; seed++) {
                Command<?> command = generating.generate(
                        new SymbolicDraw(seed * 31 + operation.name().hashCode()));
                ObjectNode step = operation.write(command, StepWriter::rawName);
                Command<?> read = Operations.read(operation.name(), 7, step, Map.of());
                if (!read.equals(command)) {
                    failures.add(operation + ": wrote " + command + " as " + step + ", read back " + read);
                    break;
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void namesGivenToObjectsAreResolvedWhenReadBack() {
        Handle container = new Handle.File(new dev.custody.model.FileId(4));
        Command<?> command = new Command.ContainerSetIommu(container, dev.custody.model.IommuType.TYPE1V2);
        ObjectNode step = Operations.write(command, h -> com.fasterxml.jackson.databind.node.TextNode.valueOf("c1"));
        assertEquals("{\"op\":\"vfio.container.set_iommu\",\"fd\":\"c1\",\"type\":\"type1v2\"}", step.toString());
        assertEquals(command, Operations.read("vfio.container.set_iommu", 3, step, Map.of("c1", container)));
    }

    @Test
    void everyOperationHasAnAgentLineAndInKernelOnesGoToTheTestModule() throws NotRealisable {
        for (Operation<?> operation : Operations.all()) {
            Command<?> command = sample(operation);
            String line = operation.agentLine(command, new FakeAgent());
            assertFalse(line.isBlank(), operation.name());
            if (operation.caller() == Caller.IN_KERNEL) {
                assertTrue(line.startsWith("kmod "), operation + ": " + line);
            }
        }
    }

    @Test
    void closeIsOneCommandWithOneSpellingPerKindOfFile() {
        assertEquals(
                List.of("vfio.container.close", "vfio.group.close", "vfio.device.close", "iommufd.close", "cdev.close"),
                Operations.forCommand(Command.Close.class).stream()
                        .map(Operation::name)
                        .toList());
    }

    /** One call of the operation, from its own generator or, for the other spellings of close, from the one that has it. */
    private static Command<?> sample(Operation<?> operation) {
        return generatorOf(operation).generate(new SymbolicDraw(1));
    }

    private static Operation<?> generatorOf(Operation<?> operation) {
        return operation.generates()
                ? operation
                : Operations.forCommand(operation.command()).stream()
                        .filter(Operation::generates)
                        .findFirst()
                        .orElseThrow();
    }
}
