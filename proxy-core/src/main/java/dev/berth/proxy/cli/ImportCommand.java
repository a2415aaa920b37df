package dev.berth.proxy.cli;

import dev.berth.proxy.SuppressForbidden;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.image.ImageReference;
import dev.berth.proxy.layout.Descriptor;
import dev.berth.proxy.layout.LayoutException;
import dev.berth.proxy.layout.OciLayoutReader;
import dev.berth.proxy.text.ByteSizes;
import dev.berth.proxy.transfer.CacheImporter;
import dev.berth.proxy.transfer.TransferException;
import dev.berth.storage.Storage;
import dev.berth.storage.StorageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth import}: an OCI image layout into the cache. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Load images from an OCI image layout (directory or tar) into the cache.",
    description = {
      "Stores every image of the layout's index.json in the cache, checking each manifest and"
          + " blob against its digest (a damaged one is refused and named), with its tag and"
          + " repository, so a node without access to the upstream serves it under pull policy"
          + " never. Layouts from 'berth export', skopeo (oci:, oci-archive:) and containerd"
          + " (ctr export) work.",
      "",
      "Each image is named by its index.json entry: io.containerd.image.name, or a full"
          + " reference in org.opencontainers.image.ref.name; when the ref name is only a tag"
          + " (skopeo's oci:DIR:TAG), give the repository with --name. The image's registry must"
          + " be a configured upstream (its URL need not be reachable). Stop the server first:"
          + " import writes to the cache directly.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  berth import images.tar",
      "  berth import --pin /mnt/usb/layout --data /var/lib/berth",
      "  berth import --name docker.io/library/nginx skopeo-layout/",
      "",
      "Exit status: 0 when every image was imported, 1 when the layout is damaged or an image"
          + " cannot be named or routed (images before it stay imported), 2 for a bad option."
    })
final class ImportCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private CacheOptions cache = new CacheOptions();

  @Parameters(paramLabel = "LAYOUT", description = "An OCI layout directory or tar file.")
  private Path layoutPath;

  @Option(
      names = "--name",
      paramLabel = "IMAGE",
      description = "The repository (or full reference) for entries whose ref name is a bare tag.")
  private @Nullable String name;

  @Option(names = "--pin", description = "Pin the imported images: eviction never removes them.")
  private boolean pin;

  @Override
  @SuppressForbidden(reason = "a command is a composition root: imports are stamped with now")
  public Integer call() throws IOException {
    BerthConfig berth = cache.load();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (OciLayoutReader layout = OciLayoutReader.open(layoutPath);
        Storage storage = CacheDirectory.openForWriting(berth, "stop it first")) {
      ProgressBar bar = new ProgressBar(err, Terminal.interactive());
      CacheImporter importer =
          new CacheImporter(
              storage, CacheDirectory.upstreams(berth), Clock.systemUTC(), bar::blobChecked);
      List<Descriptor> entries = layout.index();
      List<ImageReference> names = importer.names(layout, name);
      if (entries.isEmpty()) {
        err.println("berth: " + layoutPath + " holds no images (index.json lists none)");
        return 1;
      }
      long[] totals = importer.measure(layout);
      bar.started(totals[0], totals[1]);
      List<CacheImporter.Imported> done = new ArrayList<>();
      for (int i = 0; i < entries.size(); i++) {
        done.add(importer.importEntry(layout, entries.get(i), names.get(i), pin));
      }
      bar.finish();
      for (CacheImporter.Imported imported : done) {
        out.printf(
            "imported %s %s: %d platform%s, %d blobs, %s%s%s%n",
            imported.reference(),
            imported.digest(),
            imported.platforms(),
            imported.platforms() == 1 ? "" : "s",
            imported.blobs(),
            ByteSizes.format(imported.bytes()),
            imported.missingChildren() == 0
                ? ""
                : "; " + imported.missingChildren() + " platforms not in the layout",
            pin ? " (pinned)" : "");
        out.flush();
      }
      return 0;
    } catch (LayoutException | TransferException | StorageException e) {
      err.println("berth: " + e.getMessage());
      return 1;
    }
  }
}
