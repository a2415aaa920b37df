package dev.berth.proxy.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the jar manifest's Implementation-Version, or "dev" outside the jar. */
final class ManifestVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = BerthCli.class.getPackage().getImplementationVersion();
    return new String[] {"berth " + (version == null ? "dev" : version)};
  }
}
