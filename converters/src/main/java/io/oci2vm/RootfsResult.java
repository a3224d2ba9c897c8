package io.oci2vm;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The outcome of writing a root filesystem tar.
 *
 * @param image the resolved image
 * @param report what slimming kept and dropped
 * @param output the tar written
 * @param outputBytes its size
 * @param pullTime time to resolve and make every layer available (pull, verify, unpack)
 * @param flattenTime time to merge the layers
 * @param slimTime time to analyse what to keep
 * @param writeTime time to write the tar
 */
public record RootfsResult(
    ResolvedImage image,
    SlimReport report,
    Path output,
    long outputBytes,
    Duration pullTime,
    Duration flattenTime,
    Duration slimTime,
    Duration writeTime) {}
