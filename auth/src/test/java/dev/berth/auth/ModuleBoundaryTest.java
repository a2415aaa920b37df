package dev.berth.auth;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module rule from the README's architecture section: auth knows neither storage, nor the
 * proxy, nor Vert.x' HTTP server (token fetching is an SPI that proxy-core implements).
 */
class ModuleBoundaryTest {
  private static final JavaClasses AUTH =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.berth.auth");

  @Test
  void auth_dependsOnNeitherStorageNorProxyNorHttpServer() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.berth.storage..",
            "dev.berth.proxy..",
            "io.vertx.core.http..",
            "io.vertx.ext.web..",
            "io.netty..")
        .allowEmptyShould(true)
        .check(AUTH);
  }
}
