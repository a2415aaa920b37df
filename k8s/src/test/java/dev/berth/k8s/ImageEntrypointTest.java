package dev.berth.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image runs berth with the launcher's JVM options: the options between the JVM-OPTIONS markers
 * of {@code ./berth} and of {@code k8s/image/root/opt/berth/entrypoint} are the same set (the heap
 * and direct-memory bounds the memory limit was sized for, and the AVX2 cap of issue 14).
 */
class ImageEntrypointTest {
  private static final Pattern OPTION =
      Pattern.compile(
          "-X[A-Za-z:+\\-=0-9]+|--add-opens=[A-Za-z0-9./=_-]+|-Dio\\.netty\\.[A-Za-z.]+=[a-z]+");

  @Test
  void entrypointHasTheLaunchersJvmOptions() throws IOException {
    Set<String> launcher = options(Manifests.K8S.resolve("../berth"));
    Set<String> entrypoint = options(Manifests.K8S.resolve("image/root/opt/berth/entrypoint"));
    assertTrue(launcher.contains("-XX:UseAVX=2") && launcher.size() >= 7, launcher.toString());
    assertTrue(
        launcher.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), launcher.toString());
    assertEquals(launcher, entrypoint);
  }

  private static Set<String> options(Path script) throws IOException {
    String text = Files.readString(script);
    int begin = text.indexOf("# JVM-OPTIONS-BEGIN");
    int end = text.indexOf("# JVM-OPTIONS-END");
    assertTrue(begin >= 0 && end > begin, "JVM-OPTIONS markers in " + script);
    Set<String> options = new TreeSet<>();
    for (String line : text.substring(begin, end).split("\n")) {
      if (line.trim().startsWith("#")) {
        continue;
      }
      Matcher m = OPTION.matcher(line);
      while (m.find()) {
        options.add(m.group());
      }
    }
    return options;
  }
}
