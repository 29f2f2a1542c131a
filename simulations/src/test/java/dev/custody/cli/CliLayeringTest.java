package dev.custody.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command line holds picocli adapters only: what a command does lives in the simulator, the
 * crash test, replay, the benchmarks, the oracle or the engine, where other callers can use it too.
 */
class CliLayeringTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.custody");

    private static final List<Class<? extends java.lang.annotation.Annotation>> PICOCLI_MEMBERS = List.of(
            CommandLine.Option.class,
            CommandLine.Parameters.class,
            CommandLine.Mixin.class,
            CommandLine.ArgGroup.class);

    @Test
    void everyCliClassIsACommandOrItsOptions() {
        classes()
                .that()
                .resideInAPackage("dev.custody.cli")
                .and()
                .areTopLevelClasses()
                .should(beACommandOrOptions())
                .check(CLASSES);
    }

    @Test
    void nothingOutsideTheCliDependsOnIt() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.custody.cli")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.custody.cli")
                .check(CLASSES);
    }

    private static ArchCondition<JavaClass> beACommandOrOptions() {
        return new ArchCondition<>("be a picocli command or a holder of picocli options") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                boolean command = type.isAnnotatedWith(CommandLine.Command.class);
                boolean options = type.getFields().stream()
                        .anyMatch(field -> PICOCLI_MEMBERS.stream().anyMatch(field::isAnnotatedWith));
                if (!command && !options) {
                    events.add(SimpleConditionEvent.violated(
                            type,
                            type.getName()
                                    + " is neither a @Command nor a holder of @Option/@Parameters/@Mixin/@ArgGroup fields;"
                                    + " move its logic out of the command line"));
                }
            }
        };
    }
}
