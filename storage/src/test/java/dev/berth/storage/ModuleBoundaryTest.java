package dev.berth.storage;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module rule from the README's architecture section: storage knows neither auth, nor the
 * proxy, nor any HTTP server. (Vert.x is not even on this module's classpath; the rule keeps it
 * that way should someone add it.)
 */
class ModuleBoundaryTest {
  private static final JavaClasses STORAGE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.berth.storage");

  @Test
  void storage_dependsOnNeitherAuthNorProxyNorHttp() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.berth.auth..", "dev.berth.proxy..", "io.vertx..", "io.netty..", "java.net.http..")
        .check(STORAGE);
  }
}
