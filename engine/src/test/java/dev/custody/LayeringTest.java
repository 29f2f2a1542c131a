package dev.custody;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.custody.model.event.KernelEvent;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The layers of the engine, each knowing only the ones below it: {@code model} depends on nothing but
 * the JDK; {@code rules} decides with the model alone, without actors, JSON, I/O, threads, clocks or
 * randomness, and without the layers built on it; and nothing in the engine module reaches for the
 * journal's serializer or JDBC, which belong to persistence.
 */
@AnalyzeClasses(packages = "dev.custody", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    @ArchTest
    static final ArchRule modelDependsOnNothingButTheJdk = classes()
            .that()
            .resideInAPackage("dev.custody.model..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("dev.custody.model..", "java..")
            .because("the model's values and state are what every other layer is built from");

    @ArchTest
    static final ArchRule rulesUseNoFrameworkAndNoIo = noClasses()
            .that()
            .resideInAPackage("dev.custody.rules..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.apache.pekko..",
                    "com.fasterxml..",
                    "com.esotericsoftware..",
                    "java.io..",
                    "java.nio.file..",
                    "java.net..",
                    "java.sql..",
                    "java.util.concurrent..")
            .because("the rules are pure functions of (state, command), the same in actors, simulator and replay");

    @ArchTest
    static final ArchRule rulesStartNoThreads = noClasses()
            .that()
            .resideInAPackage("dev.custody.rules..")
            .should()
            .dependOnClassesThat()
            .areAssignableTo(Thread.class)
            .because("a decision runs on whatever thread decides it and never starts another");

    @ArchTest
    static final ArchRule rulesReadNoClock = noClasses()
            .that()
            .resideInAPackage("dev.custody.rules..")
            .should()
            .dependOnClassesThat()
            .belongToAnyOf(Clock.class, Instant.class, InstantSource.class)
            .orShould()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethodWhere(target(name("now")).and(target(owner(resideInJavaTime()))))
            .because("the same state and command must decide the same way at any time");

    @ArchTest
    static final ArchRule rulesDrawNoRandomNumbers = noClasses()
            .that()
            .resideInAPackage("dev.custody.rules..")
            .should()
            .dependOnClassesThat()
            .areAssignableTo(Random.class)
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(SecureRandom.class)
            .because("a decision is a function of the state and the command only");

    @ArchTest
    static final ArchRule rulesKnowNothingBuiltOnThem = noClasses()
            .that()
            .resideInAPackage("dev.custody.rules..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "dev.custody.entity..", "dev.custody.api..", "dev.custody.scenario..", "dev.custody.invariants..")
            .because("actors, the API, scenarios and invariant checks use the rules, never the reverse");

    /** The engine module's own classes, not those of the modules on its class path. */
    @Test
    void theEngineModuleHoldsNoSerializerAndNoJdbc() throws URISyntaxException {
        Path engineClasses = Path.of(KernelEvent.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        JavaClasses engine = new ClassFileImporter().importLocations(Set.of(Location.of(engineClasses)));
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("com.esotericsoftware..", "java.sql..", "javax.sql..")
                .because("Kryo and JDBC are the persistence module's")
                .check(engine);
    }

    private static DescribedPredicate<JavaClass> resideInJavaTime() {
        return JavaClass.Predicates.resideInAPackage("java.time..");
    }
}
