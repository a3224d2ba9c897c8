package io.oci2vm.daemon.store;

import java.util.List;

/**
 * What a client or a webhook rule asks for: the image and the conversion options. Stored as JSON
 * with the job; null fields mean the daemon's defaults.
 *
 * @param image the image, as {@code oci2vm convert} takes it (e.g. registry.example/app:1.0)
 * @param formats output formats: disk formats (qcow2, raw, vmdk, ...) or "bundle"
 * @param slim whether to drop what the app does not use (default true)
 * @param keep extra paths to keep (globs)
 * @param kernelImage a kernel OCI image reference; null for the daemon's default kernel
 * @param boot uefi, bios or hybrid (default hybrid)
 * @param diskSize the whole disk's size, e.g. "2G"; null for content plus headroom
 * @param platform os/arch[/variant] to pick from a multi-platform image (default linux/amd64)
 * @param callbackUrl where to POST the finished job, or null
 */
public record JobRequest(
    String image,
    List<String> formats,
    Boolean slim,
    List<String> keep,
    String kernelImage,
    String boot,
    String diskSize,
    String platform,
    String callbackUrl) {
  /** Copies the lists. */
  public JobRequest {
    formats = formats == null ? null : List.copyOf(formats);
    keep = keep == null ? null : List.copyOf(keep);
  }
}
