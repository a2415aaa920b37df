package dev.berth.proxy.cli;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.image.ImageReference;
import dev.berth.proxy.image.InvalidReferenceException;
import dev.berth.proxy.layout.LayoutException;
import dev.berth.proxy.layout.OciLayoutWriter;
import dev.berth.proxy.prefetch.PlatformFilter;
import dev.berth.proxy.prefetch.PrefetchInputException;
import dev.berth.proxy.text.ByteSizes;
import dev.berth.proxy.transfer.CacheExporter;
import dev.berth.proxy.transfer.TransferException;
import dev.berth.proxy.upstream.UnknownUpstreamException;
import dev.berth.storage.Digest;
import dev.berth.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth export}: cached images out as an OCI image layout. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Write cached images to an OCI image layout (directory or tar), for air-gapped nodes.",
    description = {
      "Copies images from the cache into an OCI image layout: a directory, or a tar file when"
          + " the output name ends in .tar. Manifests are written byte for byte, so digests stay"
          + " the same, and each image is named in index.json by its full reference, which"
          + " 'berth import' reads back (so do skopeo's oci: and containerd's ctr import)."
          + " Blob bytes are checked against their digests on the way out.",
      "",
      "It reads the cache without locking it, so it also works beside a running server.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  berth export nginx:1.27 registry.k8s.io/pause:3.10 -o images.tar",
      "  berth export --platform linux/amd64 -o /mnt/usb/layout ghcr.io/org/app:2.1",
      "",
      "Exit status: 0 when every image was written, 1 when one is not (wholly) cached or the"
          + " output fails (nothing is left that looks complete), 2 for a bad option."
    })
final class ExportCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private CacheOptions cache = new CacheOptions();

  @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "Cached image references.")
  private List<String> images = new ArrayList<>();

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "DIR|FILE.tar",
      description =
          "Where to write: a directory (created, or an existing layout merged) or a .tar.")
  private Path output;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      split = ",",
      description = "Platforms of multi-platform images to export. Default: all that are cached.")
  private List<String> platforms = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    PlatformFilter filter;
    List<ImageReference> refs = new ArrayList<>();
    try {
      filter = PlatformFilter.parse(platforms);
      for (String image : images) {
        refs.add(ImageReference.parseDockerRef(image));
      }
    } catch (PrefetchInputException | InvalidReferenceException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    BerthConfig berth = cache.load();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (Storage storage = CacheDirectory.openForReading(berth)) {
      ProgressBar bar = new ProgressBar(err, Terminal.interactive());
      CacheExporter exporter =
          new CacheExporter(storage, CacheDirectory.upstreams(berth), bar::blobChecked);
      List<CacheExporter.Plan> plans = new ArrayList<>();
      for (ImageReference ref : refs) {
        try {
          plans.add(exporter.plan(ref, filter));
        } catch (TransferException | UnknownUpstreamException e) {
          err.println("berth: " + e.getMessage());
          return 1;
        }
      }
      Map<Digest, Long> unique = new HashMap<>(); // a blob shared by images is written once
      plans.forEach(p -> p.blobs().forEach(b -> unique.put(b.digest(), b.size())));
      bar.started(unique.size(), unique.values().stream().mapToLong(Long::longValue).sum());
      OciLayoutWriter layout =
          output.getFileName().toString().endsWith(".tar")
              ? OciLayoutWriter.tar(output)
              : OciLayoutWriter.directory(output);
      try {
        for (CacheExporter.Plan plan : plans) {
          exporter.write(plan, layout);
        }
      } catch (IOException | RuntimeException e) {
        layout.abort();
        bar.finish();
        err.println("berth: export failed, nothing written to " + output + ": " + e.getMessage());
        return 1;
      }
      layout.close();
      bar.finish();
      for (CacheExporter.Plan plan : plans) {
        out.printf(
            "exported %s %s (%s): %d blobs, %s%s%n",
            plan.reference(),
            plan.top().digest(),
            String.join(",", plan.platforms()),
            plan.blobs().size(),
            ByteSizes.format(plan.bytes()),
            plan.skippedPlatforms().isEmpty()
                ? ""
                : "; not exported: " + String.join(",", plan.skippedPlatforms()));
      }
      out.printf(
          "wrote %s (%s)%n",
          output, Files.isDirectory(output) ? "OCI layout directory" : "OCI layout tar");
      out.flush();
      return 0;
    } catch (LayoutException e) {
      err.println("berth: " + e.getMessage());
      return 1;
    }
  }
}
