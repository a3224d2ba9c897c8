package io.oci2vm;

import io.oci2vm.internal.flatten.Flattener;
import io.oci2vm.internal.flatten.RootFs;
import io.oci2vm.internal.slim.Slimmer;
import io.oci2vm.internal.source.BlobCache;
import io.oci2vm.internal.source.DockerArchiveFetcher;
import io.oci2vm.internal.source.DockerEngine;
import io.oci2vm.internal.source.ImageFetcher;
import io.oci2vm.internal.source.ImagePuller;
import io.oci2vm.internal.source.OciLayoutFetcher;
import io.oci2vm.internal.source.RegistryFetcher;
import io.oci2vm.internal.source.RegistryOptions;
import io.oci2vm.internal.write.RootfsTarWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The entry point: where an image comes from, how to fetch it, and what to make of it.
 *
 * <pre>{@code
 * RootfsResult r = Conversion.from(ImageSource.parse("nginx:1.27"))
 *     .platform(Platform.LINUX_AMD64)
 *     .onProgress(System.out::println)
 *     .writeRootfsTar(Path.of("nginx.tar"), SlimPolicy.DEFAULT);
 * }</pre>
 */
public final class Conversion {
  private final ImageSource source;
  private Platform platform = Platform.LINUX_AMD64;
  private Limits limits = Limits.DEFAULTS;
  private Path cacheDir = BlobCache.defaultRoot();
  private Set<String> insecureRegistries = Set.of();
  private Path dockerConfig;
  private String dockerHost;
  private ProgressListener listener = ProgressListener.NONE;

  private Conversion(ImageSource source) {
    this.source = Objects.requireNonNull(source, "source was not specified");
  }

  /** Starts a conversion of the image at {@code source}. */
  public static Conversion from(ImageSource source) {
    return new Conversion(source);
  }

  /** The platform to pick from a multi-platform image (default linux/amd64). */
  public Conversion platform(Platform platform) {
    this.platform = Objects.requireNonNull(platform, "platform was not specified");
    return this;
  }

  /** Limits on untrusted input (default {@link Limits#DEFAULTS}). */
  public Conversion limits(Limits limits) {
    this.limits = Objects.requireNonNull(limits, "limits was not specified");
    return this;
  }

  /** Where blobs and unpacked layers are cached (default ~/.cache/oci2vm or $OCI2VM_CACHE). */
  public Conversion cacheDir(Path cacheDir) {
    this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir was not specified");
    return this;
  }

  /** Registries (host[:port]) that may be reached over plain HTTP or with bad certificates. */
  public Conversion insecureRegistries(Set<String> registries) {
    this.insecureRegistries = Set.copyOf(registries);
    return this;
  }

  /** The Docker config.json holding registry credentials (default as Docker finds it). */
  public Conversion dockerConfig(Path dockerConfig) {
    this.dockerConfig = dockerConfig;
    return this;
  }

  /** The Docker engine for docker-daemon: sources (default DOCKER_HOST or the local socket). */
  public Conversion dockerHost(String dockerHost) {
    this.dockerHost = dockerHost;
    return this;
  }

  /** Receives progress events. */
  public Conversion onProgress(ProgressListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener was not specified");
    return this;
  }

  /** Resolves the image and reads its config, without pulling layers. */
  public ResolvedImage inspect() {
    try (ImageFetcher fetcher = openFetcher()) {
      return puller(fetcher).resolve(source.toString());
    } catch (IOException e) {
      throw ioError(e);
    }
  }

  /**
   * Pulls, flattens and slims the image and writes its root filesystem as a tar at {@code output}.
   * The tar appears only when complete.
   */
  public RootfsResult writeRootfsTar(Path output, SlimPolicy policy) {
    Objects.requireNonNull(output, "output was not specified");
    Objects.requireNonNull(policy, "policy was not specified");
    long t0 = System.nanoTime();
    try (ImageFetcher fetcher = openFetcher()) {
      ImagePuller puller = puller(fetcher);
      ResolvedImage image = puller.resolve(source.toString());
      List<Path> layerTars = new ArrayList<>();
      for (Layer layer : image.layers()) {
        layerTars.add(puller.layerTar(layer));
      }
      long t1 = System.nanoTime();
      listener.onEvent(
          new ProgressEvent.Step("flatten", "flattening " + layerTars.size() + " layers"));
      Flattener flattener = new Flattener(limits);
      for (int i = 0; i < layerTars.size(); i++) {
        flattener.apply(layerTars.get(i), image.layers().get(i).blob().digest());
      }
      try (RootFs fs = flattener.finish()) {
        long t2 = System.nanoTime();
        listener.onEvent(
            new ProgressEvent.Step("slim", policy.enabled() ? "slimming" : "keeping every file"));
        Slimmer.Result slim = new Slimmer(fs, image.config(), policy).run();
        long t3 = System.nanoTime();
        listener.onEvent(new ProgressEvent.Step("write", "writing " + output));
        long size = RootfsTarWriter.write(fs, slim.output(), output);
        long t4 = System.nanoTime();
        return new RootfsResult(
            image,
            slim.report(),
            output,
            size,
            Duration.ofNanos(t1 - t0),
            Duration.ofNanos(t2 - t1),
            Duration.ofNanos(t3 - t2),
            Duration.ofNanos(t4 - t3));
      }
    } catch (IOException e) {
      throw ioError(e);
    }
  }

  private ImagePuller puller(ImageFetcher fetcher) {
    Digest pinned = source instanceof ImageSource.Registry r ? r.reference().digest() : null;
    return new ImagePuller(fetcher, platform, limits, new BlobCache(cacheDir), listener, pinned);
  }

  private ImageFetcher openFetcher() throws IOException {
    String name = source.toString();
    if (source instanceof ImageSource.Registry r) {
      RegistryOptions options =
          RegistryOptions.defaults()
              .withInsecureRegistries(insecureRegistries)
              .withMaxManifestBytes(limits.maxManifestBytes());
      if (dockerConfig != null) {
        options = options.withDockerConfig(dockerConfig);
      }
      return RegistryFetcher.open(r.reference(), options);
    }
    if (source instanceof ImageSource.DockerDaemon d) {
      Path tmpDir = cacheDir.resolve("tmp");
      Files.createDirectories(tmpDir);
      Path saved = Files.createTempFile(tmpDir, "docker-save-", ".tar");
      try {
        listener.onEvent(
            new ProgressEvent.Step(
                "resolve", "saving " + d.reference() + " from the Docker engine"));
        if (dockerHost != null) {
          DockerEngine.saveImage(d.reference(), saved, dockerHost);
        } else {
          DockerEngine.saveImage(d.reference(), saved);
        }
      } catch (RuntimeException e) {
        Files.deleteIfExists(saved);
        throw e;
      }
      return DockerArchiveFetcher.open(
          saved,
          null,
          limits,
          name,
          () -> {
            try {
              Files.deleteIfExists(saved);
            } catch (IOException ignored) {
              // a leftover save in the cache's tmp directory is harmless
            }
          });
    }
    if (source instanceof ImageSource.DockerArchive a) {
      return DockerArchiveFetcher.open(a.path(), a.reference(), limits, name, () -> {});
    }
    if (source instanceof ImageSource.OciLayout l) {
      return OciLayoutFetcher.open(l.dir(), l.tag(), limits, name);
    }
    ImageSource.OciArchive a = (ImageSource.OciArchive) source;
    return OciLayoutFetcher.open(a.path(), a.tag(), limits, name);
  }

  private Oci2vmException ioError(IOException e) {
    return new Oci2vmException(
        ErrorCode.IO_ERROR, "I/O error while converting " + source + ": " + e.getMessage(), e);
  }
}
