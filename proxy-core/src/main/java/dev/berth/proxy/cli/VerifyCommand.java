package dev.berth.proxy.cli;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.text.ByteSizes;
import dev.berth.storage.Storage;
import dev.berth.storage.StoreVerifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code berth verify}: re-hash everything in the cache, remove what is damaged. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Re-hashes every blob and manifest in the cache against its digest and removes the damaged"
          + " ones (a later pull fetches them again). Run it while berth is stopped: the cache is"
          + " locked by a running server.",
      "",
      "Exit code: 0 when everything verified, 1 when damage was found and removed, 2 on a"
          + " configuration error."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  berth verify", "  berth verify --data /var/lib/berth"})
final class VerifyCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private CacheOptions cache = new CacheOptions();

  @Override
  public Integer call() {
    BerthConfig berth = cache.load();
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Path path = berth.storage().path();
    try (Storage storage = CacheDirectory.openForWriting(berth, "")) {
      ProgressBar bar = new ProgressBar(err, Terminal.interactive());
      StoreVerifier.Report report = StoreVerifier.verify(storage, bar);
      bar.finish();
      for (String removed : report.removed()) {
        out.println("removed " + removed);
      }
      for (String unreadable : report.unreadable()) {
        out.println("could not read (kept; run verify again) " + unreadable);
      }
      out.printf(
          "verified %d blobs (%s) and %d manifests in %s: %s%n",
          report.blobs(),
          ByteSizes.format(report.bytes()),
          report.manifests(),
          path,
          summary(report));
      out.flush();
      return report.problems() ? 1 : 0;
    }
  }

  private static String summary(StoreVerifier.Report report) {
    if (!report.problems()) {
      return "all good";
    }
    List<String> parts = new ArrayList<>();
    if (report.damaged()) {
      parts.add(report.removed().size() + " damaged, removed");
    }
    if (!report.unreadable().isEmpty()) {
      parts.add(report.unreadable().size() + " could not be read, kept");
    }
    return String.join("; ", parts);
  }
}
