package dev.berth.proxy.cli;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.DiskSize;
import dev.berth.proxy.config.StorageConfig;
import dev.berth.proxy.config.StorageLimits;
import dev.berth.proxy.retention.CacheKeeper;
import dev.berth.proxy.text.ByteSizes;
import dev.berth.proxy.text.InvalidValueException;
import dev.berth.storage.Storage;
import dev.berth.storage.eviction.CollectionReport;
import dev.berth.storage.eviction.RemovalListener;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth gc}: eviction, orphan cleanup and compaction, now. */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Shrink the cache now: evict above the size cap, drop orphans, compact.",
    description = {
      "Runs what a server does in the background, at once, on a stopped cache: evicts least"
          + " recently used content while stored bytes exceed storage.max-size (down to"
          + " storage.low-water, default 90%% of it; pinned images stay), removes repository links"
          + " to content that is gone, then compacts RocksDB so freed space returns to the file"
          + " system. Prints what it removed and the disk usage before and after.",
      "",
      "While a server runs on the cache, ask it instead through its admin API, with its admin"
          + " token (admin-token-file, default DATA/admin-token): curl -X POST -H"
          + " \"Authorization: Bearer $(cat /var/lib/berth/admin-token)\""
          + " http://127.0.0.1:9090/admin/gc",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  berth gc",
      "  berth gc --config /etc/berth/config.yaml",
      "  berth gc --data /var/lib/berth --max-size 20GiB",
      "",
      "Exit status: 0 when done, 1 when the cache cannot be opened, 2 for a bad option or"
          + " configuration."
    })
final class GcCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private CacheOptions cache = new CacheOptions();

  @Option(
      names = "--max-size",
      paramLabel = "SIZE",
      description = {
        "Evict down to this size now (replaces storage.max-size for this run; the low-water"
            + " mark is 90%% of it). A percentage is of the data directory's filesystem.",
        "Example: --max-size 20GiB, --max-size 10%%"
      })
  private Optional<String> maxSize = Optional.empty();

  @Override
  public Integer call() {
    BerthConfig berth = cache.load();
    StorageConfig storageConfig = berth.storage();
    if (maxSize.isPresent()) {
      storageConfig = storageConfig.withMaxSize(Optional.of(parseMaxSize(maxSize.get())));
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    QuietServerLogs.apply(); // the summary below says what the eviction log line would
    String askTheServer =
        "curl -X POST -H \"Authorization: Bearer $(cat "
            + berth.adminTokenPath()
            + ")\" http://"
            + berth.admin()
            + "/admin/gc asks it to collect";
    try (Storage storage = CacheDirectory.openForWriting(berth, askTheServer)) {
      StorageLimits limits = storageConfig.resolveOn(storage.path());
      CacheKeeper keeper =
          CacheKeeper.create(
              storageConfig,
              limits,
              storage,
              CacheDirectory.upstreams(berth),
              RemovalListener.NONE,
              null);
      err.println("collecting in " + storage.path() + " (compaction can take minutes)...");
      err.flush();
      CacheKeeper.GcSummary summary = keeper.gc();
      printSummary(out, summary, limits.maxSize());
      return 0;
    }
  }

  private DiskSize parseMaxSize(String text) {
    DiskSize size;
    try {
      size = DiskSize.parse(text);
    } catch (InvalidValueException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--max-size " + text + ": " + e.problem());
    }
    if (size.isZero()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--max-size " + text + ": expected a size above zero");
    }
    return size;
  }

  static void printSummary(PrintWriter out, CacheKeeper.GcSummary summary, OptionalLong maxSize) {
    if (summary.eviction().isPresent()) {
      CollectionReport e = summary.eviction().get();
      out.printf(
          "evicted %d blobs and %d manifests (%s), %d tags with them%s%n",
          e.blobsRemoved(),
          e.manifestsRemoved(),
          ByteSizes.format(e.bytesRemoved()),
          e.tagsRemoved(),
          e.inUse().isEmpty() ? "" : "; " + e.inUse().size() + " blobs in use were kept");
    } else if (maxSize.isPresent()) {
      out.printf(
          "nothing to evict: %s stored, max-size %s%n",
          ByteSizes.format(summary.storedBytes()), ByteSizes.format(maxSize.getAsLong()));
    } else {
      out.println("nothing to evict: storage.max-size is none");
    }
    out.printf("removed %d orphaned repository links%n", summary.orphans().linksRemoved());
    out.printf(
        "stored %s; on disk %s -> %s after compaction%n",
        ByteSizes.format(summary.storedBytes()),
        ByteSizes.format(summary.diskBytesBefore()),
        ByteSizes.format(summary.diskBytesAfter()));
    out.flush();
  }
}
