package io.oci2vm.daemon.store;

/**
 * A file a job produced.
 *
 * @param name the file name, unique within the job (e.g. app.qcow2)
 * @param format the format it is in (qcow2, ..., "bundle" files by their own names, "record")
 * @param size bytes
 * @param sha256 "sha256:HEX" of the content
 */
public record Artifact(String name, String format, long size, String sha256) {}
