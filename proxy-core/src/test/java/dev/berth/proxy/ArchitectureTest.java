package dev.berth.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The layering of proxy-core's packages: which package may use which ({@link #MAY_USE}, lowest
 * first), no cycle between packages, and the README's table ("Inside proxy-core") saying the same.
 * A new dependency between packages is a decision: make it here and in the README together.
 */
class ArchitectureTest {
  /** Package (below dev.berth.proxy) to the packages it may use; sub-packages count as theirs. */
  static final Map<String, Set<String>> MAY_USE = new LinkedHashMap<>();

  static {
    rule("text");
    rule("image");
    rule("policy", "image", "text");
    rule("config", "image", "policy", "text");
    rule("upstream", "config", "image", "policy", "text");
    rule("pull", "config", "image", "policy", "text", "upstream");
    rule("access", "config", "image", "policy", "pull", "text", "upstream");
    rule("metrics", "access", "upstream");
    rule("layout", "image", "text");
    rule("prefetch", "image", "text");
    rule("mirror", "config");
    rule("transfer", "image", "layout", "prefetch", "text", "upstream");
    rule("retention", "config", "image", "metrics", "text", "upstream");
    rule("api", "access", "image", "metrics", "policy", "pull", "text", "upstream");
    rule("admin", "image", "metrics", "retention", "text", "upstream");
    rule(
        "server",
        "access",
        "admin",
        "api",
        "retention",
        "config",
        "image",
        "metrics",
        "policy",
        "pull",
        "text",
        "upstream");
    rule(
        "cli",
        "admin",
        "retention",
        "config",
        "image",
        "layout",
        "metrics",
        "mirror",
        "policy",
        "prefetch",
        "server",
        "text",
        "transfer",
        "upstream");
  }

  private static void rule(String pkg, String... mayUse) {
    MAY_USE.put(pkg, new TreeSet<>(Arrays.asList(mayUse)));
  }

  private static final JavaClasses PROXY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.berth.proxy");

  @Test
  void everyPackageUsesOnlyWhatItMay() {
    for (var rule : MAY_USE.entrySet()) {
      String[] forbidden =
          MAY_USE.keySet().stream()
              .filter(p -> !p.equals(rule.getKey()) && !rule.getValue().contains(p))
              .map(p -> "dev.berth.proxy." + p + "..")
              .toArray(String[]::new);
      noClasses()
          .that()
          .resideInAPackage("dev.berth.proxy." + rule.getKey() + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(forbidden)
          .because(
              rule.getKey() + " may use only " + rule.getValue() + " (ArchitectureTest.MAY_USE)")
          .check(PROXY);
    }
  }

  @Test
  void everyPackageHasARule() {
    Set<String> packages =
        PROXY.stream()
            .map(c -> c.getPackageName())
            .filter(p -> p.startsWith("dev.berth.proxy."))
            .map(p -> p.substring("dev.berth.proxy.".length()).replaceAll("\\..*", ""))
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(MAY_USE.keySet()), packages, "packages of proxy-core with a rule");
  }

  /**
   * The proxy's services use the storage interfaces ({@code dev.berth.storage}); only the code that
   * opens the cache (the server's wiring, the commands) reaches an implementation, and then only
   * through its opener: the local store's engine is named nowhere in proxy-core.
   */
  @Test
  void onlyTheCompositionRootsOpenStorage() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.berth.proxy.server..", "dev.berth.proxy.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.berth.storage.local..", "dev.berth.storage.s3..")
        .check(PROXY);
  }

  @Test
  void noClassNamesTheLocalStoresEngine() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.berth.storage.rocksdb..")
        .check(PROXY);
  }

  @Test
  void packagesAreFreeOfCycles() {
    slices().matching("dev.berth.proxy.(*)..").should().beFreeOfCycles().check(PROXY);
  }

  /** The README's table, between its markers: one row per package, "may use" comma-separated. */
  @Test
  void readmeTableSaysTheSame() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String table =
        readme.substring(
            readme.indexOf("<!-- proxy-core-layers -->"),
            readme.indexOf("<!-- /proxy-core-layers -->"));
    Map<String, Set<String>> documented = new TreeMap<>();
    for (String line : table.split("\n")) {
      String[] cells = line.split("\\|");
      if (cells.length >= 4 && cells[1].trim().startsWith("`") && !cells[1].contains("---")) {
        String pkg = cells[1].trim().replace("`", "");
        Set<String> uses = new TreeSet<>();
        for (String u : cells[3].split(",")) {
          String name = u.trim().replace("`", "");
          if (!name.isEmpty() && !name.equals("—")) {
            uses.add(name);
          }
        }
        documented.put(pkg, uses);
      }
    }
    assertEquals(new TreeMap<>(MAY_USE), documented, "README 'Inside proxy-core' vs MAY_USE");
  }
}
