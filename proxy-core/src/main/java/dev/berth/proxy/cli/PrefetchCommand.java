package dev.berth.proxy.cli;

import dev.berth.proxy.admin.AdminToken;
import dev.berth.proxy.admin.AdminTokenException;
import dev.berth.proxy.admin.AdminTokenFile;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.image.ImageReference;
import dev.berth.proxy.image.InvalidReferenceException;
import dev.berth.proxy.prefetch.ImageListFile;
import dev.berth.proxy.prefetch.ImageUse;
import dev.berth.proxy.prefetch.KubernetesImages;
import dev.berth.proxy.prefetch.PlatformFilter;
import dev.berth.proxy.prefetch.PrefetchInputException;
import dev.berth.proxy.prefetch.PulledImage;
import dev.berth.proxy.prefetch.RegistryPuller;
import dev.berth.proxy.server.BerthServer;
import dev.berth.proxy.server.ServerStartException;
import dev.berth.proxy.text.ByteSizes;
import dev.berth.proxy.text.Messages;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth prefetch}: pull images into the cache before they are needed. */
@Command(
    name = "prefetch",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Pull images into the cache ahead of time, optionally pinned.",
    description = {
      "Pulls each image through berth's own registry API, exactly as a node would: the same"
          + " pull policies, credentials and single download per blob. Every config and layer"
          + " is read to its end and checked against its digest, so the cache holds the whole"
          + " image afterwards.",
      "",
      "Against a running server, pass --server (and --admin for --pin). Without --server,"
          + " berth runs a private server on the cache directory for the duration of the"
          + " command (the directory must not be in use).",
      "",
      "--pin goes through the server's admin API, which needs its admin token: prefetch reads"
          + " it from the file the server uses, found from the same --config and --data as"
          + " 'berth serve' was given (admin-token-file, default DATA/admin-token), or from"
          + " --admin-token-file.",
      "",
      "Images come from the arguments, from -f files (one reference per line, # comments) and"
          + " from -k Kubernetes manifests (the images of Pods, Deployments, DaemonSets,"
          + " StatefulSets, ReplicaSets, Jobs and CronJobs: containers, initContainers and"
          + " ephemeralContainers). Names are read as Kubernetes reads them: nginx is"
          + " docker.io/library/nginx:latest.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  berth prefetch nginx:1.27 ghcr.io/org/app:2.1",
      "  berth prefetch -f images.txt --platform linux/amd64 --pin",
      "  kubectl get pods -A -o yaml > pods.yaml && berth prefetch -k pods.yaml",
      "  berth prefetch --server http://127.0.0.1:5000 --admin http://127.0.0.1:9090 \\",
      "      --data /var/lib/berth --pin registry.k8s.io/pause:3.10",
      "",
      "Exit status: 0 when every image was pulled, 1 when any failed (each failure is named),"
          + " 2 for a bad option, reference, input file or configuration."
    })
final class PrefetchCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private CacheOptions cache = new CacheOptions();

  @Parameters(paramLabel = "IMAGE", description = "Image references, e.g. nginx:1.27")
  private List<String> images = new ArrayList<>();

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "A file of image references, one per line. Repeatable.")
  private List<Path> lists = new ArrayList<>();

  @Option(
      names = {"-k", "--kubernetes"},
      paramLabel = "FILE",
      description =
          "Kubernetes manifests (YAML or JSON, several documents) to take images from."
              + " Repeatable.")
  private List<Path> manifests = new ArrayList<>();

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      split = ",",
      description = {
        "Platforms to fetch from multi-platform images (an image index). Repeatable or comma"
            + " separated.",
        "Example: --platform linux/amd64,linux/arm64",
        "Default: all platforms."
      })
  private List<String> platforms = new ArrayList<>();

  @Option(
      names = "--pin",
      description = "Pin the images: eviction (storage.max-size) never removes them.")
  private boolean pin;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description =
          "Registry URL of a running berth to prefetch through, e.g. http://127.0.0.1:5000.")
  private @Nullable URI server;

  @Option(
      names = "--admin",
      paramLabel = "URL",
      description = {
        "Admin URL of that server, for --pin.",
        "Default: http://ADMIN from the config (127.0.0.1:9090)."
      })
  private @Nullable URI admin;

  @Option(
      names = "--admin-token-file",
      paramLabel = "FILE",
      description = {
        "The admin token of that server, for --pin (read, never printed). Without --server,"
            + " the private server's own token is used.",
        "Default: admin-token-file from the config, else admin-token in the --data directory."
      })
  private @Nullable Path adminTokenFile;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      description = "Blobs of an image fetched at once. Default: 4.")
  private int parallel = 4;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (parallel < 1 || parallel > 64) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--parallel " + parallel + ": expected 1 to 64");
    }
    PlatformFilter filter;
    Map<String, ImageReference> wanted;
    try {
      filter = PlatformFilter.parse(platforms);
      wanted = wantedImages();
    } catch (PrefetchInputException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (wanted.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "no images given (arguments, -f FILE or -k FILE)");
    }
    BerthConfig settings =
        cache.load(
            server == null ? Optional.of("127.0.0.1:0") : Optional.empty(),
            server == null ? Optional.of("127.0.0.1:0") : Optional.empty());
    BerthServer privateServer = null;
    URI registry = server;
    URI adminUrl = admin != null ? admin : URI.create("http://" + settings.admin());
    // Read before pulling anything, so that a missing token fails at once, not after the pulls.
    AdminToken token = pin && server != null ? serversToken(settings) : null;
    if (server == null) {
      QuietServerLogs.apply();
      try {
        privateServer = BerthServer.start(settings);
      } catch (ServerStartException e) {
        String message = Messages.of(e);
        if (CacheDirectory.heldByAServer(e)) {
          message =
              "the cache at "
                  + settings.storage().path()
                  + " is in use by a running berth server: prefetch through it with --server"
                  + " http://127.0.0.1:5000 (its registry address)";
        }
        throw new ServerStartException(message, e);
      }
      registry = URI.create("http://127.0.0.1:" + privateServer.registryPort());
      adminUrl = URI.create("http://127.0.0.1:" + privateServer.adminPort());
    }
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    ExecutorService blobPool = Executors.newFixedThreadPool(parallel);
    PrefetchProgress progress = new PrefetchProgress(err, Terminal.interactive());
    try {
      if (pin && privateServer != null) {
        // The private server's own token: it created or read the file as it started.
        token = AdminTokenFile.read(settings.adminTokenPath());
      }
      RegistryPuller puller =
          new RegistryPuller(
              http, Objects.requireNonNull(registry, "registry"), blobPool, progress);
      return pullAll(wanted, filter, puller, new Pinning(http, adminUrl, token), progress, out);
    } finally {
      progress.finish();
      blobPool.shutdownNow();
      if (privateServer != null) {
        privateServer.close();
      }
    }
  }

  private AdminToken serversToken(BerthConfig settings) {
    try {
      return AdminTokenFile.read(
          adminTokenFile != null ? adminTokenFile : settings.adminTokenPath());
    } catch (AdminTokenException e) {
      throw new AdminTokenException(
          "--pin needs the admin token of the server at "
              + server
              + ": "
              + e.getMessage()
              + (adminTokenFile != null
                  ? ""
                  : "; give --admin-token-file FILE, or the --config and --data it runs with"),
          e);
    }
  }

  /** The images to pull, normalized ({@code latest} added), each once, in the order given. */
  private Map<String, ImageReference> wantedImages() {
    List<ImageUse> uses = new ArrayList<>();
    images.forEach(i -> uses.add(new ImageUse(i, "argument")));
    for (Path list : lists) {
      ImageListFile.read(list).forEach(i -> uses.add(new ImageUse(i, list.toString())));
    }
    for (Path file : manifests) {
      uses.addAll(KubernetesImages.read(file));
    }
    Map<String, ImageReference> wanted = new LinkedHashMap<>();
    for (ImageUse use : uses) {
      try {
        ImageReference ref = ImageReference.parseDockerRef(use.image());
        wanted.putIfAbsent(ref.toString(), ref);
      } catch (InvalidReferenceException e) {
        throw new PrefetchInputException(
            use.source() + ": '" + use.image() + "' is not an image reference: " + e.getMessage());
      }
    }
    return wanted;
  }

  private int pullAll(
      Map<String, ImageReference> wanted,
      PlatformFilter filter,
      RegistryPuller puller,
      Pinning pinning,
      PrefetchProgress progress,
      PrintWriter out)
      throws InterruptedException {
    int failed = 0;
    long bytes = 0;
    for (ImageReference image : wanted.values()) {
      long started = System.nanoTime();
      try {
        PulledImage pulled = puller.pull(image, filter);
        bytes += pulled.bytes();
        String pinned = pin ? pinning.pin(image) : "";
        progress.line(
            String.format(
                Locale.ROOT,
                "pulled %s %s (%s): %d blobs, %s in %.1f s%s",
                pulled.reference(),
                pulled.digest(),
                String.join(",", pulled.platforms()),
                pulled.blobs(),
                ByteSizes.format(pulled.bytes()),
                (System.nanoTime() - started) / 1e9,
                pinned));
        out.println("ok " + pulled.reference() + " " + pulled.digest());
      } catch (RegistryPuller.PullFailedException e) {
        failed++;
        progress.line("failed " + e.getMessage());
        out.println("failed " + image);
      }
      out.flush();
    }
    int ok = wanted.size() - failed;
    progress.line(
        String.format(
            Locale.ROOT,
            "prefetched %d of %d images (%s)%s",
            ok,
            wanted.size(),
            ByteSizes.format(bytes),
            failed == 0 ? "" : "; " + failed + " failed"));
    return failed == 0 ? 0 : 1;
  }

  /** Pins through the admin API; {@code token} is there whenever {@code --pin} is. */
  private record Pinning(HttpClient http, URI adminUrl, @Nullable AdminToken token) {
    /** A failure to pin fails the image. */
    String pin(ImageReference image)
        throws RegistryPuller.PullFailedException, InterruptedException {
      URI uri =
          adminUrl.resolve(
              "/admin/pins?image=" + URLEncoder.encode(image.toString(), StandardCharsets.UTF_8));
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.noBody());
      if (token != null) {
        request.header("Authorization", token.authorizationHeader());
      }
      try {
        HttpResponse<String> response =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401) {
          throw new RegistryPuller.PullFailedException(
              image
                  + ": pulled, but the admin API at "
                  + adminUrl
                  + " refused the admin token: give the server's own (--admin-token-file, or the"
                  + " --config and --data it runs with)");
        }
        if (response.statusCode() != 200) {
          throw new RegistryPuller.PullFailedException(
              image + ": pulled, but pinning failed: " + response.body().trim());
        }
        return " (pinned)";
      } catch (IOException e) {
        throw new RegistryPuller.PullFailedException(
            image + ": pulled, but the admin endpoint " + adminUrl + " did not answer: " + e);
      }
    }
  }
}
