package dev.berth.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.text.InvalidValueException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Storage sizes as bytes or percentages, and their resolution against a filesystem's total size
 * (given here as a number: no disk is read or filled).
 */
class StorageLimitsTest {
  private static final long GIB = 1L << 30;

  @ParameterizedTest
  @CsvSource({
    "25%, 1000, 250",
    "12.5%, 1000, 125",
    "' 50 % ', 1000, 500",
    "100%, 1000, 1000",
    "0%, 1000, 0",
    "33%, 10, 3", // rounded down to a whole byte
    "1GiB, 1000, 1073741824", // a size ignores the filesystem
    "0, 1000, 0"
  })
  void parse_thenResolve(String text, long filesystem, long bytes) {
    assertEquals(bytes, DiskSize.parse(text).resolve(filesystem));
  }

  @ParameterizedTest
  @ValueSource(strings = {"120%", "100.01%", "-1%", "abc%", "%", "1e2%", "50%%", "-5GiB", "lots"})
  void parse_bad_namesTheValue(String text) {
    InvalidValueException e = assertThrows(InvalidValueException.class, () -> DiskSize.parse(text));
    assertEquals(text, e.value());
  }

  @Test
  void defaultConfig_resolvesToAQuarterCapAndAFifthFree() {
    StorageConfig defaults =
        ConfigLoader.load(Optional.empty(), CommandLineOverrides.none()).storage();

    StorageLimits limits = defaults.resolve(100 * GIB);

    assertEquals(OptionalLong.of(25 * GIB), limits.maxSize());
    assertEquals(OptionalLong.of(25 * GIB / 100 * 90), limits.evictTo(), "90% of the cap");
    assertEquals(20 * GIB, limits.minFree());
    assertEquals(
        "max-size 25% = 25.0 GiB (evicts down to 22.5 GiB), min-free 20% = 20.0 GiB,"
            + " of a 100.0 GiB filesystem",
        limits.describe(defaults));
  }

  @Test
  void percentages_followTheFilesystem_bytesDoNot() {
    StorageConfig config =
        storage(Optional.of(DiskSize.parse("40%")), DiskSize.parse("2GiB"), Optional.empty());

    assertEquals(OptionalLong.of(40 * GIB), config.resolve(100 * GIB).maxSize());
    assertEquals(OptionalLong.of(400 * GIB), config.resolve(1000 * GIB).maxSize());
    assertEquals(2 * GIB, config.resolve(1000 * GIB).minFree());
  }

  @Test
  void lowWater_percentOfTheFilesystem_checkedAgainstTheCapOnceResolved() {
    StorageConfig config =
        storage(
            Optional.of(DiskSize.parse("10GiB")),
            DiskSize.parse("0"),
            Optional.of(DiskSize.parse("5%")));
    assertEquals(OptionalLong.of(5 * GIB), config.resolve(100 * GIB).evictTo());

    ConfigException e = assertThrows(ConfigException.class, () -> config.resolve(1000 * GIB));
    assertEquals(
        "storage.low-water 5% (50.0 GiB) must be above zero and below storage.max-size 10.0 GiB"
            + " (on a 1000.0 GiB filesystem)",
        e.getMessage());
  }

  @Test
  void maxSize_resolvingToZeroBytes_isAConfigError() {
    StorageConfig config =
        storage(Optional.of(DiskSize.parse("0.01%")), DiskSize.parse("0"), Optional.empty());

    ConfigException e = assertThrows(ConfigException.class, () -> config.resolve(5000));
    assertTrue(e.getMessage().startsWith("storage.max-size 0.01% is 0 bytes"), e.getMessage());
  }

  @Test
  void maxSizeNone_noCap() {
    StorageConfig config = storage(Optional.empty(), DiskSize.percent(20), Optional.empty());

    StorageLimits limits = config.resolve(100 * GIB);

    assertEquals(OptionalLong.empty(), limits.maxSize());
    assertEquals(OptionalLong.empty(), limits.evictTo());
    assertTrue(limits.describe(config).startsWith("max-size none (no cap)"));
  }

  private static StorageConfig storage(
      Optional<DiskSize> maxSize, DiskSize minFree, Optional<DiskSize> lowWater) {
    return new StorageConfig(Path.of("d"), maxSize, 1 << 20, minFree, lowWater, List.of());
  }
}
