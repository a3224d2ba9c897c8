package io.oci2vm;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A written direct-boot bundle.
 *
 * @param dir the bundle directory
 * @param image the resolved image
 * @param report what slimming kept and dropped
 * @param kernelRelease the kernel's release
 * @param kernelOrigin where the kernel came from
 * @param modules kernel modules the initramfs carries, in load order
 * @param files each file's size in bytes
 * @param manifest the oci2vm.json written beside the artifacts
 * @param timings time per stage: pull, flatten, slim, assemble
 */
public record BundleResult(
    Path dir,
    ResolvedImage image,
    SlimReport report,
    String kernelRelease,
    String kernelOrigin,
    List<String> modules,
    Map<String, Long> files,
    Path manifest,
    Map<String, java.time.Duration> timings) {}
