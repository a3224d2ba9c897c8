package io.oci2vm;

import io.oci2vm.internal.assemble.Assembler;
import io.oci2vm.internal.disk.format.OvfSettings;
import io.oci2vm.internal.flatten.Flattener;
import io.oci2vm.internal.flatten.RootFs;
import io.oci2vm.internal.kernel.Kernel;
import io.oci2vm.internal.kernel.KernelBuilder;
import io.oci2vm.internal.kernel.KernelImage;
import io.oci2vm.internal.kernel.KernelLocator;
import io.oci2vm.internal.slim.Slimmer;
import io.oci2vm.internal.source.BlobCache;
import io.oci2vm.internal.source.DockerArchiveFetcher;
import io.oci2vm.internal.source.DockerEngine;
import io.oci2vm.internal.source.ImageFetcher;
import io.oci2vm.internal.source.ImagePuller;
import io.oci2vm.internal.source.OciLayoutFetcher;
import io.oci2vm.internal.source.RegistryFetcher;
import io.oci2vm.internal.source.RegistryOptions;
import io.oci2vm.internal.write.BundleWriter;
import io.oci2vm.internal.write.DiskRecord;
import io.oci2vm.internal.write.DiskWriter;
import io.oci2vm.internal.write.RootFsTree;
import io.oci2vm.internal.write.RootfsTarWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** The default blob and layer cache: $OCI2VM_CACHE, else ~/.cache/oci2vm. */
  public static Path defaultCacheDir() {
    return BlobCache.defaultRoot();
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
    return withSlimmedTree(
        policy,
        AppOverrides.NONE,
        (p) -> {
          listener.onEvent(new ProgressEvent.Step("write", "writing " + output));
          long t0 = System.nanoTime();
          long size = RootfsTarWriter.write(p.fs(), p.slim().output(), output);
          return new RootfsResult(
              p.image(),
              p.slim().report(),
              output,
              size,
              p.pullTime(),
              p.flattenTime(),
              p.slimTime(),
              Duration.ofNanos(System.nanoTime() - t0));
        });
  }

  /**
   * Converts the image into a direct-boot bundle at {@code dir}: kernel, initramfs (slimmed tree,
   * native init, kernel modules), command line, QEMU and Firecracker launch files and oci2vm.json.
   * The directory appears only when complete.
   */
  public BundleResult writeBundle(
      Path dir, SlimPolicy policy, KernelSource kernelSource, AppOverrides overrides) {
    Objects.requireNonNull(dir, "dir was not specified");
    Objects.requireNonNull(overrides, "overrides was not specified");
    Kernel kernel = announce(resolveKernel(kernelSource));
    return withSlimmedTree(
        policy,
        overrides,
        (p) -> {
          listener.onEvent(new ProgressEvent.Step("assemble", "writing bundle " + dir));
          long t0 = System.nanoTime();
          BundleWriter bundle = new BundleWriter(dir);
          try {
            ImageConfig app = overrides.applyTo(p.image().config());
            Assembler.Payload payload;
            try (OutputStream out =
                new java.io.BufferedOutputStream(
                    Files.newOutputStream(bundle.file("initrd.img")), 1 << 16)) {
              payload =
                  Assembler.writeInitramfs(
                      p.fs(),
                      p.slim().output(),
                      app,
                      hostname(overrides),
                      overrides.network(),
                      kernel,
                      out);
            }
            bundle.writeBootFiles(kernel);
            Map<String, Duration> stages = p.stages("assemble", t0);
            Map<String, Double> timings = seconds(stages);
            Map<String, Long> files =
                bundle.finish(
                    source.toString(),
                    p.image(),
                    p.slim().report(),
                    kernel,
                    payload.modules(),
                    timings);
            return new BundleResult(
                dir,
                p.image(),
                p.slim().report(),
                kernel.release(),
                kernel.origin(),
                payload.modules(),
                files,
                dir.resolve("oci2vm.json"),
                stages);
          } catch (IOException | RuntimeException e) {
            bundle.abandon();
            if (e instanceof IOException io) {
              throw ioError(io);
            }
            throw (RuntimeException) e;
          }
        });
  }

  /** The kernel command line of a disk image (UKI and GRUB alike). */
  static final String DISK_CMDLINE =
      "console=tty0 console=ttyS0 quiet panic=-1 rdinit=/oci2vm/init";

  /**
   * Converts the image into bootable disk images, one per entry of {@code requested} (in its
   * iteration order): a GPT disk with an ESP (a UKI for UEFI, GRUB for BIOS) and the slimmed tree
   * as a writable ext4 root. The disk is laid out and written once; every format is made from it.
   * Each file appears only when all of them are complete; {@code oci2vm.json} describing the run is
   * written beside the first as {@code NAME.oci2vm.json}.
   */
  public DiskResult writeDisks(
      Map<DiskFormat, Path> requested,
      DiskOptions disk,
      SlimPolicy policy,
      KernelSource kernelSource,
      AppOverrides overrides) {
    Objects.requireNonNull(disk, "disk was not specified");
    Objects.requireNonNull(overrides, "overrides was not specified");
    if (requested.isEmpty()) {
      throw new Oci2vmException(ErrorCode.BAD_OPTION, "no disk outputs were given");
    }
    Map<DiskFormat, Path> outputs = new LinkedHashMap<>(requested);
    checkDiskOutputs(outputs, disk, kernelSource);
    Kernel kernel = announce(resolveKernel(kernelSource));
    return withSlimmedTree(
        policy,
        overrides,
        (p) -> {
          long t0 = System.nanoTime();
          ImageConfig app = overrides.applyTo(p.image().config());
          if (app.argv().isEmpty()) {
            throw new Oci2vmException(
                ErrorCode.NO_ENTRYPOINT,
                "the image sets no Entrypoint or Cmd, so the VM would have nothing to run; pass"
                    + " --entrypoint or --cmd");
          }
          String hostname = hostname(overrides);
          io.oci2vm.internal.disk.FsEntry tree =
              RootFsTree.of(
                  p.fs(),
                  p.slim().output(),
                  w -> listener.onEvent(new ProgressEvent.Step("disk", "warning: " + w)));
          List<List<String>> modules = new ArrayList<>();
          String identity =
              String.join(
                  "\n",
                  p.image().manifestDigest().toString(),
                  kernel.digest().toString(),
                  disk.toString(),
                  overrides.toString(),
                  String.valueOf(policy));
          DiskWriter.Result r =
              new DiskWriter(outputs, disk.boot(), disk.size(), cacheDir, listener)
                  .write(
                      tree,
                      kernel,
                      (uuid, out) ->
                          modules.add(
                              Assembler.writeDiskInitramfs(
                                      p.fs(), app, hostname, overrides.network(), kernel, uuid, out)
                                  .modules()),
                      DISK_CMDLINE,
                      identity.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                      RootFsTree.newestMtime(tree),
                      outputs.containsKey(DiskFormat.OVA)
                          ? new OvfSettings(
                              ovfName(hostname),
                              1,
                              512,
                              disk.boot().uefi(),
                              "oci2vm conversion of " + p.image().manifestDigest())
                          : null,
                      (result, files, out) ->
                          DiskRecord.write(
                              result,
                              files,
                              out,
                              disk.boot(),
                              source.toString(),
                              p.image(),
                              p.slim().report(),
                              kernel,
                              modules.isEmpty() ? List.of() : modules.get(0),
                              seconds(p.stages("disk", t0))));
          Map<String, Duration> stages = p.stages("disk", t0);
          List<String> mods = modules.isEmpty() ? List.of() : modules.get(0);
          Path metadata = r.record();
          return new DiskResult(
              r.outputs(),
              r.sizes(),
              r.layout().diskBytes(),
              r.layout().rootBytes(),
              disk.boot(),
              p.image(),
              p.slim().report(),
              kernel.release(),
              kernel.origin(),
              mods,
              metadata,
              stages);
        });
  }

  /**
   * Fails fast, before anything is pulled: duplicate or directory outputs, an output that is one of
   * the inputs, a directory that cannot be written, a size a format cannot hold.
   */
  private void checkDiskOutputs(
      Map<DiskFormat, Path> outputs, DiskOptions disk, KernelSource kernelSource) {
    List<Path> inputs = new ArrayList<>();
    if (source instanceof ImageSource.DockerArchive a) {
      inputs.add(a.path());
    } else if (source instanceof ImageSource.OciArchive a) {
      inputs.add(a.path());
    }
    if (kernelSource instanceof KernelSource.File f) {
      inputs.add(f.kernel());
    }
    Set<Path> seen = new java.util.HashSet<>();
    for (var e : outputs.entrySet()) {
      Path o = e.getValue();
      Path abs = o.toAbsolutePath().normalize();
      if (!seen.add(abs)) {
        throw new Oci2vmException(ErrorCode.BAD_OPTION, "two formats would both write " + o);
      }
      if (Files.isDirectory(abs)) {
        throw new Oci2vmException(ErrorCode.BAD_OPTION, o + " is a directory; name a file");
      }
      if (disk.size() > 0) {
        e.getKey().checkFits(disk.size());
      }
      try {
        for (Path in : inputs) {
          if (Files.exists(abs) && Files.isSameFile(abs, in)) {
            throw new Oci2vmException(
                ErrorCode.BAD_OPTION,
                o + " is also an input of this conversion; name another file");
          }
        }
        Files.createDirectories(abs.getParent());
        Files.delete(Files.createTempFile(abs.getParent(), ".oci2vm-probe-", ".tmp"));
      } catch (IOException ex) {
        throw new Oci2vmException(
            ErrorCode.IO_ERROR,
            "cannot write disk images to " + abs.getParent() + ": " + ex.getMessage(),
            ex);
      }
    }
  }

  /** A name for the OVA's files and VM: the hostname, within what OVF names allow. */
  private static String ovfName(String hostname) {
    String n = hostname.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^\\.+", "");
    n = n.length() > 64 ? n.substring(0, 64) : n;
    return n.isEmpty() ? "oci2vm" : n;
  }

  private Kernel announce(Kernel kernel) {
    listener.onEvent(
        new ProgressEvent.Step(
            "kernel", "kernel " + kernel.release() + " (" + kernel.origin() + ")"));
    return kernel;
  }

  /** Each stage's time in seconds, rounded to milliseconds, for oci2vm.json. */
  private static Map<String, Double> seconds(Map<String, Duration> stages) {
    Map<String, Double> timings = new LinkedHashMap<>();
    stages.forEach((k, v) -> timings.put(k, seconds(v)));
    return timings;
  }

  private static double seconds(Duration d) {
    return Math.round(d.toNanos() / 1e6) / 1e3;
  }

  private String hostname(AppOverrides overrides) {
    if (overrides.hostname() != null) {
      return overrides.hostname();
    }
    String name =
        source instanceof ImageSource.Registry r
            ? r.reference().repository()
            : source instanceof ImageSource.DockerDaemon d ? d.reference() : "oci2vm";
    name = name.substring(name.lastIndexOf('/') + 1).replaceAll("[:@].*", "");
    name = name.toLowerCase().replaceAll("[^a-z0-9-]", "-");
    return name.isEmpty() || name.length() > 63 ? "oci2vm" : name;
  }

  private Kernel resolveKernel(KernelSource k) {
    KernelLocator locator = new KernelLocator();
    if (k instanceof KernelSource.File f) {
      return locator.file(f.kernel(), f.modules());
    }
    if (k instanceof KernelSource.Image i) {
      Conversion kernelImage =
          Conversion.from(i.source())
              .platform(platform)
              .limits(limits)
              .cacheDir(cacheDir)
              .insecureRegistries(insecureRegistries)
              .dockerConfig(dockerConfig)
              .dockerHost(dockerHost)
              .onProgress(listener);
      listener.onEvent(new ProgressEvent.Step("kernel", "pulling kernel image " + i.source()));
      return kernelImage.withSlimmedTree(
          SlimPolicy.NONE,
          AppOverrides.NONE,
          p ->
              KernelImage.unpack(
                  p.fs(),
                  KernelImage.cacheDir(cacheDir, p.image().manifestDigest()),
                  "image " + i.source() + "@" + p.image().manifestDigest()));
    }
    if (k instanceof KernelSource.Auto) {
      var built = new KernelBuilder(cacheDir, listener).cachedDefault();
      if (built.isPresent()) {
        Kernel own = locator.file(built.get().bzImage(), null);
        return new Kernel(
            own.image(),
            own.release(),
            own.versionString(),
            null,
            own.config(),
            "oci2vm kernel " + built.get().recipeHash(),
            own.digest());
      }
    }
    return locator.host();
  }

  /** The pulled, flattened and slimmed image, handed to what writes the output. */
  private record Prepared(
      ResolvedImage image,
      RootFs fs,
      Slimmer.Result slim,
      Duration pullTime,
      Duration flattenTime,
      Duration slimTime) {
    /** The stages so far plus {@code last}, which started at {@code t0} (System.nanoTime). */
    Map<String, Duration> stages(String last, long t0) {
      Map<String, Duration> stages = new LinkedHashMap<>();
      stages.put("pull", pullTime);
      stages.put("flatten", flattenTime);
      stages.put("slim", slimTime);
      stages.put(last, Duration.ofNanos(System.nanoTime() - t0));
      return stages;
    }
  }

  private interface Writer<T> {
    T write(Prepared prepared) throws IOException;
  }

  private <T> T withSlimmedTree(SlimPolicy policy, AppOverrides overrides, Writer<T> writer) {
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
        ImageConfig app = overrides.applyTo(image.config());
        Slimmer.Result slim = new Slimmer(fs, app, policy).run();
        long t3 = System.nanoTime();
        return writer.write(
            new Prepared(
                image,
                fs,
                slim,
                Duration.ofNanos(t1 - t0),
                Duration.ofNanos(t2 - t1),
                Duration.ofNanos(t3 - t2)));
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
