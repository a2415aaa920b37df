package dev.berth.storage.s3;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module rule from the README's architecture section: the S3 backend knows storage's interfaces
 * and the AWS SDK, neither auth nor the proxy nor the RocksDB engine.
 */
class ModuleBoundaryTest {
  private static final JavaClasses S3 =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.berth.storage.s3");

  @Test
  void s3Backend_dependsOnStorageInterfacesOnly() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.berth.auth..",
            "dev.berth.proxy..",
            "dev.berth.storage.rocksdb..",
            "io.vertx..",
            "io.netty..",
            "org.rocksdb..")
        .check(S3);
  }
}
