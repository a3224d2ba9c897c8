package io.oci2vm.client;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What to convert and how. Null fields (and empty lists) mean the daemon's defaults.
 *
 * @param image the image, as {@code oci2vm convert} takes it, e.g. {@code registry.example/app:1.0}
 * @param formats output formats: qcow2 (the default), raw, vmdk, vmdk-stream, vhd, vhd-dynamic,
 *     vhdx, vdi, ova, or bundle
 * @param slim whether to drop what the application does not use (default true)
 * @param keep extra paths (globs) to keep when slimming
 * @param kernelImage a kernel OCI image; null for the daemon's default kernel
 * @param boot uefi, bios or hybrid (the default)
 * @param diskSize the whole disk's size, e.g. {@code 2G}; null for the content plus headroom
 * @param platform {@code os/arch[/variant]} to pick from a multi-platform image (default
 *     linux/amd64)
 * @param callbackUrl an http(s) URL the daemon POSTs the finished job to, or null
 */
public record ConversionRequest(
    String image,
    List<String> formats,
    Boolean slim,
    List<String> keep,
    String kernelImage,
    String boot,
    String diskSize,
    String platform,
    String callbackUrl) {
  /** Checks the image is there and copies the lists (null becomes empty). */
  public ConversionRequest {
    Objects.requireNonNull(image, "image was not specified");
    formats = formats == null ? List.of() : List.copyOf(formats);
    keep = keep == null ? List.of() : List.copyOf(keep);
  }

  /** A request for {@code image} with every option at the daemon's default. */
  public static Builder builder(String image) {
    return new Builder(Objects.requireNonNull(image, "image was not specified"));
  }

  /** Builds a {@link ConversionRequest}; each setter replaces the value and returns this. */
  public static final class Builder {
    private final String image;
    private List<String> formats = List.of();
    private Boolean slim;
    private List<String> keep = List.of();
    private String kernelImage;
    private String boot;
    private String diskSize;
    private String platform;
    private String callbackUrl;

    private Builder(String image) {
      this.image = image;
    }

    /** The output formats, e.g. {@code "qcow2", "vmdk"}. */
    public Builder formats(String... formats) {
      return formats(Arrays.asList(formats));
    }

    /** The output formats. */
    public Builder formats(List<String> formats) {
      this.formats = List.copyOf(Objects.requireNonNull(formats, "formats was not specified"));
      return this;
    }

    /** Whether to slim the root file system (the daemon's default is true). */
    public Builder slim(boolean slim) {
      this.slim = slim;
      return this;
    }

    /** Extra paths (globs) to keep when slimming. */
    public Builder keep(String... globs) {
      return keep(Arrays.asList(globs));
    }

    /** Extra paths (globs) to keep when slimming. */
    public Builder keep(List<String> globs) {
      this.keep = List.copyOf(Objects.requireNonNull(globs, "globs was not specified"));
      return this;
    }

    /** A kernel OCI image to boot with instead of the daemon's default. */
    public Builder kernelImage(String kernelImage) {
      this.kernelImage = kernelImage;
      return this;
    }

    /** uefi, bios or hybrid. */
    public Builder boot(String boot) {
      this.boot = boot;
      return this;
    }

    /** The whole disk's size, e.g. {@code 2G}. */
    public Builder diskSize(String diskSize) {
      this.diskSize = diskSize;
      return this;
    }

    /** {@code os/arch[/variant]}, e.g. {@code linux/arm64}. */
    public Builder platform(String platform) {
      this.platform = platform;
      return this;
    }

    /** An http(s) URL the daemon POSTs the finished job's JSON to. */
    public Builder callbackUrl(String callbackUrl) {
      this.callbackUrl = callbackUrl;
      return this;
    }

    /** The request. */
    public ConversionRequest build() {
      return new ConversionRequest(
          image, formats, slim, keep, kernelImage, boot, diskSize, platform, callbackUrl);
    }
  }
}
