package dev.berth.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What an operator relies on in the rendered manifests ({@code kubectl apply -k k8s/overlays/node},
 * {@code .../monitoring}), read as typed Kubernetes objects.
 */
class KustomizeTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void node_daemonSet_asAnOperatorExpectsIt() throws Exception {
    List<HasMetadata> objects = Manifests.render("overlays/node");
    assertEquals(
        Set.of("Namespace/berth-system", "ServiceAccount/berth", "DaemonSet/berth"),
        objects.stream()
            .map(o -> o.getKind() + "/" + o.getMetadata().getName())
            .filter(n -> !n.startsWith("ConfigMap/"))
            .collect(Collectors.toSet()));
    DaemonSet ds = Manifests.one(objects, DaemonSet.class);
    assertEquals("berth-system", ds.getMetadata().getNamespace());
    PodSpec pod = ds.getSpec().getTemplate().getSpec();

    assertEquals("system-node-critical", pod.getPriorityClassName());
    assertTrue(pod.getHostNetwork(), "the node's containerd reaches berth on 127.0.0.1");
    assertTrue(
        pod.getTolerations().stream()
            .anyMatch(
                t ->
                    "Exists".equals(t.getOperator())
                        && t.getKey() == null
                        && t.getEffect() == null),
        "tolerates every taint: " + pod.getTolerations());
    assertEquals("RollingUpdate", ds.getSpec().getUpdateStrategy().getType());
    assertNotNull(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable());
    assertFalse(pod.getAutomountServiceAccountToken(), "berth calls no Kubernetes API");

    Container berth = container(pod.getContainers(), "berth");
    assertEquals("/healthz", berth.getLivenessProbe().getHttpGet().getPath());
    assertEquals("admin", berth.getLivenessProbe().getHttpGet().getPort().getStrVal());
    assertEquals("/readyz", berth.getReadinessProbe().getHttpGet().getPath());
    assertEquals("admin", berth.getReadinessProbe().getHttpGet().getPort().getStrVal());
    int adminPort =
        berth.getPorts().stream()
            .filter(p -> "admin".equals(p.getName()))
            .findFirst()
            .orElseThrow()
            .getContainerPort();
    assertTrue(
        berth.getArgs().contains("0.0.0.0:" + adminPort),
        "admin listens where the probes go: " + berth.getArgs());
    assertTrue(
        berth.getArgs().contains("127.0.0.1:5000"),
        "the registry port stays on loopback (pull secrets as plain Basic): " + berth.getArgs());
    assertEquals(65532L, berth.getSecurityContext().getRunAsUser());
    assertTrue(berth.getSecurityContext().getRunAsNonRoot());
    assertTrue(berth.getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals(List.of("ALL"), berth.getSecurityContext().getCapabilities().getDrop());

    // Requests and limits from the measured peak RSS (306 MiB under a 32-client herd).
    Quantity limit = berth.getResources().getLimits().get("memory");
    Quantity request = berth.getResources().getRequests().get("memory");
    assertTrue(Quantity.getAmountInBytes(request).longValue() >= 306L << 20, "request " + request);
    assertTrue(
        Quantity.getAmountInBytes(limit).compareTo(Quantity.getAmountInBytes(request)) > 0,
        "limit " + limit + " above request " + request);

    Map<String, Volume> volumes =
        pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    assertEquals("/var/lib/berth", volumes.get("data").getHostPath().getPath());
    assertTrue(
        volumes.get("node-credentials").getSecret().getOptional(), "installs without a Secret");
    assertTrue(mount(berth, "config").getReadOnly(), "config read-only");
    assertTrue(mount(berth, "node-credentials").getReadOnly(), "credentials read-only");
    // Only these reach the node's disk.
    assertEquals(
        Set.of("/var/lib/berth", "/etc/containerd"),
        pod.getVolumes().stream()
            .filter(v -> v.getHostPath() != null)
            .map(v -> v.getHostPath().getPath())
            .collect(Collectors.toSet()));

    Container install = container(pod.getInitContainers(), "install-mirror");
    assertEquals("mirror-config", install.getArgs().get(0));
    assertTrue(
        install.getArgs().containsAll(List.of("--host-root", "/host", "http://127.0.0.1:5000")));
    assertTrue(mount(install, "config").getReadOnly());

    // Nothing privileged: root only where a comment says why (the two init containers).
    for (Container c :
        Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList()) {
      assertTrue(
          c.getSecurityContext().getPrivileged() == null || !c.getSecurityContext().getPrivileged(),
          c.getName() + " is privileged");
      assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), c.getName());
      assertEquals(
          "berth", c.getImage().replaceAll("[:@].*", "").replaceAll(".*/", ""), c.getName());
    }
  }

  @Test
  void monitoring_scrapesTheNodePods_andAlertsOnWhatOperatorsNeed() throws Exception {
    List<HasMetadata> objects = Manifests.render("overlays/monitoring");
    DaemonSet ds = Manifests.one(objects, DaemonSet.class);
    PodMonitor monitor = Manifests.one(objects, PodMonitor.class);
    Map<String, String> podLabels = ds.getSpec().getTemplate().getMetadata().getLabels();
    assertTrue(
        podLabels
            .entrySet()
            .containsAll(monitor.getSpec().getSelector().getMatchLabels().entrySet()),
        "the PodMonitor selects the node pods: " + monitor.getSpec().getSelector());
    String port = monitor.getSpec().getPodMetricsEndpoints().get(0).getPort();
    assertTrue(
        container(ds.getSpec().getTemplate().getSpec().getContainers(), "berth").getPorts().stream()
            .anyMatch(p -> port.equals(p.getName())),
        "scraped port " + port + " is the container's");

    PrometheusRule rules = Manifests.one(objects, PrometheusRule.class);
    Set<String> alerts =
        rules.getSpec().getGroups().stream()
            .flatMap(g -> g.getRules().stream())
            .map(Rule::getAlert)
            .collect(Collectors.toSet());
    assertTrue(
        alerts.containsAll(
            Set.of(
                "BerthUpstreamFailing",
                "BerthUpstreamBackoffOpen",
                "BerthCacheWritesPaused",
                "BerthCacheNearCap",
                "BerthDockerHubPullsLow")),
        alerts.toString());

    HasMetadata dashboard =
        objects.stream()
            .filter(o -> o.getMetadata().getName().equals("berth-grafana-dashboard"))
            .findFirst()
            .orElseThrow();
    assertEquals("1", dashboard.getMetadata().getLabels().get("grafana_dashboard"));
  }

  @Test
  void uninstall_removesWhatTheInstallWrote_onEveryNode() throws Exception {
    Container install =
        container(
            Manifests.one(Manifests.render("overlays/node"), DaemonSet.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getInitContainers(),
            "install-mirror");
    PodSpec pod =
        Manifests.one(Manifests.render("overlays/uninstall"), DaemonSet.class)
            .getSpec()
            .getTemplate()
            .getSpec();
    Container remove = container(pod.getInitContainers(), "remove-mirror");
    assertTrue(remove.getArgs().contains("--remove"));
    for (String option :
        List.of("--runtime", "--config", "--endpoint", "--host-root", "--output")) {
      assertEquals(
          after(install.getArgs(), option),
          after(remove.getArgs(), option),
          option + " as installed");
    }
    assertEquals(
        install.getVolumeMounts().stream()
            .map(VolumeMount::getMountPath)
            .collect(Collectors.toSet()),
        remove.getVolumeMounts().stream()
            .map(VolumeMount::getMountPath)
            .collect(Collectors.toSet()));
    assertTrue(
        pod.getTolerations().stream()
            .anyMatch(t -> "Exists".equals(t.getOperator()) && t.getKey() == null),
        "every node, as the install");
  }

  @Test
  void components_mountTheKubeletsCredentialsReadOnly_andPointBerthAtThem() throws Exception {
    // An operator's overlay: the node DaemonSet with both credential components.
    Path overlay = Files.createDirectories(Manifests.K8S.resolve("target/kustomize-components"));
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        "resources: [../../overlays/node]\n"
            + "components:\n"
            + "  - ../../components/eks-credential-provider\n"
            + "  - ../../components/kubelet-docker-config\n");
    List<HasMetadata> objects = Manifests.render("target/kustomize-components");
    PodSpec pod = Manifests.one(objects, DaemonSet.class).getSpec().getTemplate().getSpec();
    Container berth = container(pod.getContainers(), "berth");
    assertTrue(mount(berth, "credential-provider").getReadOnly());
    assertTrue(mount(berth, "kubelet-docker-config").getReadOnly());
    Map<String, Volume> volumes =
        pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    String providerDir = volumes.get("credential-provider").getHostPath().getPath();
    assertEquals(providerDir, mount(berth, "credential-provider").getMountPath());
    assertEquals("File", volumes.get("kubelet-docker-config").getHostPath().getType());

    // The component's config is the base's plus the two provider keys, pointing at the mount.
    ConfigMap config = Manifests.one(objects, ConfigMap.class);
    assertEquals(
        "berth-config-", config.getMetadata().getName().replaceAll("[^-]+$", ""), "one config");
    assertTrue(
        pod.getVolumes().stream()
            .anyMatch(
                v ->
                    v.getConfigMap() != null
                        && v.getConfigMap().getName().equals(config.getMetadata().getName())),
        "the DaemonSet mounts the replaced config");
    ObjectNode withProvider = (ObjectNode) YAML.readTree(config.getData().get("config.yaml"));
    ObjectNode credentials = (ObjectNode) withProvider.path("credentials");
    assertEquals(providerDir + "/config.json", credentials.remove("provider-config").asText());
    assertEquals(providerDir, credentials.remove("provider-bin-dir").asText());
    assertEquals(
        YAML.readTree(Files.readString(Manifests.K8S.resolve("base/config.yaml"))),
        withProvider,
        "components/eks-credential-provider/config.yaml is base/config.yaml plus the provider keys");
  }

  @Test
  void cluster_tierAndNodes_asTheReadmeSays() throws Exception {
    List<HasMetadata> objects = Manifests.render("overlays/cluster");
    Map<String, HasMetadata> byName =
        objects.stream()
            .collect(
                Collectors.toMap(
                    o ->
                        o.getKind()
                            + "/"
                            + o.getMetadata().getName().replaceAll("-[a-z0-9]{10}$", ""),
                    o -> o));
    Deployment tier = (Deployment) byName.get("Deployment/berth-tier");
    io.fabric8.kubernetes.api.model.Service service =
        (io.fabric8.kubernetes.api.model.Service) byName.get("Service/berth-tier");
    io.fabric8.kubernetes.api.model.Service peers =
        (io.fabric8.kubernetes.api.model.Service) byName.get("Service/berth-tier-peers");
    assertTrue(byName.containsKey("DaemonSet/berth"), "the node berths stay");
    assertEquals("None", peers.getSpec().getClusterIP(), "peers are found by a headless Service");
    assertEquals(
        tier.getSpec().getTemplate().getMetadata().getLabels(),
        Map.copyOf(service.getSpec().getSelector()),
        "the Service selects the tier's pods");
    assertEquals(service.getSpec().getSelector(), peers.getSpec().getSelector());
    assertTrue(tier.getSpec().getReplicas() >= 3, "three replicas");

    PodSpec pod = tier.getSpec().getTemplate().getSpec();
    Container berth = container(pod.getContainers(), "berth");
    assertTrue(berth.getSecurityContext().getRunAsNonRoot());
    assertTrue(berth.getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals("0.0.0.0:5000", after(berth.getArgs(), "--listen"));
    Map<String, Volume> volumes =
        pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    assertEquals(
        null, volumes.get("peer-token").getSecret().getOptional(), "the token is required");
    assertTrue(volumes.get("s3").getSecret().getOptional(), "no S3 Secret with pod identities");

    // Both configs load as berth loads them, and point where the manifests put things.
    var tierConfig = load(configOf(objects, pod, "config"));
    assertEquals(
        List.of(
            new dev.berth.proxy.config.HostPort(
                peers.getMetadata().getName() + ".berth-system.svc.cluster.local", 5000)),
        tierConfig.cluster().peers());
    assertEquals(
        mount(berth, "peer-token").getMountPath() + "/token",
        tierConfig.cluster().peerTokenFile().orElseThrow().toString());
    assertEquals(
        mount(berth, "s3").getMountPath() + "/credentials",
        tierConfig
            .cluster()
            .objectStorage()
            .orElseThrow()
            .credentialsFile()
            .orElseThrow()
            .toString());

    PodSpec nodePod = ((DaemonSet) byName.get("DaemonSet/berth")).getSpec().getTemplate().getSpec();
    var nodeConfig = load(configOf(objects, nodePod, "config"));
    var defaults =
        dev.berth.proxy.config.ConfigLoader.load(
                java.util.Optional.empty(), dev.berth.proxy.config.CommandLineOverrides.none())
            .upstreams();
    assertEquals(
        defaults.stream().map(u -> u.name() + "=" + u.url()).toList(),
        nodeConfig.upstreams().stream().map(u -> u.name() + "=" + u.url()).toList(),
        "node-config.yaml lists the embedded default upstreams");
    for (var upstream : nodeConfig.upstreams()) {
      assertEquals(
          java.util.Optional.of(
              java.net.URI.create(
                  "http://" + service.getMetadata().getName() + ".berth-system.svc:5000")),
          upstream.parent(),
          upstream.name() + " goes through the tier");
    }
  }

  /** The config.yaml of the ConfigMap behind {@code pod}'s volume {@code volume}. */
  private static String configOf(List<HasMetadata> objects, PodSpec pod, String volume) {
    String name =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals(volume))
            .findFirst()
            .orElseThrow()
            .getConfigMap()
            .getName();
    return objects.stream()
        .filter(o -> o instanceof ConfigMap && o.getMetadata().getName().equals(name))
        .map(o -> ((ConfigMap) o).getData().get("config.yaml"))
        .findFirst()
        .orElseThrow();
  }

  private static dev.berth.proxy.config.BerthConfig load(String yaml) throws Exception {
    Path file = Files.createTempFile("berth-config", ".yaml");
    try {
      Files.writeString(file, yaml);
      return dev.berth.proxy.config.ConfigLoader.load(
          java.util.Optional.of(file), dev.berth.proxy.config.CommandLineOverrides.none());
    } finally {
      Files.delete(file);
    }
  }

  private static String after(List<String> args, String option) {
    return args.get(args.indexOf(option) + 1);
  }

  private static Container container(List<Container> containers, String name) {
    return containers.stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static VolumeMount mount(Container c, String volume) {
    return c.getVolumeMounts().stream()
        .filter(m -> m.getName().equals(volume))
        .findFirst()
        .orElseThrow();
  }
}
