package io.oci2vm.client;

import java.net.URI;
import java.util.Objects;

/**
 * One file a finished job produced.
 *
 * @param name the file name, which {@link Oci2vmClient#download} takes
 * @param format the disk format (qcow2, raw, vmdk, ...) or "bundle"
 * @param size the size in bytes
 * @param sha256 the content digest, {@code sha256:HEX}
 * @param url where the daemon serves it, as the daemon sees itself; may be null
 */
public record Artifact(String name, String format, long size, String sha256, URI url) {
  /** Checks the name is there. */
  public Artifact {
    Objects.requireNonNull(name, "name was not specified");
  }
}
