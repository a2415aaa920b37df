package dev.berth.storage.s3;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * A real S3 API server for tests: s3proxy over a directory, on a free loopback port, with SigV4
 * authentication, and one bucket.
 */
final class S3Server implements AutoCloseable {
  static final String ACCESS_KEY = "berth-test";
  static final String SECRET_KEY = "berth-test-secret";
  static final String BUCKET = "berth";

  private final S3Proxy proxy;

  S3Server(Path dir) throws Exception {
    Properties properties = new Properties();
    properties.setProperty("jclouds.filesystem.basedir", dir.toString());
    java.nio.file.Files.createDirectories(dir.resolve(BUCKET));
    proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", properties))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .endpoint(URI.create("http://127.0.0.1:0"))
            .build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(10);
    }
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  S3Location location() {
    return S3Location.of(endpoint(), "us-east-1", BUCKET, ACCESS_KEY, SECRET_KEY);
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
  }
}
