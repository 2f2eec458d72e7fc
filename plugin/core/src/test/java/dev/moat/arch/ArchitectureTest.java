package dev.moat.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The core's layering, checked on its compiled classes so the structure the README describes stays
 * true. From the bottom: {@code spi} (depends on nothing of Moat's) → {@code internal} → {@code
 * key} → the protections ({@code sampling}, {@code watermark}, {@code enforce}) and {@code
 * forensics} → {@code policy} → {@code state}, {@code detect} → the facade {@code dev.moat}. Each
 * package is a slice and no two slices may depend on each other in a circle.
 */
class ArchitectureTest {
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.moat");
  }

  /** Every package of the core is its own slice. */
  private static final SliceAssignment BY_PACKAGE =
      new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
          String p = javaClass.getPackageName();
          return p.startsWith("dev.moat") ? SliceIdentifier.of(p) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
          return "the core's packages";
        }
      };

  @Test
  void importedTheWholeCore() {
    // A rule over no classes passes vacuously; make sure the import found the core.
    org.junit.jupiter.api.Assertions.assertTrue(
        core.containPackage("dev.moat.spi") && core.containPackage("dev.moat.internal"),
        "imported");
    org.junit.jupiter.api.Assertions.assertTrue(core.size() > 100, "classes: " + core.size());
  }

  @Test
  void noPackageCycles() {
    slices().assignedFrom(BY_PACKAGE).should().beFreeOfCycles().check(core);
  }

  @Test
  void spiDependsOnNothingElseInMoat() {
    classes()
        .that()
        .resideInAPackage("dev.moat.spi")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.moat.spi", "java..", "org.jspecify..")
        .check(core);
  }

  @Test
  void theClockDependsOnNothingElseInMoat() {
    classes()
        .that()
        .resideInAPackage("dev.moat.time")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.moat.time", "java..", "org.jspecify..")
        .check(core);
  }

  @Test
  void internalSitsBelowTheApi() {
    classes()
        .that()
        .resideInAPackage("dev.moat.internal..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "dev.moat.internal..",
            "dev.moat.spi",
            "java..",
            "jdk.incubator.vector",
            "org.jspecify..",
            "org.slf4j")
        .check(core);
  }

  @Test
  void keyMaterialIsNeutral() {
    classes()
        .that()
        .resideInAPackage("dev.moat.key")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "dev.moat.key", "dev.moat.internal", "java..", "javax.crypto..", "org.jspecify..")
        .check(core);
  }

  @Test
  void protectionsDoNotReachUpOrAcross() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.moat.sampling", "dev.moat.watermark", "dev.moat.enforce", "dev.moat.forensics")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.moat", "dev.moat.policy", "dev.moat.detect..", "dev.moat.state")
        .check(core);
    noClasses()
        .that()
        .resideInAPackage("dev.moat.watermark")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.moat.enforce..", "dev.moat.sampling")
        .check(core);
    noClasses()
        .that()
        .resideInAPackage("dev.moat.enforce")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.moat.watermark", "dev.moat.sampling")
        .check(core);
  }

  @Test
  void onlyTheFacadeDependsOnTheFacade() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.moat")
        .and()
        .resideInAPackage("dev.moat..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.moat")
        .check(core);
  }

  @Test
  void redisStaysInItsBackends() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.moat.detect.redis", "dev.moat.enforce.redis")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("redis.clients..", "io.github.bucket4j.redis..")
        .check(core);
  }
}
