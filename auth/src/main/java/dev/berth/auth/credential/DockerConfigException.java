package dev.berth.auth.credential;

/**
 * A credential file that cannot be used: not JSON, the wrong shape, a value of the wrong type, an
 * {@code auth} that is not base64, an entry with nothing usable.
 *
 * <p>The message reads {@code <file>: <where>: <problem>}, e.g. {@code
 * /var/lib/kubelet/config.json: auths["registry.io"].auth: not valid base64}. It names the file and
 * the key and never contains a secret, a token, or the raw base64 text, so it can be logged as it
 * is.
 */
public final class DockerConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final String location;
  private final String problem;

  DockerConfigException(String file, String location, String problem) {
    super(file + ": " + (location.isEmpty() ? "" : location + ": ") + problem);
    this.file = file;
    this.location = location;
    this.problem = problem;
  }

  /** The file (or other source name) that was read. */
  public String file() {
    return file;
  }

  /** Where in the file, e.g. {@code auths["registry.io"].auth}; empty for the whole file. */
  public String location() {
    return location;
  }

  /** What is wrong, without location. */
  public String problem() {
    return problem;
  }
}
