package io.oci2vm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@link Conversion#writeDisks} produced.
 *
 * @param outputs each format and its file
 * @param sizes each format's file size in bytes
 * @param diskBytes the virtual disk's size
 * @param rootBytes the ext4 root partition's size
 * @param boot the firmware it boots under
 * @param image the image converted
 * @param report what slimming kept and dropped
 * @param kernelRelease the kernel's release
 * @param kernelOrigin where the kernel came from
 * @param modules kernel modules in the boot initramfs
 * @param metadata the oci2vm.json record of this run
 * @param stages time spent per stage
 */
public record DiskResult(
    Map<DiskFormat, Path> outputs,
    Map<DiskFormat, Long> sizes,
    long diskBytes,
    long rootBytes,
    BootMode boot,
    ResolvedImage image,
    SlimReport report,
    String kernelRelease,
    String kernelOrigin,
    List<String> modules,
    Path metadata,
    Map<String, Duration> stages) {
  /** Copies the collections. */
  public DiskResult {
    // In the order given: the first output names the run's record.
    outputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
    sizes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sizes));
    modules = List.copyOf(modules);
    stages = Map.copyOf(stages);
  }
}
