package io.oci2vm.internal.source;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Objects;

/**
 * Saves an image from a local Docker engine as a {@code docker save} tar, through docker-java.
 * oci2vm needs no engine to convert; this is only for images that exist nowhere else. No
 * docker-java type or exception leaves this class.
 */
public final class DockerEngine {
  /** How long to wait for the engine to accept a connection. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private DockerEngine() {}

  /**
   * Saves {@code reference} from the engine that {@code DOCKER_HOST} (else the current docker
   * context, else {@code unix:///var/run/docker.sock}) names into {@code targetFile}, replacing it.
   *
   * @return {@code targetFile}
   * @throws Oci2vmException {@link ErrorCode#NOT_FOUND} when the engine has no such image, {@link
   *     ErrorCode#DOCKER_ENGINE_ERROR} when the engine cannot be reached or fails, {@link
   *     ErrorCode#IO_ERROR} when the file cannot be written
   */
  public static Path saveImage(String reference, Path targetFile) {
    return saveImage(reference, targetFile, null);
  }

  /**
   * Saves {@code reference} from the engine at {@code dockerHost} (such as {@code
   * unix:///run/user/1000/docker.sock} or {@code tcp://127.0.0.1:2375}) into {@code targetFile},
   * replacing it. A null {@code dockerHost} means the default engine, as {@link #saveImage(String,
   * Path)}. The file is written under a temporary name and moved into place, so it never holds a
   * partial archive.
   */
  public static Path saveImage(String reference, Path targetFile, String dockerHost) {
    Objects.requireNonNull(reference, "reference was not specified");
    Objects.requireNonNull(targetFile, "targetFile was not specified");
    DockerClientConfig config = config(dockerHost);
    URI host = config.getDockerHost();
    DockerHttpClient http;
    try {
      http =
          new ZerodepDockerHttpClient.Builder()
              .dockerHost(host)
              .sslConfig(config.getSSLConfig())
              .connectionTimeout(CONNECT_TIMEOUT)
              .build();
    } catch (RuntimeException e) {
      throw badHost(String.valueOf(host), e);
    }
    try (DockerClient docker = DockerClientImpl.getInstance(config, http)) {
      inspect(docker, reference, host);
      save(docker, reference, targetFile, host);
      return targetFile;
    } catch (IOException e) {
      // Only closing the client throws IOException; the archive is complete by then.
      return targetFile;
    }
  }

  private static DockerClientConfig config(String dockerHost) {
    try {
      DefaultDockerClientConfig.Builder builder =
          DefaultDockerClientConfig.createDefaultConfigBuilder();
      if (dockerHost != null) {
        builder.withDockerHost(dockerHost);
      }
      return builder.build();
    } catch (RuntimeException e) {
      throw badHost(dockerHost != null ? dockerHost : System.getenv("DOCKER_HOST"), e);
    }
  }

  private static void inspect(DockerClient docker, String reference, URI host) {
    try {
      docker.inspectImageCmd(reference).exec();
    } catch (NotFoundException e) {
      throw new Oci2vmException(
          ErrorCode.NOT_FOUND,
          "the Docker engine at "
              + host
              + " has no image "
              + reference
              + "; `docker pull "
              + reference
              + "` (or build it) first, or convert it straight from its registry");
    } catch (RuntimeException e) {
      throw engineError(host, "inspect image " + reference, e);
    }
  }

  private static void save(DockerClient docker, String reference, Path targetFile, URI host) {
    Path dir = targetFile.toAbsolutePath().getParent();
    Path partial;
    try {
      Files.createDirectories(dir);
      partial = Files.createTempFile(dir, ".docker-save-", ".part");
    } catch (IOException e) {
      throw ioError(targetFile, e);
    }
    try {
      InputStream tar;
      try {
        tar = docker.saveImageCmd(reference).exec();
      } catch (NotFoundException e) {
        throw new Oci2vmException(
            ErrorCode.NOT_FOUND,
            "the Docker engine at "
                + host
                + " has no image "
                + reference
                + " (removed meanwhile?)");
      } catch (RuntimeException e) {
        throw engineError(host, "save image " + reference, e);
      }
      copy(tar, partial, targetFile, host, reference);
      try {
        Files.move(partial, targetFile, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw ioError(targetFile, e);
      }
    } finally {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException ignored) {
        // best effort; the file is in the caller's directory and named as a partial download
      }
    }
  }

  /** Copies the engine's tar stream, telling the engine's failures from the disk's. */
  private static void copy(
      InputStream tar, Path partial, Path targetFile, URI host, String reference) {
    try (InputStream in = tar;
        OutputStream out = Files.newOutputStream(partial)) {
      byte[] buffer = new byte[1 << 16];
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (IOException | RuntimeException e) {
          throw engineError(host, "save image " + reference, e);
        }
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
      }
    } catch (IOException e) {
      throw ioError(targetFile, e);
    }
  }

  private static Oci2vmException engineError(URI host, String action, Exception e) {
    if (e instanceof DockerException docker) {
      return new Oci2vmException(
          ErrorCode.DOCKER_ENGINE_ERROR,
          "the Docker engine at "
              + host
              + " refused to "
              + action
              + " (HTTP "
              + docker.getHttpStatus()
              + "): "
              + firstLine(docker.getMessage()),
          null);
    }
    return new Oci2vmException(
        ErrorCode.DOCKER_ENGINE_ERROR,
        "cannot reach the Docker engine at "
            + host
            + " to "
            + action
            + " ("
            + rootMessage(e)
            + "); is dockerd running, and does DOCKER_HOST (or the current docker context) point"
            + " at it? Images in a registry or a `docker save` tar need no engine",
        jdkCause(e));
  }

  private static Oci2vmException badHost(String host, RuntimeException e) {
    return new Oci2vmException(
        ErrorCode.DOCKER_ENGINE_ERROR,
        "cannot use Docker host '"
            + host
            + "' ("
            + rootMessage(e)
            + "); DOCKER_HOST takes unix:///path/to/docker.sock or tcp://host:port",
        jdkCause(e));
  }

  private static Oci2vmException ioError(Path targetFile, IOException e) {
    return new Oci2vmException(
        ErrorCode.IO_ERROR,
        "cannot write the saved image to " + targetFile + ": " + rootMessage(e),
        e);
  }

  /** The root cause when it is a JDK exception; docker-java's types never leave this class. */
  private static Throwable jdkCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getName().startsWith("java.") ? root : null;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message != null
        ? message.strip().replaceAll("\\s+", " ")
        : root.getClass().getSimpleName();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no details";
    }
    String line = s.strip().lines().findFirst().orElse("");
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
